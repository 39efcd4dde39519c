"""What a notice's e-mail says and looks like, per kind of notice.

One entry in ``EMAIL_KINDS`` per ``NotificationKind``: the subject, the one
action the e-mail asks for, and where the kind sits on the E-mail notices
page. A kind with no template of its own (``messaging/email/<kind>.html`` and
``.txt``) uses the shared ``notice`` templates, so a new kind is one line
here. A test checks every kind has its line.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import select_template
from django.urls import reverse

from .models import NotificationKind as Kind

ORDERS = "Orders and messages"
DEADLINES = "Deadlines"
RESOLUTION = "Resolution Center"
SUPPORT = "Support"
GROUPS = (ORDERS, DEADLINES, RESOLUTION, SUPPORT)


@dataclass(frozen=True)
class EmailKind:
    group: str
    # On the E-mail notices page: when this e-mail comes.
    when: str
    # ``{order}`` is "#" and the order number; ``fallback`` is used for a
    # notice with no order.
    subject: str
    action: str
    fallback: str = ""


EMAIL_KINDS = {
    Kind.ORDER_PLACED: EmailKind(
        ORDERS, "A buyer orders one of your Jobs", "New order {order}", "Message the buyer"
    ),
    Kind.REQUIREMENTS_SUBMITTED: EmailKind(
        ORDERS,
        "The buyer submits the requirements and the order starts",
        "Order {order} has started: requirements are in",
        "Read the requirements",
    ),
    Kind.MESSAGE: EmailKind(
        ORDERS,
        "A new message or progress update on an order",
        "New message on order {order}",
        "Read and reply",
        "You have a new message",
    ),
    Kind.QUESTION_MESSAGE: EmailKind(
        ORDERS,
        "A message about a Job before it is ordered: a buyer's question or the seller's answer",
        "New message about a Job",
        "Read and reply",
        "New message about a Job",
    ),
    Kind.DELIVERED: EmailKind(
        ORDERS,
        "The seller delivers your order",
        "Order {order} was delivered: please review it",
        "Review the delivery",
    ),
    Kind.REVISION_REQUESTED: EmailKind(
        ORDERS,
        "The buyer asks for a revision",
        "Revision requested on order {order}",
        "See what to change",
    ),
    Kind.COMPLETED: EmailKind(
        ORDERS, "An order is completed", "Order {order} is complete", "Open the order"
    ),
    Kind.CANCELED: EmailKind(
        ORDERS, "An order is canceled", "Order {order} was canceled", "Open the order"
    ),
    Kind.REVIEW_INVITED: EmailKind(
        ORDERS,
        "An order is completed and you may review it",
        "How did order {order} go? Leave a review",
        "Leave a review",
    ),
    Kind.REVIEWS_PUBLISHED: EmailKind(
        ORDERS,
        "The reviews of an order are published",
        "The reviews of order {order} are published",
        "Read the reviews",
    ),
    Kind.DUE_SOON: EmailKind(
        DEADLINES,
        "An order you sell is due soon",
        "Order {order} is due soon",
        "Open the order",
    ),
    Kind.LATE: EmailKind(
        DEADLINES, "An order is past its due date", "Order {order} is late", "Open the order"
    ),
    Kind.VERY_LATE: EmailKind(
        DEADLINES,
        "An order is so late that the buyer may cancel it",
        "Order {order} is very late",
        "Open the order",
    ),
    Kind.REQUIREMENTS_REMINDER: EmailKind(
        DEADLINES,
        "You ordered but have not submitted the requirements yet",
        "Order {order} waits for your requirements",
        "Submit the requirements",
    ),
    Kind.EXTENSION_REQUESTED: EmailKind(
        RESOLUTION,
        "The seller asks you for more time",
        "More time asked for on order {order}",
        "Answer the request",
    ),
    Kind.EXTENSION_ANSWERED: EmailKind(
        RESOLUTION,
        "An extension request is approved, declined or expires",
        "Extension request on order {order} answered",
        "Open the order",
    ),
    Kind.CANCELLATION_REQUESTED: EmailKind(
        RESOLUTION,
        "The other side asks to cancel an order",
        "Cancellation asked for on order {order}",
        "Answer the request",
    ),
    Kind.CANCELLATION_ANSWERED: EmailKind(
        RESOLUTION,
        "A cancellation request is accepted, declined or carried out",
        "Cancellation request on order {order} answered",
        "Open the order",
    ),
    Kind.CANCELLATION_CLOSED: EmailKind(
        RESOLUTION,
        "A cancellation request is closed because the order moved on",
        "Cancellation request on order {order} closed",
        "Open the order",
    ),
    Kind.TICKET_ANSWERED: EmailKind(
        SUPPORT,
        "Customer Support answers your ticket",
        "Customer Support answered your ticket",
        "Read the answer",
    ),
}

# Longer subjects are cut by mail clients anyway; 78 is the line length
# RFC 5322 asks for, so a header never needs folding.
SUBJECT_MAX = 78


def email_kind(kind) -> EmailKind:
    """The kind's entry; a kind not listed yet still gets a plain e-mail."""
    try:
        return EMAIL_KINDS[kind]
    except KeyError:
        label = Kind(kind).label if kind in Kind.values else str(kind)
        return EmailKind(ORDERS, label, label, "Open the notice")


