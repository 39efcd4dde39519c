"""Each one-shot ticket's body and staff answer become its first messages."""

from django.db import migrations


def tickets_to_messages(apps, schema_editor):
    SupportTicket = apps.get_model("resolution", "SupportTicket")
    TicketMessage = apps.get_model("resolution", "TicketMessage")
    for ticket in SupportTicket.objects.order_by("pk").iterator():
        last = ticket.created_at
        messages = [
            TicketMessage(
                ticket_id=ticket.pk,
                author_id=ticket.user_id,
                from_staff=False,
                body=ticket.body,
                created_at=ticket.created_at,
            )
        ]
        if ticket.answer:
            answered_at = ticket.answered_at or ticket.created_at
            last = max(last, answered_at)
            messages.append(
                TicketMessage(
                    ticket_id=ticket.pk,
                    # ticket_answer always stored who answered; should a row
                    # lack it, the answer is kept, marked as support's.
                    author_id=ticket.answered_by_id or ticket.user_id,
                    from_staff=True,
                    body=ticket.answer,
                    created_at=answered_at,
                )
            )
        TicketMessage.objects.bulk_create(messages)
        status = "waiting_for_user" if ticket.status == "answered" else ticket.status
        SupportTicket.objects.filter(pk=ticket.pk).update(status=status, last_message_at=last)


def messages_to_tickets(apps, schema_editor):
    """Back to one body and one answer: the user's first message and
    support's last reply (the one-shot ticket kept only the last answer)."""
    SupportTicket = apps.get_model("resolution", "SupportTicket")
    TicketMessage = apps.get_model("resolution", "TicketMessage")
    for ticket in SupportTicket.objects.order_by("pk").iterator():
        messages = TicketMessage.objects.filter(ticket_id=ticket.pk).order_by("created_at", "pk")
        first = messages.filter(from_staff=False).first()
        answer = messages.filter(from_staff=True).last()
        SupportTicket.objects.filter(pk=ticket.pk).update(
            body=first.body if first else "",
            answer=answer.body if answer else "",
            answered_by_id=answer.author_id if answer else None,
            answered_at=answer.created_at if answer else None,
            status="answered" if ticket.status == "waiting_for_user" else ticket.status,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("resolution", "0003_ticket_conversations"),
    ]

    operations = [
        migrations.RunPython(tickets_to_messages, messages_to_tickets, elidable=False),
    ]
