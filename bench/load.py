"""Bulk data for the benchmarks, loaded with COPY (not row by row).

``load(n_orders)`` fills an empty, migrated database with users, Jobs
(``n_jobs`` of them in all, for Browse: bench/catalogue.py) and
``n_orders`` orders: one big seller holds ``big`` of them (100,000 at the
default size), the rest are spread over many small sellers. States, dates
and threads follow a realistic mix; one order of the big seller has a
500-message thread.
"""

import json
import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from bench.catalogue import catalogue_job
from jobs.models import Category, Job
from messaging.models import Message
from sales.counts import order_counts_rebuild
from sales.models import NUMBER_ALPHABET, NUMBER_LENGTH, Order, OrderEvent
from sales.requests import CancellationRequest, ExtensionRequest
from sales.reviews import Review

BIG_SELLER = "bench_big_seller"
SMALL_SELLER = "bench_small_seller"
BUYER = "bench_buyer"
PASSWORD = "bench-pass-123"
THREAD_ORDER_MESSAGES = 500
ORDERS_PER_SMALL_SELLER = 50
JOBS = 100_000
UNRATED_EVERY = 5  # every fifth seller has no review yet ("New seller")

# (state, share of orders)
STATE_MIX = [
    ("completed", 0.70),
    ("canceled", 0.07),
    ("active", 0.12),
    ("delivered", 0.06),
    ("pending", 0.05),
]


def _number(i):
    """A unique, non-sequential 10-character order number for index i."""
    space = len(NUMBER_ALPHABET) ** NUMBER_LENGTH
    n = (i * 1_000_003 + 7_919) % space  # 1,000,003 is prime, so this is a bijection
    chars = []
    for _ in range(NUMBER_LENGTH):
        n, r = divmod(n, len(NUMBER_ALPHABET))
        chars.append(NUMBER_ALPHABET[r])
    return "".join(chars)


def _copy(model, rows, total, label):
    """COPY rows (dicts of attname -> value) into the model's table."""
    fields = model._meta.concrete_fields
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
            for row in tqdm(rows, total=total, desc=label, unit=" rows", mininterval=1):
                copy.write_row([_value(f, row) for f in fields])


def _value(field, row):
    value = row.get(field.attname)
    missing = value is None and field.attname not in row
    if missing and field.has_default() and not callable(field.default):
        value = field.default
    if field.get_internal_type() == "JSONField" and value is not None:
        return json.dumps(value)
    return value


