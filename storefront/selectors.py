"""Reads for the pages a buyer uses to find and judge a Job: Browse, the
Job page, a seller's public profile.

Browse pages by keyset: a page ends at its last Job's sort key, and the
next page starts past it, so the thousandth page costs what the first does
and a Job published meanwhile never shifts a page by one. Every sort ends
with the Job's id, so ties (a hundred Jobs at $50) still have one order and
no Job is shown twice or skipped. On PostgreSQL each sort reads a partial
index over live Jobs (storefront/migrations/0001_browse_indexes.py).
"""

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Avg, DecimalField, DurationField, ExpressionWrapper, F, Func, Q
from django.utils import timezone

from accounts.models import User
from jobs.models import Category, Job
from sales.metrics import duration, metric_filters
from sales.models import Order

PAGE_SIZE = 24
QUERY_MAX_LENGTH = 100
SEARCH_WORDS_MAX = 6


class RatingKey(Func):
    """The seller's average with the unrated last (a review gives 1 to 5
    stars, so 0 is below every rating). Spelled exactly as the users index
    on it, which PostgreSQL matches by its expression."""

    template = "COALESCE(%(expressions)s, 0)"
    output_field = DecimalField(max_digits=3, decimal_places=2)


@dataclass(frozen=True)
class Sort:
    label: str
    keys: tuple  # (field, descending) pairs, ending with the Job's id


SORTS = {
    "newest": Sort("Newest", (("created_at", True), ("pk", True))),
    # By seller: the users index gives the sellers best rated first, and
    # each seller's live Jobs come from the Jobs index on the seller.
    "rating": Sort("Best rated", (("seller_rating", True), ("seller_id", True), ("pk", True))),
    "price": Sort("Lowest price", (("price", False), ("pk", False))),
    "delivery": Sort("Fastest delivery", (("delivery_days", False), ("pk", False))),
}
DEFAULT_SORT = "newest"


def _datetime(text):
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _decimal(text):
    """A price or a rating: finite, at most two decimals and under a
    million, as the columns hold (anything else is not our cursor, and the
    database would refuse it)."""
    value = Decimal(text)
    if not value.is_finite() or value.as_tuple().exponent < -2 or value.adjusted() > 5:
        raise ValueError(text)
    return value


# How each sort key's value reads back from a cursor.
KEY_TYPES = {
    "created_at": _datetime,
    "price": _decimal,
    "seller_rating": _decimal,
    "delivery_days": int,
    "seller_id": int,
    "pk": int,
}


def _encode(job, sort):
    values = []
    for name, _ in sort.keys:
        value = getattr(job, name)
        values.append(value.isoformat() if isinstance(value, datetime) else str(value))
    return urlsafe_b64encode("~".join(values).encode()).decode().rstrip("=")


def _decode(cursor, sort):
    """The key values in a cursor of this sort; None for anything else (a
    cursor of another sort, an edited one, garbage)."""
    if not cursor:
        return None
    try:
        raw = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = raw.split("~")
        if len(parts) != len(sort.keys):
            return None
        return [KEY_TYPES[name](part) for (name, _), part in zip(sort.keys, parts, strict=True)]
    except (ValueError, InvalidOperation, UnicodeDecodeError, binascii.Error, OverflowError):
        return None


def _beyond(keys, values, *, forward):
    """Rows strictly past ``values`` in the sort order (``forward``) or
    against it. The first key is also given as a range, so PostgreSQL
    seeks to it in the index instead of reading from the start."""
    (name, descending), *rest = keys
    value, *rest_values = values
    down = descending == forward
    strict = Q(**{f"{name}__{'lt' if down else 'gt'}": value})
    if rest:
        strict |= Q(**{name: value}) & _beyond(rest, rest_values, forward=forward)
    return Q(**{f"{name}__{'lte' if down else 'gte'}": value}) & strict


def _search_filter(text):
    """Jobs whose title or description has every word. PostgreSQL reads a
    GIN index over the words of both (stemmed: "logos" finds "logo");
    websearch syntax, so "quoted phrases", or and -word work and no input
    is an error. Elsewhere each word is a part of the title or the
    description, which small databases can afford."""
    if connection.vendor == "postgresql":
        return Q(search=SearchQuery(text, search_type="websearch", config="english"))
    words = text.split()[:SEARCH_WORDS_MAX]
    return Q(*[Q(title__icontains=w) | Q(description__icontains=w) for w in words])


def search_vector():
    """The words of a Job, the title weighing more than the description.
    The GIN index is on exactly this expression."""
    return SearchVector("title", weight="A", config="english") + SearchVector(
        "description", weight="B", config="english"
    )


def _clean_text(text):
    """The search as typed, in one line, printable characters only
    (PostgreSQL refuses NUL in text), cut to QUERY_MAX_LENGTH. Cleaning
    it again changes nothing, so its address is stable."""
    printable = "".join(c for c in text if c.isprintable())
    return " ".join(printable.split())[:QUERY_MAX_LENGTH].strip()


