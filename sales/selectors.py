"""Reads worth a name: the Sales and My orders lists, their counts, one order."""

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from messaging.models import Message
from resolution.models import CancellationRequest, ExtensionRequest, RequestState

from .models import Order, OrderCount, State, clock_q

TABS = [State.ACTIVE, State.PENDING, State.DELIVERED, State.COMPLETED, State.CANCELED]

TAB_DESCRIPTIONS = {
    "seller": {
        State.ACTIVE: "Orders you are currently working on (In Progress).",
        State.PENDING: "New orders you've received: placed, but the buyer hasn't submitted "
        "the information yet, so they haven't started.",
        State.DELIVERED: "Orders you've delivered but that are not yet marked as completed "
        "by the buyer.",
        State.COMPLETED: "All the orders you've completed. Click an order to open it.",
        State.CANCELED: "All the canceled orders, whether by mutual cancellation or "
        "Customer Support cancellation.",
    },
    "buyer": {
        State.ACTIVE: "Orders the seller is working on now.",
        State.PENDING: "Orders waiting for your requirements: submit them to start the clock.",
        State.DELIVERED: "Deliveries waiting for your review: accept them or ask for a revision.",
        State.COMPLETED: "Orders you've accepted, or that completed after the review window.",
        State.CANCELED: "Canceled orders, by mutual cancellation or Customer Support.",
    },
}

FLAGS = {"late", "due_soon", "new"}
NEVER = datetime(2000, 1, 1, tzinfo=UTC)  # "not read yet" reads as read before any message
SORTS = {"due", "newest"}


def _flag_q(flag, now):
    return {
        "late": clock_q("late", now),
        "due_soon": clock_q("due_soon", now),
        # New orders the seller has not written to yet ("reach out right away").
        # Started ones still show a "Not answered" badge in their rows.
        "new": Q(state=State.PENDING, seller_first_message_at=None),
    }[flag]


def orders_for_role(user, role):
    """Every order the user is on, as seller or as buyer."""
    if role == "seller":
        return Order.objects.filter(seller=user)
    return Order.objects.filter(buyer=user)


def order_tab_counts(user, role, now=None):
    """Per-tab counts (the user's ``OrderCount`` rows, kept by the services)
    and the priority strip's counts (a query over open orders only)."""
    now = now or timezone.now()
    mine = orders_for_role(user, role)
    by_state = dict(OrderCount.objects.filter(user=user, role=role).values_list("state", "orders"))
    counts = {tab.value: by_state.get(tab.value, 0) for tab in TABS}
    counts.update(
        mine.filter(state__in=[State.ACTIVE, State.PENDING]).aggregate(
            **{flag: Count("pk", filter=_flag_q(flag, now)) for flag in FLAGS}
        )
    )
    return counts


# Sorts: the field and whether it runs newest first. Pages are cut by keyset
# (the last row's key), so the thousandth page costs what the first does.
SORT_KEYS = {"due": ("due_at", False), "newest": ("created_at", True)}
DUE_SORT_TABS = {State.ACTIVE, State.DELIVERED}  # where every order has a due date


@dataclass
class OrderListQuery:
    tab: str = State.ACTIVE
    q: str = ""
    sort: str = ""
    flag: str = ""
    after: str = ""
    before: str = ""
    last: bool = False

    @property
    def base(self):
        """The query string of this list, without the page cursor."""
        return urlencode({"tab": self.tab, "q": self.q, "sort": self.sort, "flag": self.flag})

    @classmethod
    def from_request(cls, params):
        tab = params.get("tab", State.ACTIVE)
        flag = params.get("flag", "")
        if flag not in FLAGS:
            flag = ""
        if flag in ("late", "due_soon"):
            tab = State.ACTIVE
        elif flag == "new":
            tab = State.PENDING
        if tab not in State.values:
            tab = State.ACTIVE
        sort = params.get("sort", "")
        if sort not in SORTS or (sort == "due" and tab not in DUE_SORT_TABS):
            sort = "due" if tab == State.ACTIVE else "newest"
        return cls(
            tab=tab,
            q=params.get("q", "").strip()[:100],
            sort=sort,
            flag=flag,
            after=params.get("after", "")[:100],
            before=params.get("before", "")[:100],
            last=params.get("last") == "1",
        )


# What a list row shows (templates/sales/_order_row.html), and nothing more:
# the Sales page reads these 26 times per request.
ROW_FIELDS = (
    "number",
    "title",
    "price",
    "state",
    "created_at",
    "started_at",
    "due_at",
    "seller_first_message_at",
    "buyer_id",
    "seller_id",
)


@dataclass
class OrderPage:
    object_list: list
    has_next: bool
    has_previous: bool
    next_cursor: str
    previous_cursor: str
    total: int | None  # None when a search makes it unknown


def _encode(order, field):
    raw = f"{getattr(order, field).isoformat()}~{order.pk}"
    return urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor):
    """(value, pk) from a cursor; None for anything that is not one of ours."""
    try:
        raw = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        value, pk = raw.rsplit("~", 1)
        when = datetime.fromisoformat(value)
        return (when if when.tzinfo else when.replace(tzinfo=UTC)), int(pk)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None


