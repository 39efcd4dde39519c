"""Reads of the questions before ordering: one for its two parties, the
lists, and the Sales page's count of questions waiting for an answer."""

from django.db.models import Prefetch, Q
from django.http import Http404

from messaging.models import Attachment

from .inquiries import Inquiry


def inquiry_for_participant(user, pk) -> Inquiry:
    """The inquiry, if ``user`` is its buyer or its seller; else a 404
    (staff included: a question before ordering is the two parties' own)."""
    if not user.is_authenticated:
        raise Http404("No such conversation.")
    inquiry = (
        Inquiry.objects.select_related("job", "buyer", "seller")
        .filter(Q(buyer=user) | Q(seller=user), pk=pk)
        .first()
    )
    if inquiry is None:
        raise Http404("No such conversation.")
    return inquiry


def inquiry_messages(inquiry):
    """The conversation, oldest first, with senders and files."""
    return inquiry.messages.select_related("sender").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    )


def inquiry_of(job, buyer):
    """The buyer's conversation about this Job, or None."""
    if not buyer.is_authenticated:
        return None
    return Inquiry.objects.filter(job=job, buyer=buyer).first()


def inquiries_list(user, role):
    """The seller's questions from buyers, or the buyer's own questions,
    the latest conversation first."""
    field = "seller" if role == "seller" else "buyer"
    return (
        Inquiry.objects.filter(**{field: user})
        .select_related("job", "buyer" if role == "seller" else "seller")
        .order_by("-last_message_at", "-id")
    )
