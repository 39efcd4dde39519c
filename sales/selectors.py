"""Reads worth a name: the Sales and My orders lists, their counts, one order."""

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from jobs.models import Job
from messaging.models import Message

from .inquiries import Inquiry
from .models import (
    NUMBER_ALPHABET,
    NUMBER_LENGTH,
    URGENT_AT,
    Order,
    OrderCount,
    State,
    clock_q,
)
from .requests import CancellationRequest, ExtensionRequest, RequestState

TABS = [State.ACTIVE, State.PENDING, State.DELIVERED, State.COMPLETED, State.CANCELED]
OPEN_STATES = [State.PENDING, State.ACTIVE, State.DELIVERED]

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

NEVER = datetime(2000, 1, 1, tzinfo=UTC)  # "not read yet" reads as read before any message
SORTS = {"due", "newest"}
PRIORITY = "priority"  # the first tab: what needs the viewer now, across states
QUESTIONS = "questions"  # questions before ordering waiting for the seller
SEARCH = "all"  # a search looks in every state
NAME_FIELDS = ["username", "first_name", "last_name"]


def _open_request_to(viewer, *models):
    """Orders with an open request (of these kinds) that waits on the
    viewer's answer: a few ids read from the requests' answerer index."""
    first, *others = [
        model.objects.filter(state=RequestState.OPEN, answerer=viewer).order_by().values("order_id")
        for model in models
    ]
    return _pk_among(first.union(*others, all=True) if others else first)


def _pk_among(ids):
    """``pk IN (ids)``, for a subquery of a few ids. PostgreSQL reads it as
    ``pk = ANY(ARRAY(ids))``: it then looks each id up by primary key,
    where for ``IN`` it would rather hash the ids and read every open order
    of a big seller."""
    if connection.vendor == "postgresql":
        return Q(_EqualsAny(F("pk"), ArraySubquery(ids)))
    return Q(pk__in=ids)


