"""Migration sales 0016: the Resolution Center's requests become the order's
models. Their rows stay where they are, and their content types move with
them, so a permission given to the Support group stays given."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from sales.requests import CancellationRequest, ExtensionRequest
from testing.db import latest_migrations, migrate
from testing.factories import OrderFactory

BEFORE = [
    ("resolution", "0007_request_answerer_required"),
    ("sales", "0015_order_priority_indexes"),
]
AFTER = [("resolution", "0008_requests_leave_for_sales")]


@pytest.mark.django_db(transaction=True)
def test_requests_and_their_permissions_move_to_the_order_app():
    order = OrderFactory()
    try:
        old_apps = migrate(BEFORE)
        old_types = old_apps.get_model("contenttypes", "ContentType")
        # What a database made before the move holds: the content types
        # under the old app, and a group allowed to view the requests.
        ContentType.objects.filter(model__in=["extensionrequest", "cancellationrequest"]).update(
            app_label="resolution"
        )
        assert old_types.objects.filter(app_label="resolution", model="extensionrequest").exists()
        support = Group.objects.create(name="Support, before the move")
        support.permissions.set(
            Permission.objects.filter(
                codename__in=["view_extensionrequest", "view_cancellationrequest"]
            )
        )
        old_apps.get_model("resolution", "CancellationRequest").objects.create(
            order_id=order.pk,
            requested_by_id=order.buyer_id,
            answerer_id=order.seller_id,
            reason="Plans changed.",
        )

        migrate(AFTER)

        ContentType.objects.clear_cache()
        # The id, not the order: later migrations add columns to the order.
        assert CancellationRequest.objects.get().order_id == order.pk
        kept = set(support.permissions.values_list("content_type__app_label", "codename"))
        assert kept == {
            ("sales", "view_extensionrequest"),
            ("sales", "view_cancellationrequest"),
        }
        assert not ContentType.objects.filter(app_label="resolution", model="extensionrequest")
        assert ContentType.objects.get_for_model(ExtensionRequest).app_label == "sales"
    finally:
        migrate(latest_migrations())