def _reset_sequences(*models):
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def load(n_orders, *, big=None, n_jobs=JOBS, seed=42):
    """Load the data set; returns the ids the benchmark needs."""
    rng = random.Random(seed)
    # Its own generator: the orders stay the same whatever the catalogue.
    catalogue_rng = random.Random(seed + 1)
    now = timezone.now()
    big = big if big is not None else min(100_000, n_orders // 2)
    n_small = max(1, (n_orders - big) // ORDERS_PER_SMALL_SELLER)
    n_buyers = max(10, n_orders // 20)
    password = make_password(PASSWORD)

    # Users: 1 big seller, the small sellers, the buyers.
    users = [(1, BIG_SELLER)]
    users += [(2 + i, f"{SMALL_SELLER}_{i}") for i in range(n_small)]
    first_buyer = 2 + n_small
    users += [(first_buyer + i, f"{BUYER}_{i}") for i in range(n_buyers)]
    _copy(
        User,
        (
            {
                "id": pk,
                "username": name,
                "email": f"{name}@example.com",
                "password": password,
                "is_active": True,
                "date_joined": now - timedelta(days=400),
                "timezone": "UTC",
                "first_name": "",
                "last_name": "",
                "bio": "",
                "languages": "",
            }
            for pk, name in users
        ),
        len(users),
        "users",
    )

    # Jobs: three per seller that the orders are of, then the rest of the
    # catalogue Browse shows, spread over the same sellers.
    sellers = [pk for pk, _ in users[: 1 + n_small]]
    jobs = []
    for seller in sellers:
        for k in range(3):
            jobs.append((len(jobs) + 1, seller, 2 + k * 2))
    categories = list(Category.values)
    _copy(
        Job,
        (
            {
                "id": pk,
                "seller_id": seller,
                "title": f"I will do task {pk} for you",
                "category": categories[pk % len(categories)],
                "description": "Careful work.",
                "price": Decimal("40.00") + (pk % 7) * 10,
                "delivery_days": days,
                "revisions": 1,
                "questions": "What do you need?",
                "is_paused": False,
                "created_at": now - timedelta(days=400),
                "updated_at": now - timedelta(days=400),
            }
            for pk, seller, days in jobs
        ),
        len(jobs),
        "jobs",
    )
    extra = max(0, n_jobs - len(jobs))
    _copy(
        Job,
        (
            catalogue_job(catalogue_rng, len(jobs) + 1 + i, sellers[i % len(sellers)], now)
            for i in range(extra)
        ),
        extra,
        "catalogue jobs",
    )
    jobs_of = {}
    for pk, seller, days in jobs:
        jobs_of.setdefault(seller, []).append((pk, days))

    def seller_of(i):
        return 1 if i < big else sellers[1 + (i - big) % n_small]

    states = [s for s, share in STATE_MIX for _ in range(int(share * 100))]

    def order_row(i):
        seller = seller_of(i)
        job_id, days = jobs_of[seller][i % 3]
        state = states[rng.randrange(len(states))]
        row = {
            "id": i + 1,
            "number": _number(i),
            "job_id": job_id,
            "seller_id": seller,
            "buyer_id": first_buyer + rng.randrange(n_buyers),
            "title": f"I will do task {job_id}",
            "price": Decimal("40.00") + (job_id % 7) * 10,
            "delivery_days": days,
            "revisions_included": 1,
            "revisions_used": 0,
            "questions": ["What do you need?"],
            "requirements": [],
            "state": state,
            "canceled_by": "",
            "cancel_reason": "",
        }
        if state in ("pending", "active", "delivered"):
            created = now - timedelta(hours=rng.uniform(1, 24 * 20))
        else:
            created = now - timedelta(days=rng.uniform(3, 365))
        row["created_at"] = created
        if state != "pending":
            started = created + timedelta(minutes=rng.uniform(5, 600))
            row["started_at"] = started
            row["due_at"] = started + timedelta(days=days)
            row["requirements"] = [{"question": "What do you need?", "answer": "The usual."}]
            row["seller_first_message_at"] = created + timedelta(minutes=rng.uniform(2, 2000))
        if state == "active":
            # Active orders are recent: due dates spread around now, some late.
            row["due_at"] = now + timedelta(hours=rng.uniform(-48, 24 * days))
            row["started_at"] = min(row["started_at"], row["due_at"] - timedelta(days=days))
            row["created_at"] = min(created, row["started_at"])
        if state in ("delivered", "completed"):
            delivered = row["started_at"] + timedelta(days=rng.uniform(0.2, days * 1.2))
            if state == "delivered":
                delivered = now - timedelta(hours=rng.uniform(1, 70))
            row |= {
                "delivered_at": delivered,
                "first_delivered_at": delivered,
                "first_delivery_late": delivered > row["due_at"],
            }
        if state == "completed":
            row["completed_at"] = row["delivered_at"] + timedelta(days=rng.uniform(0.1, 3))
        if state == "canceled":
            row |= {
                "canceled_at": created + timedelta(days=rng.uniform(0.5, 5)),
                "canceled_by": "mutual",
                "cancel_reason": "Plans changed.",
                "seller_at_fault": rng.random() < 0.3,
            }
        return row

    _copy(Order, (order_row(i) for i in range(n_orders)), n_orders, "orders")
    _copy(
        OrderEvent,
        (
            {
                "id": i + 1,
                "order_id": i + 1,
                "kind": "placed",
                "from_state": "",
                "to_state": "pending",
                "actor_id": None,
                "data": {},
                "created_at": now,
            }
            for i in range(n_orders)
        ),
        n_orders,
        "events",
    )

    # Threads: a few messages on a fifth of the big seller's orders, and one
    # active order with a 500-message thread.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, buyer_id FROM sales_order WHERE seller_id = 1 AND state = 'active' "
            "ORDER BY id LIMIT 1"
        )
        thread_order, thread_buyer = cursor.fetchone()
    threaded = range(1, big + 1, 5)
    n_messages = len(threaded) * 2 + THREAD_ORDER_MESSAGES

    def messages():
        pk = 0
        for order_id in threaded:
            for k in range(2):
                pk += 1
                yield {
                    "id": pk,
                    "order_id": order_id,
                    "sender_id": 1 if k else first_buyer,
                    "kind": "message",
                    "body": "Thanks, on it!",
                    "created_at": now - timedelta(days=1, minutes=k),
                }
        for k in range(THREAD_ORDER_MESSAGES):
            pk += 1
            yield {
                "id": pk,
                "order_id": thread_order,
                "sender_id": 1 if k % 2 else thread_buyer,
                "kind": "message",
                "body": f"Message {k} in a long conversation.",
                "created_at": now - timedelta(minutes=THREAD_ORDER_MESSAGES - k),
            }

    _copy(Message, messages(), n_messages, "messages")
    _reviews(now)
    _open_requests(now)
    _reset_sequences(
        User, Job, Order, OrderEvent, Message, ExtensionRequest, CancellationRequest, Review
    )
    # COPY went round the services: count the tabs from the orders once.
    order_counts_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("SELECT number FROM sales_order WHERE id = %s", [thread_order])
        thread_number = cursor.fetchone()[0]
    return {
        "big_seller": 1,
        "small_seller": 2,
        "thread_order": thread_number,
        "thread_buyer": thread_buyer,
    }


def _reviews(now):
    """Both sides' reviews of every completed order (but those of every
    UNRATED_EVERY-th seller), written within a day of completion: mostly 4
    and 5 stars, a few low ones; the seller answers one in ten. Those of the
    last REVIEW_WINDOW_DAYS are hidden still, as their window is open; then
    each seller's rating is counted from the published ones, as publishing
    keeps it. Inserted by the database from the orders (1.4 million rows
    at the default size)."""
    window = timedelta(days=settings.REVIEW_WINDOW_DAYS)
    # %% is a literal % in SQL that takes parameters.
    stars = (
        "(CASE WHEN o.id %% 20 = 0 THEN 2 WHEN o.id %% 20 = 1 THEN 3 "
        "WHEN o.id %% 20 < 7 THEN 4 ELSE 5 END)"
    )
    published = "(CASE WHEN o.completed_at > %(open)s THEN NULL ELSE o.completed_at + %(day)s END)"
    common = f"""
        FROM sales_order o
        WHERE o.state = 'completed' AND o.seller_id %% {UNRATED_EVERY} <> 0"""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO sales_review (order_id, role, author_id, subject_id, stars,
                communication, as_described, would_recommend, text, created_at,
                window_ends_at, published_at, reply, replied_at)
            SELECT o.id, 'buyer', o.buyer_id, o.seller_id, {stars},
                5, {stars}, {stars} >= 4, 'Clear communication and on time. Would order again.',
                o.completed_at + %(day)s, o.completed_at + %(window)s, {published},
                CASE WHEN o.id %% 10 = 0 AND o.completed_at <= %(open)s
                    THEN 'Thank you, it was a pleasure.' ELSE '' END,
                CASE WHEN o.id %% 10 = 0 AND o.completed_at <= %(open)s
                    THEN o.completed_at + 2 * %(day)s END
            {common}
            UNION ALL
            SELECT o.id, 'seller', o.seller_id, o.buyer_id, 5, NULL, NULL, NULL,
                'Clear brief, quick answers.', o.completed_at + %(day)s,
                o.completed_at + %(window)s, {published}, '', NULL
            {common}
            """,
            {"day": timedelta(days=1), "window": window, "open": now - window},
        )
        cursor.execute(
            """
            UPDATE accounts_user u SET rating_count = r.n, rating_total = r.total,
                rating_avg = ROUND(r.total::numeric / r.n, 2), rating_5 = r.s5,
                rating_4 = r.s4, rating_3 = r.s3, rating_2 = r.s2, rating_1 = r.s1
            FROM (SELECT subject_id, COUNT(*) AS n, SUM(stars) AS total,
                    COUNT(*) FILTER (WHERE stars = 5) AS s5,
                    COUNT(*) FILTER (WHERE stars = 4) AS s4,
                    COUNT(*) FILTER (WHERE stars = 3) AS s3,
                    COUNT(*) FILTER (WHERE stars = 2) AS s2,
                    COUNT(*) FILTER (WHERE stars = 1) AS s1
                  FROM sales_review
                  WHERE role = 'buyer' AND published_at IS NOT NULL GROUP BY subject_id) r
            WHERE u.id = r.subject_id
            """
        )


def _open_requests(now):
    """Requests waiting for an answer, as support's "open request" filter
    finds them: an extension on about 1 in 100 active orders, a cancellation
    on about 1 in 100 open ones."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, seller_id, buyer_id FROM sales_order WHERE state = 'active' AND id % 97 = 0"
        )
        extensions = cursor.fetchall()
        cursor.execute(
            "SELECT id, buyer_id, seller_id FROM sales_order "
            "WHERE state IN ('pending', 'active', 'delivered') AND id % 89 = 0"
        )
        cancellations = cursor.fetchall()

    def asked(i):  # within the last two days, each at its own time
        return {"state": "open", "created_at": now - timedelta(seconds=37 * i % 172_800)}

    _copy(
        ExtensionRequest,
        (
            {
                "id": i + 1,
                "order_id": order,
                "requested_by_id": by,
                "answerer_id": to,
                "reason": "More time.",
                "days": 3,
            }
            | asked(i)
            for i, (order, by, to) in enumerate(extensions)
        ),
        len(extensions),
        "extension requests",
    )
    _copy(
        CancellationRequest,
        (
            {
                "id": i + 1,
                "order_id": order,
                "requested_by_id": by,
                "answerer_id": to,
                "reason": "Plans changed.",
            }
            | asked(i)
            for i, (order, by, to) in enumerate(cancellations)
        ),
        len(cancellations),
        "cancellation requests",
    )


def vacuum_analyze():
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
