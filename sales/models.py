import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

# The Resolution Center's requests, the reviews and the questions before
# ordering are models of this app, each in a module of their own: importing
# them here registers them.
from . import inquiries, requests, reviews  # noqa: F401
from .parties import TwoParties

# Order numbers: 10 characters from an alphabet without look-alikes (no 0/O,
# 1/I/L), random so they reveal neither volume nor sequence. 31**10 ≈ 8e14.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_LENGTH = 10


def new_order_number():
    return "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))


class State(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    DELIVERED = "delivered", "Delivered"
    COMPLETED = "completed", "Completed"
    CANCELED = "canceled", "Canceled"


class CancelBy(models.TextChoices):
    SUPPORT = "support", "Customer Support"
    MUTUAL = "mutual", "Mutual agreement"
    BUYER_LATE = "buyer_late", "Buyer, order very late"


@functools.cache
def _order_url_prefix():
    return reverse("sales:order_detail", args=["X"])[:-2]


@dataclass(frozen=True)
class ClockReading:
    """A reading of an order's clock: a window around its due date, from
    ``due_at + start`` (that moment included) until ``due_at + end`` (that
    moment excluded; no end when None). Each reading begins at its moment:
    an order is due soon from DUE_SOON_HOURS before its due date, late from
    the due moment itself (no time is left then) and very late from
    VERY_LATE_HOURS after it. The offsets are read from settings when asked.

    Both forms come from these fields: ``holds`` for one order in memory,
    ``q`` for querysets and scans, so the two cannot drift apart."""

    name: str
    start: Callable[[], timedelta]
    end: Callable[[], timedelta] | None = None

    def begins_at(self, due_at):
        return due_at + self.start()

    def holds_for_due(self, due_at, now):
        """Whether ``now`` falls in the window of this due date, whatever the state."""
        if due_at is None or now < due_at + self.start():
            return False
        return self.end is None or now < due_at + self.end()

    def holds(self, order, now):
        """The Python form: the clock runs only while the order is active."""
        return order.state == State.ACTIVE and self.holds_for_due(order.due_at, now)

    def q(self, now):
        """The SQL form of ``holds``, the same comparisons solved for ``due_at``."""
        rule = Q(state=State.ACTIVE, due_at__lte=now - self.start())
        if self.end is not None:
            rule &= Q(due_at__gt=now - self.end())
        return rule


def _offset(hours_setting=None, *, before=False):
    """An offset from the due date: the setting's hours after it (or before
    it); the due moment itself without a setting."""

    def offset():
        hours = getattr(settings, hours_setting) if hours_setting else 0
        return timedelta(hours=-hours if before else hours)

    return offset


CLOCK_READINGS = {
    r.name: r
    for r in (
        ClockReading("due_soon", start=_offset("DUE_SOON_HOURS", before=True), end=_offset()),
        ClockReading("late", start=_offset()),
        ClockReading("very_late", start=_offset("VERY_LATE_HOURS")),
    )
}


def clock_q(reading, now):
    """Active orders whose clock reads 'due_soon', 'late' or 'very_late' at
    ``now``: the SQL form of ``Order.reads``."""
    try:
        return CLOCK_READINGS[reading].q(now)
    except KeyError:
        raise ValueError(reading) from None


def requirements_reminder_step(created_at, now):
    """For an order placed at ``created_at`` and still pending at ``now``: the
    latest reminder due (its hours after ordering, None if none is), and when
    the next one falls due (None when none is left). A scan that comes late,
    past two moments at once, sends the later reminder only."""
    due, next_at = None, None
    for hours in settings.REQUIREMENTS_REMINDERS_HOURS:
        moment = created_at + timedelta(hours=hours)
        if moment <= now:
            due = hours
        else:
            next_at = moment
            break
    return due, next_at


def hours_in_words(hours):
    """24 -> "1 day", 72 -> "3 days", 36 -> "36 hours"."""
    if hours % 24:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = hours // 24
    return f"{days} day{'s' if days != 1 else ''}"


def requirements_reminders_in_words():
    """When buyers are reminded, for people: "1 day and 3 days"."""
    words = [hours_in_words(h) for h in settings.REQUIREMENTS_REMINDERS_HOURS]
    return " and ".join(filter(None, [", ".join(words[:-1]), *words[-1:]]))


def first_requirements_reminder(created_at):
    hours = settings.REQUIREMENTS_REMINDERS_HOURS
    return created_at + timedelta(hours=hours[0]) if hours else None


def cancellation_counts_against_seller(order, *, requested_by, now):
    """The one rule: a cancellation counts against the seller when the seller
    asked for it, or when the order was late (in progress, past its due date)
    when it was canceled. A buyer who cancels an order that is on time, or
    support canceling one that is on time, does not count against the seller."""
    if requested_by is not None and requested_by.pk == order.seller_id:
        return True
    return order.reads("late", now)  # the same edge as the Late badge and the scan


def _is_buyer(order, user):
    return user is not None and user.pk == order.buyer_id


def _is_seller(order, user):
    return user is not None and user.pk == order.seller_id


def _is_support(order, user):
    return user is not None and user.is_staff and user.has_perm("sales.change_order")


def _revisions_remain(order):
    return order.revisions_used < order.revisions_included


# How urgent an open order is: its due date, or for one not started yet,
# when it was placed. The Priority tab runs in this order.
URGENT_AT = Coalesce("due_at", "created_at")


class Order(FSMModelMixin, TwoParties, models.Model):
    """One purchase of a Job. Its terms are copied from the Job when placed.

    The state changes only through the transition methods below, and those
    run only through the services in ``sales/services.py``.
    """

    number = models.CharField(max_length=16, unique=True, default=new_order_number, editable=False)
    job = models.ForeignKey("jobs.Job", on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases"
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales"
    )
    # Terms at the moment of ordering; later edits of the Job do not touch them.
    title = models.CharField(max_length=80)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    delivery_days = models.PositiveSmallIntegerField()
    revisions_included = models.PositiveSmallIntegerField()
    revisions_used = models.PositiveSmallIntegerField(default=0)
    questions = models.JSONField(default=list, blank=True)
    requirements = models.JSONField(
        default=list, blank=True, help_text="The buyer's answers: [{question, answer}]."
    )

    state = FSMField(default=State.PENDING, choices=State.choices, protected=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    canceled_by = models.CharField(max_length=16, choices=CancelBy.choices, blank=True)
    cancel_reason = models.TextField(blank=True)
    # The honest numbers: set once, when it happens, by the transitions.
    first_delivered_at = models.DateTimeField(null=True, blank=True)
    first_delivery_late = models.BooleanField(null=True, blank=True)
    seller_at_fault = models.BooleanField(
        null=True, blank=True, help_text="Whether this cancellation counts against the seller."
    )
    # The conversation: when the seller first wrote (the seed's "reach out
    # right away"), and when each side last opened the thread.
    seller_first_message_at = models.DateTimeField(null=True, blank=True)
    seller_read_at = models.DateTimeField(null=True, blank=True)
    buyer_read_at = models.DateTimeField(null=True, blank=True)
    # When the periodic scans sent each deadline notice for the current due
    # date; a new due date clears them, so each notice goes out once per date.
    due_soon_notified_at = models.DateTimeField(null=True, blank=True)
    late_notified_at = models.DateTimeField(null=True, blank=True)
    very_late_notified_at = models.DateTimeField(null=True, blank=True)
    # When the buyer of a pending order is next reminded to submit the
    # requirements; empty once no reminder is left. Claimed by the scan.
    requirements_reminder_at = models.DateTimeField(null=True, blank=True)
    # The buyer's questions before ordering this Job, when there were any:
    # the order page links them.
    inquiry = models.ForeignKey(
        "sales.Inquiry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        db_index=False,
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The Sales page: one seller's orders in one state, by due date
            # or by newest. Also answers the Priority tab's late and due soon
            # orders from the index alone: every column their rules and
            # their sort read is in it.
            models.Index(
                fields=["seller", "state", "due_at", "id"],
                include=["seller_first_message_at", "revisions_used", "created_at"],
                name="order_seller_state_due",
            ),
            models.Index(
                fields=["seller", "state", "-created_at", "-id"], name="order_seller_state_new"
            ),
            # A seller's search across every state, newest first: walked in
            # order, it stops at the first page of matches.
            models.Index(fields=["seller", "-created_at", "-id"], name="order_seller_new"),
            # The Priority tab's reasons that don't follow from the clock: new
            # orders not answered yet, revisions asked for. Each a handful of
            # a big seller's open orders, counted and listed from its index.
            # New orders are pending or started, so their urgency is the
            # due date, else when they were placed: the index is sorted on
            # it, and a page of them reads no more than the page.
            models.Index(
                F("seller"),
                URGENT_AT,
                F("id"),
                condition=Q(state__in=["pending", "active"], seller_first_message_at=None),
                name="order_seller_awaiting_reply",
            ),
            models.Index(
                fields=["seller", "due_at", "created_at", "id"],
                condition=Q(state="active", revisions_used__gt=0),
                name="order_seller_revised",
            ),
            models.Index(
                fields=["buyer", "state", "-created_at", "-id"], name="order_buyer_state_new"
            ),
            models.Index(fields=["buyer", "state", "due_at", "id"], name="order_buyer_state_due"),
            # The delivery-time insight: a Job's last few started orders
            # placed under its current delivery days.
            models.Index(
                fields=["job", "delivery_days", "-started_at", "-id"],
                condition=Q(started_at__isnull=False),
                name="order_job_started",
            ),
            # The deadline scans: each index holds only the rows its scan may
            # still act on, so a scan's cost follows the orders that are due.
            models.Index(
                fields=["due_at"],
                condition=Q(state="active", due_soon_notified_at__isnull=True),
                name="order_scan_due_soon",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(state="active", late_notified_at__isnull=True),
                name="order_scan_late",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(state="active", very_late_notified_at__isnull=True),
                name="order_scan_very_late",
            ),
            models.Index(
                fields=["delivered_at"], condition=Q(state="delivered"), name="order_scan_review"
            ),
            models.Index(
                fields=["requirements_reminder_at"],
                condition=Q(state="pending", requirements_reminder_at__isnull=False),
                name="order_scan_requirements",
            ),
            # Support's Order list in the admin: newest first (the admin adds
            # -id to make the order total), alone or within one state; the
            # clock filters (late, due soon) by due date; the canceled orders
            # by who canceled them. The clock filters ask for started orders
            # (every active order is), so this index serves them and not the
            # scans, which keep their own smaller ones.
            models.Index(fields=["-created_at", "-id"], name="order_new"),
            models.Index(fields=["state", "-created_at", "-id"], name="order_state_new"),
            models.Index(
                fields=["due_at", "id"],
                condition=Q(state="active", started_at__isnull=False),
                name="order_active_due",
            ),
            models.Index(
                fields=["canceled_by", "-created_at", "-id"],
                condition=Q(state="canceled"),
                name="order_canceled_by_new",
            ),
            # The orders that followed a question: few of all orders.
            models.Index(
                fields=["inquiry"], condition=Q(inquiry__isnull=False), name="order_inquiry"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(revisions_used__lte=models.F("revisions_included")),
                name="order_revisions_within_included",
            ),
            models.CheckConstraint(
                condition=~Q(buyer=models.F("seller")), name="order_buyer_is_not_seller"
            ),
        ]

    def __str__(self):
        return f"#{self.number}"

    def get_absolute_url(self):
        # Lists render this for every row: resolve the pattern once.
        return _order_url_prefix() + self.number + "/"

    # -- transitions: they only set fields; services lock, save and log ----

    @transition(
        field=state,
        source=State.PENDING,
        target=State.ACTIVE,
        permission=_is_buyer,
        custom={"admin": False},
    )
    def submit_requirements(self, *, answers, now):
        self.requirements = answers
        self.started_at = now
        self.requirements_reminder_at = None
        self.set_due(now + timedelta(days=self.delivery_days))

    @transition(
        field=state,
        source=State.ACTIVE,
        target=State.DELIVERED,
        permission=_is_seller,
        custom={"admin": False},
    )
    def deliver(self, *, now):
        self.delivered_at = now
        if self.first_delivered_at is None:
            self.first_delivered_at = now
            # Late if the clock read late when it was delivered: delivering
            # at the due moment is late, as the page and the scans say then.
            self.first_delivery_late = CLOCK_READINGS["late"].holds_for_due(self.due_at, now)

    @transition(
        field=state,
        source=State.DELIVERED,
        target=State.ACTIVE,
        permission=_is_buyer,
        conditions=[_revisions_remain],
        custom={"admin": False},
    )
    def request_revision(self, *, now):
        # The due date stays where it was, but the seller always gets at least
        # REVISION_MIN_HOURS to rework the delivery.
        floor = now + timedelta(hours=settings.REVISION_MIN_HOURS)
        self.set_due(max(self.due_at or floor, floor))
        self.revisions_used += 1
        self.delivered_at = None

    @transition(
        field=state,
        source=State.DELIVERED,
        target=State.COMPLETED,
        permission=_is_buyer,
        custom={"admin": False},
    )
    def accept(self, *, now):
        self.completed_at = now

    @transition(
        field=state,
        source=State.DELIVERED,
        target=State.COMPLETED,
        custom={"admin": False},
    )
    def auto_complete(self, *, now):
        self.completed_at = now

    @transition(
        field=state,
        source=[State.PENDING, State.ACTIVE, State.DELIVERED],
        target=State.CANCELED,
        permission=_is_support,
        custom={
            "admin": True,
            "label": "Cancel order",
            "form": "sales.forms.SupportCancelForm",
        },
    )
    def cancel(self, *, reason, by=CancelBy.SUPPORT, requested_by=None, now=None):
        now = now or timezone.now()
        self.seller_at_fault = cancellation_counts_against_seller(
            self, requested_by=requested_by, now=now
        )
        self.canceled_at = now
        self.requirements_reminder_at = None
        self.canceled_by = by
        self.cancel_reason = reason

    def set_due(self, due_at):
        """Move the due date; the deadline notices start over for the new date."""
        if due_at != self.due_at:
            self.due_at = due_at
            self.due_soon_notified_at = None
            self.late_notified_at = None
            self.very_late_notified_at = None

    # -- derived facts the pages show ----------------------------------------

    @property
    def awaits_first_message(self):
        """The seller has not reached out on this open order yet."""
        return self.seller_first_message_at is None and self.state in (State.PENDING, State.ACTIVE)

    @property
    def first_response_time(self):
        if self.seller_first_message_at is None:
            return None
        return self.seller_first_message_at - self.created_at

    @property
    def revisions_left(self):
        return self.revisions_included - self.revisions_used

    def reads(self, reading, now=None):
        """Whether the clock reads 'due_soon', 'late' or 'very_late' at
        ``now``: the Python form of ``clock_q``."""
        return CLOCK_READINGS[reading].holds(self, now or timezone.now())

    def clock(self, now=None):
        """'late' (very late included), 'due_soon' or None: not states,
        readings of the clock."""
        now = now or timezone.now()
        for reading in ("late", "due_soon"):
            if self.reads(reading, now):
                return reading
        return None

    @property
    def review_ends_at(self):
        if self.state != State.DELIVERED or self.delivered_at is None:
            return None
        return self.delivered_at + timedelta(days=settings.ORDER_REVIEW_DAYS)

    def progress_percent(self, now=None):
        """Share of the delivery window used so far, 0 to 100."""
        if self.state != State.ACTIVE or not (self.started_at and self.due_at):
            return None
        now = now or timezone.now()
        total = (self.due_at - self.started_at).total_seconds()
        if total <= 0:
            return 100
        used = (now - self.started_at).total_seconds()
        return max(0, min(100, round(100 * used / total)))


class EventKind(models.TextChoices):
    PLACED = "placed", "Order placed"
    REQUIREMENTS_SUBMITTED = "requirements_submitted", "Requirements submitted"
    DELIVERED = "delivered", "Delivered"
    REVISION_REQUESTED = "revision_requested", "Revision requested"
    ACCEPTED = "accepted", "Accepted by the buyer"
    AUTO_COMPLETED = "auto_completed", "Completed automatically"
    CANCELED = "canceled", "Canceled"
    DUE_CHANGED = "due_changed", "Due date changed"
    EXTENSION_REQUESTED = "extension_requested", "Extension requested"
    EXTENSION_APPROVED = "extension_approved", "Extension approved"
    EXTENSION_DECLINED = "extension_declined", "Extension declined"
    EXTENSION_WITHDRAWN = "extension_withdrawn", "Extension withdrawn"
    EXTENSION_EXPIRED = "extension_expired", "Extension request expired"
    CANCELLATION_REQUESTED = "cancellation_requested", "Cancellation requested"
    CANCELLATION_DECLINED = "cancellation_declined", "Cancellation declined"
    CANCELLATION_WITHDRAWN = "cancellation_withdrawn", "Cancellation withdrawn"
    REQUEST_CLOSED = "request_closed", "Request closed: the order moved on"
    # Staff-only: shown in the admin, never on the buyer's and seller's page.
    ATTACHMENT_OPENED = "attachment_opened", "Attachment opened by support"


# Support's audit trail: on the admin's timeline, not in the parties' stream.
STAFF_ONLY_EVENTS = [EventKind.ATTACHMENT_OPENED]


class OrderCount(models.Model):
    """How many orders a user has in each state, as seller and as buyer: the
    tab counts, read as five small rows instead of counting every order a
    big seller ever had. Kept by the services in the same transaction as each
    order they place or move (``sales.counts``); ``manage.py order_counts``
    checks them against the orders and can rebuild them."""

    class Role(models.TextChoices):
        SELLER = "seller", "Seller"
        BUYER = "buyer", "Buyer"

    # The unique constraint's index starts with user: no index of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    role = models.CharField(max_length=6, choices=Role.choices)
    state = models.CharField(max_length=50, choices=State.choices)
    orders = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "state"], name="order_count_per_state")
        ]

    def __str__(self):
        return f"{self.user_id} as {self.role}: {self.orders} {self.state}"


class OrderEvent(models.Model):
    """Append-only history of an order: every transition and due-date change."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system acted.",
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["order", "created_at"])]

    def __str__(self):
        return f"{self.order} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Order events are append-only.")
        super().save(*args, **kwargs)