def shorten(text, limit=SUBJECT_MAX):
    """One line of at most ``limit`` characters, cut between words."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if text[limit - 1] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]  # the last word would be cut: leave it out
    return head.rstrip(" ,.:;-") + "…"


def subject(notification) -> str:
    spec = email_kind(notification.kind)
    if notification.order_id is None:
        text = spec.fallback or spec.subject.replace(" {order}", "").replace("{order}", "")
    else:
        text = spec.subject.format(order=f"#{notification.order.number}")
    return shorten(text)


def absolute(path):
    return f"{settings.SITE_URL.rstrip('/')}{path}"


UNSUBSCRIBE_SALT = "messaging.email-unsubscribe"


def unsubscribe_token(user, kind) -> str:
    """A link's proof that it was mailed to ``user`` about ``kind``: it can
    turn off that one kind of e-mail for that one person, nothing else."""
    return signing.dumps({"u": user.pk, "k": str(kind)}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token):
    """(user id, kind) from a token, or None if it was not made by us."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["u"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def message_id(notification):
    """The e-mail's Message-ID, the same every time this notice is sent, so
    the copy a crash could still cause is one that mail clients fold into
    the first. The creation time keeps ids apart across databases that
    reuse primary keys (a restored backup, a test run)."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    stamp = int(notification.created_at.timestamp() * 1_000_000)
    return f"<notice-{notification.pk}.{stamp}@{domain}>"


def notice_email(notification) -> EmailMultiAlternatives:
    """The notice's e-mail, in text and HTML, ready to send."""
    user = notification.recipient
    spec = email_kind(notification.kind)
    unsubscribe_url = absolute(
        reverse("messaging:email_unsubscribe", args=[unsubscribe_token(user, notification.kind)])
    )
    context = {
        "notification": notification,
        "order": notification.order,
        "name": user.first_name or user.username,
        "subject": subject(notification),
        "action": spec.action,
        "when": spec.when,
        "link": absolute(notification.url or reverse("messaging:notifications")),
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": absolute(reverse("messaging:email_preferences")),
    }
    names = [f"messaging/email/{notification.kind}", "messaging/email/notice"]
    text = select_template([f"{n}.txt" for n in names]).render(context)
    html = select_template([f"{n}.html" for n in names]).render(context)
    email = EmailMultiAlternatives(
        subject=context["subject"],
        body=text,
        to=[user.email],
        headers={
            "Message-ID": message_id(notification),
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    email.attach_alternative(html, "text/html")
    return email