@dataclass
class BrowseQuery:
    q: str = ""
    category: str = ""
    sort: str = DEFAULT_SORT
    after: str = ""
    before: str = ""

    @classmethod
    def from_params(cls, params):
        """What the address asks for; anything unknown is dropped for the
        default, never an error."""
        category = params.get("category", "")
        sort = params.get("sort", "")
        return cls(
            q=_clean_text(params.get("q", "")),
            category=category if category in Category.values else "",
            sort=sort if sort in SORTS else DEFAULT_SORT,
            after=params.get("after", "")[:200],
            before=params.get("before", "")[:200],
        )

    def params(self, **changes) -> dict:
        """The view's parameters, each once, only those that say something;
        a change of search, category or sort starts from the first page."""
        values = {"q": self.q, "category": self.category, "sort": self.sort} | changes
        if values["sort"] == DEFAULT_SORT:
            values["sort"] = ""
        return {k: v for k, v in values.items() if v}

    def url(self, **changes):
        query = urlencode(self.params(**changes))
        return f"?{query}" if query else "?"

    @property
    def is_filtered(self):
        return bool(self.q or self.category)

    @property
    def category_label(self):
        return Category(self.category).label if self.category else ""


@dataclass
class BrowsePage:
    object_list: list
    next_url: str = ""
    previous_url: str = ""
    sorts: list = field(default_factory=list)


# What a result card shows, and nothing more: descriptions stay unread.
CARD_FIELDS = (
    "title",
    "category",
    "price",
    "delivery_days",
    "created_at",
    "seller_id",
    "seller__username",
    "seller__first_name",
    "seller__last_name",
    "seller__rating_avg",
    "seller__rating_count",
)


def live_jobs(viewer=None):
    """The Jobs a viewer may order: not paused, and not their own."""
    jobs = Job.objects.orderable()
    if viewer is not None and viewer.is_authenticated:
        jobs = jobs.exclude(seller=viewer)
    return jobs


def browse_page(query: BrowseQuery, viewer=None, size=PAGE_SIZE):
    """One page of Browse: the live Jobs matching the search and category,
    in the sort asked for, past the cursor. Two queries: the Jobs, then
    their images."""
    sort = SORTS[query.sort]
    jobs = live_jobs(viewer)
    if query.category:
        jobs = jobs.filter(category=query.category)
    if query.q:
        if connection.vendor == "postgresql":
            jobs = jobs.alias(search=search_vector())
        jobs = jobs.filter(_search_filter(query.q))
    if query.sort == "rating":
        jobs = jobs.annotate(seller_rating=RatingKey("seller__rating_avg"))
    after, before = _decode(query.after, sort), _decode(query.before, sort)
    backward = before is not None and after is None
    if after is not None:
        jobs = jobs.filter(_beyond(sort.keys, after, forward=True))
    elif backward:
        jobs = jobs.filter(_beyond(sort.keys, before, forward=False))
    # The database walks against the sort order to go back a page.
    walk = [(name, descending != backward) for name, descending in sort.keys]
    order = [f"-{name}" if desc else name for name, desc in walk]
    if query.sort != "rating":
        # The page's ids first, then their sellers: joined before the LIMIT,
        # PostgreSQL would read the seller of every Job a search matches.
        # (The rating sort reads the sellers first by design.)
        page_ids = jobs.order_by(*order).values("pk")[: size + 1]
        jobs = Job.objects.filter(pk__in=page_ids)
    jobs = jobs.order_by(*order)
    rows = list(jobs.select_related("seller").only(*CARD_FIELDS).with_images()[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
    has_next = more if not backward else True
    has_previous = (after is not None) if not backward else more
    return BrowsePage(
        object_list=rows,
        next_url=query.url(after=_encode(rows[-1], sort)) if rows and has_next else "",
        previous_url=query.url(before=_encode(rows[0], sort)) if rows and has_previous else "",
        sorts=[(key, s.label) for key, s in SORTS.items()],
    )


def job_for_page(pk):
    return Job.objects.with_images().select_related("seller").filter(pk=pk).first()


def seller_for_profile(username):
    """The seller behind a public profile, or None. Only people who sell
    have one: a buyer's username shows nothing (a profile with no Jobs
    would be an empty shop window). A seller whose Jobs are all paused is
    still a seller: their page says so."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or not Job.objects.filter(seller=user).exists():
        return None
    return user


def seller_live_jobs(seller):
    return list(
        Job.objects.orderable()
        .filter(seller=seller)
        .select_related("seller")
        .only(*CARD_FIELDS)
        .with_images()
        .order_by("-created_at", "-pk")
    )


@dataclass
class SellerFacts:
    response_time: str  # the Numbers page's "Average first response"
    local_time: str  # "14:05", the time where the seller is now
    zone: str


def seller_response_time(seller, now):
    """The Numbers page's "Average first response", from the orders its
    definition counts (``sales.metrics``), as that page writes it; "" with
    no reply yet. Only this figure: every buyer may open a profile, and
    the other five would read more of a busy seller's orders."""
    counted, _ = metric_filters(seller, now)["response_time"]
    took = ExpressionWrapper(
        F("seller_first_message_at") - F("created_at"), output_field=DurationField()
    )
    average = Order.objects.filter(seller=seller).filter(counted).aggregate(avg=Avg(took))["avg"]
    return duration(average) if average is not None else ""


def seller_facts(seller, now=None):
    """What the profile says about how the seller works; its response time
    is the one the seller's own Numbers page shows, so both pages agree."""
    now = now or timezone.now()
    return SellerFacts(
        response_time=seller_response_time(seller, now),
        local_time=f"{timezone.localtime(now, seller.zoneinfo):%H:%M}",
        zone=str(seller.zoneinfo).replace("_", " "),
    )
