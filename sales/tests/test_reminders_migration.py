"""Migration 0012: pending orders already waiting get their first
requirements reminder scheduled, as a new order would; none is scheduled
for orders that waited longer than the last reminder, or that started."""

from datetime import timedelta

import pytest
from django.utils import timezone

from testing.db import latest_migrations, migrate
from testing.factories import JobFactory, UserFactory

BEFORE = [("sales", "0011_priority_counts_covering_index")]
AFTER = [("sales", "0012_requirements_reminders")]


@pytest.mark.django_db(transaction=True)
def test_pending_orders_within_the_reminders_span_get_their_first_reminder(settings):
    settings.REQUIREMENTS_REMINDERS_HOURS = (24, 72)
    job, buyer = JobFactory(), UserFactory()
    now = timezone.now()
    try:
        old_apps = migrate(BEFORE)
        OldOrder = old_apps.get_model("sales", "Order")

        def order(state, hours_ago, number):
            return OldOrder.objects.create(
                number=number,
                job_id=job.pk,
                buyer_id=buyer.pk,
                seller_id=job.seller_id,
                title="A logo",
                price=50,
                delivery_days=3,
                revisions_included=1,
                state=state,
                created_at=now - timedelta(hours=hours_ago),
            )

        fresh = order("pending", 2, "FRESH22222")
        past_first = order("pending", 30, "PAST333333")
        too_old = order("pending", 80, "OLD4444444")
        started = order("active", 2, "STARTED555")

        new_apps = migrate(AFTER)
        reminders = dict(
            new_apps.get_model("sales", "Order").objects.values_list(
                "pk", "requirements_reminder_at"
            )
        )

        assert reminders == {
            fresh.pk: fresh.created_at + timedelta(hours=24),
            past_first.pk: past_first.created_at + timedelta(hours=24),  # sent by the next scan
            too_old.pk: None,
            started.pk: None,
        }
    finally:
        migrate(latest_migrations())