def _beyond(field, value, pk, *, forward_in_sort_order, descending):
    """Rows strictly past (value, pk) in the direction asked. Written as a
    range on the indexed field, so PostgreSQL seeks instead of counting."""
    upward = forward_in_sort_order != descending
    if upward:
        return Q(**{f"{field}__gte": value}) & ~Q(**{field: value, "pk__lte": pk})
    return Q(**{f"{field}__lte": value}) & ~Q(**{field: value, "pk__gte": pk})


def orders_page(user, role, query: OrderListQuery, counts, now=None):
    """One page of the tab's orders, filtered, searched and sorted."""
    now = now or timezone.now()
    qs = orders_for_role(user, role).filter(state=query.tab)
    total = counts[query.tab]
    if query.flag:
        qs = qs.filter(_flag_q(query.flag, now))
        total = counts[query.flag]
    other = "buyer" if role == "seller" else "seller"
    if query.q:
        qs = qs.filter(
            Q(number__iexact=query.q.lstrip("#"))
            | Q(**{f"{other}__username__icontains": query.q})
            | Q(title__icontains=query.q)
        )
        total = None
    field, descending = SORT_KEYS[query.sort]
    after, before = _decode(query.after), _decode(query.before)
    backward = bool(before) or (query.last and not after)
    if after:
        qs = qs.filter(_beyond(field, *after, forward_in_sort_order=True, descending=descending))
    elif before:
        qs = qs.filter(_beyond(field, *before, forward_in_sort_order=False, descending=descending))
    ascending = descending == backward  # the database order for this walk
    qs = qs.order_by(*((field, "pk") if ascending else (f"-{field}", "-pk")))
    size = settings.SALES_PAGE_SIZE
    rows = with_row_flags(qs.only(*ROW_FIELDS), user, role).annotate(
        other_name=F(f"{other}__username")
    )
    rows = list(rows[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
    return OrderPage(
        object_list=rows,
        has_next=more if not backward else bool(before),
        has_previous=bool(after) if not backward else more,
        next_cursor=_encode(rows[-1], field) if rows else "",
        previous_cursor=_encode(rows[0], field) if rows else "",
        total=total,
    )


def with_row_flags(qs, user, role):
    """Annotate each order with ``unread`` (messages from the other party since
    the viewer last opened the thread) and ``open_request`` (a Resolution
    Center request waiting). Subqueries, so a page of rows stays one query."""
    read_at = "seller_read_at" if role == "seller" else "buyer_read_at"
    unread = (
        Message.objects.filter(order=OuterRef("pk"))
        .exclude(sender=user)
        .filter(created_at__gt=Coalesce(OuterRef(read_at), Value(NEVER)))
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    open_request = Exists(
        ExtensionRequest.objects.filter(order=OuterRef("pk"), state=RequestState.OPEN)
    ) | Exists(CancellationRequest.objects.filter(order=OuterRef("pk"), state=RequestState.OPEN))
    return qs.annotate(unread=Coalesce(Subquery(unread), 0), open_request=open_request)


def order_version(order):
    """Changes whenever the order's stream or state does: polled by open pages."""
    from .models import OrderEvent

    last = (
        Order.objects.filter(pk=order.pk)
        .values(
            event=Subquery(
                OrderEvent.objects.filter(order=OuterRef("pk")).order_by("-pk").values("pk")[:1]
            ),
            message=Subquery(
                Message.objects.filter(order=OuterRef("pk")).order_by("-pk").values("pk")[:1]
            ),
        )
        .first()
    ) or {}
    return f"{order.state}.{last.get('event') or 0}.{last.get('message') or 0}"


def order_for_participant(user, number):
    """The order with this number if the user is its buyer or seller, else 404."""
    try:
        return (
            Order.objects.select_related("buyer", "seller", "job")
            .filter(Q(buyer=user) | Q(seller=user))
            .get(number=number)
        )
    except Order.DoesNotExist:
        raise Http404("No such order.") from None


# -- the deadline scans ------------------------------------------------------


def deadline_rule(notice, now):
    """Which orders still owe this notice. The same rule selects candidates
    and guards the claim, so a due date moved meanwhile is seen."""
    return clock_q(notice, now) & Q(**{f"{notice}_notified_at": None})


def orders_owing_notice(notice, *, now, limit):
    """Ids of orders owing a deadline notice, served by its partial index."""
    return list(
        Order.objects.filter(deadline_rule(notice, now))
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )


def review_window_rule(now):
    return Q(
        state=State.DELIVERED,
        delivered_at__lte=now - timedelta(days=settings.ORDER_REVIEW_DAYS),
    )


def deliveries_past_review(*, now, limit):
    """Ids of deliveries nobody reviewed within the review window."""
    return list(
        Order.objects.filter(review_window_rule(now))
        .order_by("delivered_at")
        .values_list("pk", flat=True)[:limit]
    )
