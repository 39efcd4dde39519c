"""The per-state order counts behind the tabs (``OrderCount``).

Every service that places an order or moves it between states calls
``order_counts_move`` in the same transaction, so the counts commit or roll
back with the change itself. Each call is one upsert that adds and
subtracts on the seller's and the buyer's rows, always locking them in the
same order (sorted), so two changes for the same seller wait for each other
instead of deadlocking.

``order_counts_rebuild`` recounts from the orders: after a bulk load, or to
repair. ``order_counts_drift`` says where the counts and the orders disagree.
"""

from collections import Counter

from django.db import connection, transaction
from django.db.models import Count

from .models import Order, OrderCount

ROLES = {OrderCount.Role.SELLER: "seller_id", OrderCount.Role.BUYER: "buyer_id"}


def order_counts_move(order, *, from_state, to_state) -> None:
    """Count ``order`` out of ``from_state`` (None for a new order) and into
    ``to_state``, for its seller and its buyer."""
    if from_state == to_state:
        return
    deltas = []
    for role, field in ROLES.items():
        user_id = getattr(order, field)
        if from_state:
            deltas.append((user_id, role.value, str(from_state), -1))
        deltas.append((user_id, role.value, str(to_state), 1))
    _add(sorted(deltas))


def _add(rows):
    table = connection.ops.quote_name(OrderCount._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    # One statement on PostgreSQL and SQLite alike (both know ON CONFLICT).
    sql = (
        f"INSERT INTO {table} (user_id, role, state, orders) VALUES {values} "
        f"ON CONFLICT (user_id, role, state) DO UPDATE SET orders = {table}.orders + excluded.orders"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


def _counted(user_ids=None):
    """What the orders say: {(user_id, role, state): n}."""
    found = Counter()
    for role, field in ROLES.items():
        orders = Order.objects.order_by()
        if user_ids is not None:
            orders = orders.filter(**{f"{field}__in": user_ids})
        for user_id, state, n in orders.values_list(field, "state").annotate(n=Count("pk")):
            found[(user_id, role.value, state)] = n
    return found


def _stored(user_ids=None):
    rows = OrderCount.objects.all()
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    return Counter(
        {(u, r, s): n for u, r, s, n in rows.values_list("user_id", "role", "state", "orders")}
    )


def order_counts_drift(user_ids=None) -> dict:
    """{(user_id, role, state): (stored, counted)} wherever the two differ.

    Both reads see one snapshot (REPEATABLE READ on PostgreSQL), so a change
    committed between them is not reported as drift. (Called inside a
    transaction already, it reads with that transaction's isolation.)"""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        counted, stored = _counted(user_ids), _stored(user_ids)
    return {
        key: (stored[key], counted[key])
        for key in set(counted) | set(stored)
        if stored[key] != counted[key]
    }


def order_counts_rebuild(user_ids=None) -> int:
    """Recount from the orders (all users, or these). Returns the rows written.

    Safe while the site runs: on PostgreSQL the count table is locked against
    writes first, so a change already counting commits before the recount
    reads the orders, and a change that counts later waits and then adds its
    move to the recounted rows. (SQLite allows one writer at a time anyway.)
    Meanwhile every order change waits: on a big table, rebuild a few users
    (``user_ids``) or pick a quiet minute."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(OrderCount._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        stale = OrderCount.objects.all()
        if user_ids is not None:
            stale = stale.filter(user_id__in=user_ids)
        stale.delete()
        rows = [
            OrderCount(user_id=user_id, role=role, state=state, orders=n)
            for (user_id, role, state), n in _counted(user_ids).items()
        ]
        OrderCount.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