class _EqualsAny(Func):
    """``left = ANY(array)``."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


@dataclass(frozen=True)
class Reason:
    """Why an order needs the viewer now. ``rule(now, viewer)`` is the one definition:
    the strip counts with it, the Priority tab filters with it, and each row
    reads it back as an annotation, so the three always agree."""

    key: str
    label: str  # in the row
    short: str  # on the strip, where a phone has room for a word or two
    rule: object  # (now, viewer) -> Q over the viewer's orders; it names their open states
    deadline: str  # which "by when" the row shows: see deadline_of()
    # The column the Priority tab walks this reason's orders by: their
    # urgency, or where the rule's states settle it, the plain column it
    # equals (due_at once started, created_at while pending), which the
    # reason's index reads in order (ties on it are few, sorted by id).
    walk: str = "urgent_at"


REASONS = {
    "seller": [
        Reason(
            "new",
            "New, not answered yet",
            "New",
            lambda now, viewer: Q(
                state__in=[State.PENDING, State.ACTIVE], seller_first_message_at=None
            ),
            "reply_by",
        ),
        Reason(
            "revision",
            "Revision asked for",
            "Revision",
            lambda now, viewer: Q(state=State.ACTIVE, revisions_used__gt=0),
            "due",
            walk="due_at",
        ),
        Reason(
            "cancellation",
            "Cancellation request to answer",
            "Cancellation",
            lambda now, viewer: (
                Q(state__in=OPEN_STATES) & _open_request_to(viewer, CancellationRequest)
            ),
            "request",
        ),
        Reason(
            "late",
            "Late",
            "Late",
            lambda now, viewer: clock_q("late", now),
            "late_since",
            walk="due_at",
        ),
        Reason(
            "due_soon",
            "Due soon",
            "Due soon",
            lambda now, viewer: clock_q("due_soon", now),
            "due",
            walk="due_at",
        ),
    ],
    "buyer": [
        Reason(
            "requirements",
            "Requirements to submit",
            "Requirements",
            lambda now, viewer: Q(state=State.PENDING),
            "ordered",
            walk="created_at",
        ),
        Reason(
            "review",
            "Delivery to review",
            "Review",
            lambda now, viewer: Q(state=State.DELIVERED),
            "completes",
            walk="due_at",
        ),
        Reason(
            "request",
            "Request waiting for your answer",
            "Request",
            lambda now, viewer: (
                Q(state__in=OPEN_STATES)
                & _open_request_to(viewer, ExtensionRequest, CancellationRequest)
            ),
            "request",
        ),
    ],
}


def reasons_for(role):
    return REASONS[role]


def orders_for_role(user, role):
    """Every order the user is on, as seller or as buyer."""
    if role == "seller":
        return Order.objects.filter(seller=user)
    return Order.objects.filter(buyer=user)


# The strip counts each reason up to this many, and shows more as "99+":
# counting all of a big seller's thousands of late orders would cost every
# page load milliseconds, to tell them a number nobody acts on.
PRIORITY_COUNT_CAP = 99


def count_label(n):
    """A Priority count as the strip shows it."""
    return f"{PRIORITY_COUNT_CAP}+" if n > PRIORITY_COUNT_CAP else str(n)


class TabCounts(dict):
    """The count of each tab and Priority reason, by key. ``needing``, when
    asked for, holds what the Priority counts read: (reason, order id,
    urgency) for each reason's most urgent orders, up to the cap and one
    more. The
    Priority tab's first page is cut from it, so the strip and the landing
    rows are one reading."""

    needing = None


def order_tab_counts(user, role, now=None, *, needing=False):
    """Per-tab counts (the user's ``OrderCount`` rows, kept by the services),
    and the Priority tab's: each reason's most urgent orders, up to
    PRIORITY_COUNT_CAP + 1 (a count above the cap is shown as over it),
    read in one query, counted there or, with ``needing``, here. Each
    reason's orders are read through its own index, in its order; a
    condition that ORs the reasons would read all of a big seller's open
    orders."""
    now = now or timezone.now()
    tabs = OrderCount.objects.filter(user=user, role=role).order_by().values_list("state", "orders")
    if role == "seller":
        # The questions before ordering waiting for the seller's answer sit
        # beside the tabs: counted in the same query.
        tabs = tabs.union(
            Inquiry.objects.filter(seller=user, waiting_since__isnull=False)
            .order_by()
            .values(key=Value(QUESTIONS))
            .annotate(n=Count("pk"))
            .values_list("key", "n"),
            all=True,
        )
    by_state = dict(tabs)
    counts = TabCounts({tab.value: by_state.get(tab.value, 0) for tab in TABS})
    counts[QUESTIONS] = by_state.get(QUESTIONS, 0)
    reasons = REASONS[role]
    mine = orders_for_role(user, role).annotate(urgent_at=URGENT_AT)
    parts = [
        mine.filter(r.rule(now, user))
        .annotate(why=Value(r.key))
        .order_by(r.walk, "pk")
        .values_list("why", "pk", "urgent_at")[: PRIORITY_COUNT_CAP + 1]
        .query.sql_with_params()
        for r in reasons
    ]
    # A derived table for each part: SQLite allows no LIMIT on the parts of
    # a UNION itself.
    union = " UNION ALL ".join(
        f"SELECT * FROM ({sql}) AS part{i}" for i, (sql, _) in enumerate(parts)
    )
    params = [p for _, part_params in parts for p in part_params]
    keys = [r.key for r in reasons]
    with connection.cursor() as cursor:
        if needing:
            cursor.execute(union, params)
            counts.needing = [(why, pk, _as_datetime(at)) for why, pk, at in cursor.fetchall()]
            per_reason = Counter(why for why, _, _ in counts.needing)
            per_reason = [per_reason[key] for key in keys]
            total = len({pk for _, pk, _ in counts.needing})
        else:
            each = ", ".join("COUNT(*) FILTER (WHERE why = %s)" for _ in keys)
            cursor.execute(
                f"SELECT {each}, COUNT(DISTINCT pk) FROM ({union}) AS needing", keys + params
            )
            *per_reason, total = cursor.fetchone()
    counts.update(zip(keys, per_reason, strict=True))
    # Past a reason's cap the union holds only part of its orders.
    capped = any(n > PRIORITY_COUNT_CAP for n in per_reason)
    counts[PRIORITY] = PRIORITY_COUNT_CAP + 1 if capped else total
    return counts


def _as_datetime(value):
    """A timestamp from a raw query: SQLite returns its text."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


def _first_priority_page(counts, size):
    """The ids of the Priority tab's first page (and one more, to tell a
    next page), with each one's reasons, from what the counts read: every
    order of the page is among the first ``size + 1`` of each reason it
    has, and the counts read more than that of each."""
    first = {}
    for why, pk, _ in sorted(counts.needing, key=lambda n: (n[2], n[1])):
        if pk in first or len(first) <= size:
            first.setdefault(pk, set()).add(why)
    return first


# Sorts: the field and whether it runs newest first. Pages are cut by keyset
# (the last row's key), so the thousandth page costs what the first does.
# The Priority tab runs by the order's clock: due date, or when it was placed
# for orders not started.
SORT_KEYS = {
    "due": ("due_at", False),
    "newest": ("created_at", True),
    "urgent": ("urgent_at", False),
}
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
        """The query string of this list, without the page cursor; each
        parameter once, and only those that say something."""
        params = {"tab": self.tab, "q": self.q, "sort": self.sort, "flag": self.flag}
        if self.q:
            del params["tab"]
        return urlencode({k: v for k, v in params.items() if v})

    @property
    def lands(self):
        """Whether this is the Priority tab's first page, unfiltered."""
        return self.tab == PRIORITY and not (self.flag or self.after or self.before or self.last)

    @staticmethod
    def may_land(params):
        """Whether these parameters may ask for the Priority tab's first
        page (it depends on the counts when they name no tab)."""
        return (params.get("tab") or PRIORITY) == PRIORITY and not any(
            params.get(key) for key in ("q", "flag", "after", "before", "last")
        )

    @classmethod
    def from_request(cls, params, role, counts):
        """The list asked for. With no tab named, the page lands on Priority
        whenever something needs the viewer, else on the first state tab."""
        reasons = {r.key for r in REASONS[role]}
        q = params.get("q", "").strip()[:100]
        flag = params.get("flag", "")
        flag = flag if flag in reasons else ""
        tab = params.get("tab") or (PRIORITY if counts[PRIORITY] else State.ACTIVE)
        if flag:
            tab = PRIORITY
        if q:
            tab, flag = SEARCH, ""
        elif tab not in State.values and tab != PRIORITY:
            tab = State.ACTIVE
        sort = params.get("sort", "")
        if tab == PRIORITY:
            sort = "urgent"
        elif sort not in SORTS or (sort == "due" and tab not in DUE_SORT_TABS):
            sort = "due" if tab == State.ACTIVE else "newest"
        return cls(
            tab=tab,
            q=q,
            sort=sort,
            flag=flag,
            after=params.get("after", "")[:100],
            before=params.get("before", "")[:100],
            last=params.get("last") == "1",
        )


# What a list row shows (templates/sales/_order_row.html), and nothing more.
ROW_FIELDS = (
    "number",
    "title",
    "price",
    "state",
    "created_at",
    "started_at",
    "due_at",
    "delivered_at",
    "completed_at",
    "canceled_at",
    "canceled_by",
    "seller_at_fault",
    "revisions_used",
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
    total: int | None  # None when a search or the count's cap makes it unknown


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


# A search word matching more people or Jobs than this is too vague for the
# indexed path; it falls back to reading the viewer's orders.
SEARCH_IDS_LIMIT = 2000


def _matching_ids(rows, words, fields, *, parts=False):
    """{word: ids of the rows where some field matches the word}, or None
    when the rows matching any word are more than SEARCH_IDS_LIMIT. With
    ``parts``, a word of any length may be a part of a value (a seller's
    handful of Jobs needs no index)."""
    # One word is matched by every row found: only their ids are needed.
    columns = ("pk", *fields) if len(words) > 1 else ("pk",)
    rows = rows.filter(_any_matches(words, fields, parts=parts)).values_list(*columns)
    found = list(rows[: SEARCH_IDS_LIMIT + 1])
    if len(found) > SEARCH_IDS_LIMIT:
        return None
    if len(words) == 1:
        return {words[0]: [pk for (pk,) in found]}
    return {
        word: [pk for pk, *values in found if any(_matches(word, v, parts) for v in values)]
        for word in words
    }


# Shorter words match whole values only: a trigram index can't look up a
# part of a value shorter than a trigram, and "do" or "1" is in half the names.
PART_MIN_LENGTH = 3


def _any_matches(words, fields, *, parts=False):
    return Q(
        *[
            (f"{field}__{'icontains' if parts or len(w) >= PART_MIN_LENGTH else 'iexact'}", w)
            for w in words
            for field in fields
        ],
        _connector=Q.OR,
    )


def _matches(word, value, parts=False):
    word, value = word.casefold(), value.casefold()
    return word in value if parts or len(word) >= PART_MIN_LENGTH else word == value


def _search(qs, user, role, text):
    """An order number (with or without '#', any case) finds that order by
    its unique index alone. Other text is read word by word: each word must
    be in the other party's name or username, or in the Job's title.

    A seller may have a hundred thousand orders: their search first finds
    the people and the seller's Jobs a word names (small indexed lookups:
    trigram indexes on the user's names on PostgreSQL), then only the orders
    of those buyers and Jobs, through the buyer and Job indexes, or walking
    the seller's newest orders when the matches are many. When more than
    SEARCH_IDS_LIMIT people match (a word of one or two characters, say),
    the database picks those people itself, in the same query."""
    number = text.lstrip("#").upper()
    if len(number) == NUMBER_LENGTH and all(c in NUMBER_ALPHABET for c in number):
        return qs.filter(number=number)
    other = "buyer" if role == "seller" else "seller"
    words = text.split()[:5]
    if role == "seller":
        people = _matching_ids(User.objects.all(), words, NAME_FIELDS)
        jobs = _matching_ids(Job.objects.filter(seller=user), words, ["title"], parts=True)
        if jobs is not None:
            # Words that name the same people and Jobs ("will do task") are
            # one condition, and words that name nobody narrow one list of
            # Jobs: repeated, a condition's rows would be counted once per
            # copy by the planner, which would expect almost none and choose
            # a plan for few rows.
            conditions, only_jobs = {}, None
            for word in words:
                if people is None:
                    named = User.objects.filter(_any_matches([word], NAME_FIELDS)).values("pk")
                    conditions[word] = Q(buyer_id__in=named) | Q(job__any_of=jobs[word])
                elif not people[word]:
                    found = set(jobs[word])
                    only_jobs = found if only_jobs is None else only_jobs & found
                else:
                    key = (tuple(people[word]), tuple(jobs[word]))
                    conditions[key] = Q(buyer__any_of=key[0]) | Q(job__any_of=key[1])
            if only_jobs is not None:
                qs = qs.filter(job__any_of=sorted(only_jobs))
            for condition in conditions.values():
                qs = qs.filter(condition)
            return qs
    names = [f"{other}__{field}" for field in NAME_FIELDS]
    for word in words:
        qs = qs.filter(_any_matches([word], names) | Q(title__icontains=word))
    return qs


def orders_page(user, role, query: OrderListQuery, counts, now=None):
    """One page of the tab's orders, filtered, searched and sorted."""
    now = now or timezone.now()
    qs = orders_for_role(user, role)
    field, descending = SORT_KEYS[query.sort]
    after, before = _decode(query.after), _decode(query.before)
    backward = bool(before) or (query.last and not after)
    size = settings.SALES_PAGE_SIZE

    def walk(qs, field=field):
        """The rows of ``qs`` past the cursor, in the order of this walk."""
        if after:
            qs = qs.filter(
                _beyond(field, *after, forward_in_sort_order=True, descending=descending)
            )
        elif before:
            qs = qs.filter(
                _beyond(field, *before, forward_in_sort_order=False, descending=descending)
            )
        ascending = descending == backward  # the database order for this walk
        return qs.order_by(*((field, "pk") if ascending else (f"-{field}", "-pk")))

    if query.tab == SEARCH:
        qs = _search(qs, user, role, query.q)
        total = None
    elif query.tab == PRIORITY:
        first = None
        if counts.needing is not None and query.lands and size <= PRIORITY_COUNT_CAP:
            first = _first_priority_page(counts, size)
            qs = with_waiting(qs.filter(pk__in=list(first)), role)
        else:
            # Each reason's page of the walk (through its own index), then
            # the page of their union: it holds every order the page can show.
            reasons = [r for r in REASONS[role] if r.key == query.flag] or REASONS[role]
            pages = [
                walk(qs.annotate(urgent_at=URGENT_AT).filter(r.rule(now, user)), r.walk).values(
                    "pk"
                )[: size + 1]
                for r in reasons
            ]
            if connection.features.supports_slicing_ordering_in_compound:
                mine = Q(pk__in=pages[0].union(*pages[1:], all=True))
            else:  # SQLite can't cut the parts of a UNION: an IN for each page
                mine = Q(*[Q(pk__in=page) for page in pages], _connector=Q.OR)
            qs = with_reasons(qs.filter(mine), user, role, now)
        qs = qs.annotate(urgent_at=URGENT_AT)
        total = counts[query.flag or PRIORITY]
        if total > PRIORITY_COUNT_CAP:
            total = None  # the strip says how many, as far as it counts
    else:
        qs = qs.filter(state=query.tab)
        total = counts[query.tab]
    qs = walk(qs)
    other = "buyer" if role == "seller" else "seller"
    rows = with_row_flags(qs.only(*ROW_FIELDS), user, role).annotate(
        other_username=F(f"{other}__username"),
        other_first_name=F(f"{other}__first_name"),
        other_last_name=F(f"{other}__last_name"),
    )
    rows = list(rows[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
    if query.tab == PRIORITY:
        for row in rows:
            why = first[row.pk] if first is not None else _why(row, role)
            row.reasons = [
                (reason, deadline_of(row, reason.deadline))
                for reason in REASONS[role]
                if reason.key in why
            ]
    return OrderPage(
        object_list=rows,
        has_next=more if not backward else bool(before),
        has_previous=bool(after) if not backward else more,
        next_cursor=_encode(rows[-1], field) if rows else "",
        previous_cursor=_encode(rows[0], field) if rows else "",
        total=total,
    )


def _waiting_since(model, role):
    """When the open request of this kind that waits on the viewer was made.
    An order has at most one open request of a kind: it is found through
    that index, then counts only if the viewer is the one to answer it."""
    return Subquery(
        model.objects.filter(order=OuterRef("pk"), state=RequestState.OPEN)
        .order_by()
        .values(waiting=Case(When(answerer=OuterRef(role), then="created_at")))[:1]
    )


def with_waiting(qs, role):
    """Each row with when the open request that waits on the viewer was
    made (its deadline follows from it)."""
    waiting = _waiting_since(CancellationRequest, role)
    if role == "buyer":  # only sellers ask for more time
        waiting = Coalesce(waiting, _waiting_since(ExtensionRequest, role))
    return qs.annotate(request_made_at=waiting)


def with_reasons(qs, user, role, now):
    """Each row reads back which reasons hold for it (``why_<key>``), by the
    same rules the strip counts with, and when the open request that waits
    on the viewer was made."""
    return with_waiting(qs, role).annotate(
        **{
            f"why_{r.key}": ExpressionWrapper(r.rule(now, user), output_field=BooleanField())
            for r in REASONS[role]
        }
    )


def _why(row, role):
    return {r.key for r in REASONS[role] if getattr(row, f"why_{r.key}")}


def deadline_of(order, kind):
    """The "by when" of a reason: (label, when)."""
    if kind == "reply_by":
        return "Reply by", order.created_at + timedelta(hours=settings.RESPONSE_HOURS)
    if kind == "due":
        return "Due", order.due_at
    if kind == "late_since":
        return "Was due", order.due_at
    if kind == "ordered":
        return "Ordered", order.created_at
    if kind == "completes":
        return "Completes by itself", order.delivered_at + timedelta(
            days=settings.ORDER_REVIEW_DAYS
        )
    if order.request_made_at is None:
        return "", None
    return "Answer by", order.request_made_at + timedelta(hours=settings.REQUEST_ANSWER_HOURS)


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
    """Changes whenever the order's stream or state does: polled by open pages
    (support opening a file is not in the stream, so it changes nothing)."""
    from .models import STAFF_ONLY_EVENTS, OrderEvent

    last = (
        Order.objects.filter(pk=order.pk)
        .values(
            event=Subquery(
                OrderEvent.objects.filter(order=OuterRef("pk"))
                .exclude(kind__in=STAFF_ONLY_EVENTS)
                .order_by("-pk")
                .values("pk")[:1]
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


def requirements_reminder_rule(now):
    """Pending orders whose buyer is due a reminder: the candidates and the
    claim's guard, so a submission that landed meanwhile is seen."""
    return Q(state=State.PENDING, requirements_reminder_at__lte=now)


def orders_owing_requirements_reminder(*, now, limit):
    """Ids of pending orders due a reminder, served by their partial index."""
    return list(
        Order.objects.filter(requirements_reminder_rule(now))
        .order_by("requirements_reminder_at")
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
