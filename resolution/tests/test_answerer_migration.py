"""Migration 0006: every request already made names its answerer, the
party that did not ask; a new request names it by itself."""

import pytest

from sales.requests import CancellationRequest, ExtensionRequest
from testing.db import latest_migrations, migrate
from testing.factories import OrderFactory

BEFORE = [("resolution", "0005_ticket_drop_one_shot")]
AFTER = [("resolution", "0007_request_answerer_required")]


@pytest.mark.django_db(transaction=True)
def test_requests_already_made_get_the_other_party_as_answerer():
    order = OrderFactory()
    seller, buyer = order.seller_id, order.buyer_id
    try:
        old_apps = migrate(BEFORE)
        OldExtension = old_apps.get_model("resolution", "ExtensionRequest")
        OldCancellation = old_apps.get_model("resolution", "CancellationRequest")
        extension = OldExtension.objects.create(
            order_id=order.pk, requested_by_id=seller, days=2, reason="More time."
        )
        by_buyer = OldCancellation.objects.create(
            order_id=order.pk, requested_by_id=buyer, reason="Plans changed.", state="declined"
        )
        by_seller = OldCancellation.objects.create(
            order_id=order.pk, requested_by_id=seller, reason="I can't."
        )

        new_apps = migrate(AFTER)
        answerers = {
            model: dict(
                new_apps.get_model("resolution", model).objects.values_list("pk", "answerer_id")
            )
            for model in ("ExtensionRequest", "CancellationRequest")
        }
        assert answerers == {
            "ExtensionRequest": {extension.pk: buyer},
            "CancellationRequest": {by_buyer.pk: seller, by_seller.pk: buyer},
        }
    finally:
        migrate(latest_migrations())


@pytest.mark.django_db
def test_a_new_request_names_the_party_that_did_not_ask():
    order = OrderFactory()
    asked_by_buyer = CancellationRequest.objects.create(
        order=order, requested_by=order.buyer, reason="Plans changed."
    )
    asked_by_seller = ExtensionRequest.objects.create(
        order=order, requested_by=order.seller, days=2, reason="More time."
    )
    assert asked_by_buyer.answerer == order.seller
    assert asked_by_seller.answerer == order.buyer
