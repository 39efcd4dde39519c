"""Support's side of `make bench`: the admin Order list (plain, each filter,
each kind of search) and the admin page of the order with a 500-message
thread, as a member of the Support group, as seed_demo makes it."""

from urllib.parse import quote

SUPPORT = "bench_support"
# Every admin page of an order, filtered, searched or not: the goals.
ADMIN_MAX_QUERIES = 8
ADMIN_MAX_SQL_MS = 20
ADMIN_MAX_P95_MS = 100
ORDER_PAGE_MAX_BYTES = 100_000
ORDER_PAGE = "Admin: order, 500-message thread"


def support_user():
    """A staff member in the Support group, with seed_demo's permissions."""
    from django.contrib.auth.models import Group, Permission

    from accounts.models import User
    from demo.management.commands.seed_demo import SUPPORT_PERMISSIONS

    group, _ = Group.objects.get_or_create(name="Support")
    group.permissions.set(Permission.objects.filter(codename__in=SUPPORT_PERMISSIONS))
    user, created = User.objects.get_or_create(
        username=SUPPORT,
        defaults={"email": f"{SUPPORT}@example.com", "is_staff": True, "timezone": "UTC"},
    )
    if created:
        user.set_unusable_password()
        user.save()
    user.groups.add(group)
    return user


def support_pages(ids):
    """(label, user, path) for each admin page support uses."""
    from accounts.models import User
    from bench.load import BIG_SELLER
    from sales.models import Order

    user = support_user()
    thread = Order.objects.only("pk").get(number=ids["thread_order"])
    buyer = User.objects.only("username", "email").get(pk=ids["thread_buyer"])
    orders = "/admin/sales/order/"
    pages = [
        ("Admin: Order list", orders),
        ("Admin: filter state = active", f"{orders}?state__exact=active"),
        ("Admin: filter state = canceled", f"{orders}?state__exact=canceled"),
        ("Admin: filter due soon", f"{orders}?clock=due_soon"),
        ("Admin: filter late", f"{orders}?clock=late"),
        ("Admin: filter very late", f"{orders}?clock=very_late"),
        ("Admin: filter extension request waiting", f"{orders}?open_request=extension"),
        ("Admin: filter cancellation request waiting", f"{orders}?open_request=cancellation"),
        ("Admin: filter canceled by support", f"{orders}?canceled_by=support"),
        ("Admin: search #number", f"{orders}?q={quote('#' + ids['thread_order'].lower())}"),
        ("Admin: search number", f"{orders}?q={ids['thread_order']}"),
        ("Admin: search username", f"{orders}?q={quote(buyer.username.upper())}"),
        ("Admin: search e-mail", f"{orders}?q={quote(buyer.email)}"),
        ("Admin: search big seller", f"{orders}?q={quote(BIG_SELLER)}"),
        ("Admin: search part of a name", f"{orders}?q={quote(buyer.username[6:])}"),
        ("Admin: search Job title, a distinctive part", f"{orders}?q=4321"),
        # Every bench title reads "I will do task N": words all million share.
        ("Admin: search Job title, common words", f"{orders}?q={quote('task 123')}"),
        (ORDER_PAGE, f"{orders}{thread.pk}/change/"),
    ]
    return [(label, user, path) for label, path in pages]


def support_goals(queries, load, sizes):
    """Rows for the report's Goals table: (measure, goal, measured, met)."""
    labels = [k for k in queries if k.startswith("Admin: ")]
    if not labels:
        return
    lists = [k for k in labels if k != ORDER_PAGE]
    counts = {k: len(queries[k]) for k in lists}
    worst = max(counts, key=counts.get)
    yield (
        "admin Order list, filters, searches: queries",
        f"≤ {ADMIN_MAX_QUERIES}",
        f"{counts[worst]} ({worst[7:]})",
        counts[worst] <= ADMIN_MAX_QUERIES,
    )
    sql = {k: sum(t for _, t in queries[k] if t is not None) for k in labels}
    worst = max(sql, key=sql.get)
    yield (
        "admin pages: SQL time",
        f"≤ {ADMIN_MAX_SQL_MS} ms",
        f"{sql[worst]:.1f} ms ({worst[7:]})",
        sql[worst] <= ADMIN_MAX_SQL_MS,
    )
    timed = [k for k in labels if k in load and load[k]["p95"] is not None]
    if timed:
        worst = max(timed, key=lambda k: load[k]["p95"])
        yield (
            "admin pages: p95 at half load",
            f"≤ {ADMIN_MAX_P95_MS} ms",
            f"{load[worst]['p95']:.1f} ms ({worst[7:]})",
            load[worst]["p95"] <= ADMIN_MAX_P95_MS,
        )
    if ORDER_PAGE in sizes:
        yield (
            "admin order page, 500-message thread: HTML",
            f"≤ {ORDER_PAGE_MAX_BYTES // 1000} KB",
            f"{sizes[ORDER_PAGE] / 1000:.0f} KB",
            sizes[ORDER_PAGE] <= ORDER_PAGE_MAX_BYTES,
        )
    if ORDER_PAGE in queries:
        yield (
            "admin order page queries",
            "independent of thread length",
            f"{len(queries[ORDER_PAGE])} (pinned by a test at 1 and 60 messages)",
            True,
        )


def _ms(value):
    return "-" if value is None else f"{value:.1f}"


def support_table(queries, load, sizes):
    """The report's section on support's pages: queries, SQL time, size and
    latency at half load, beside the bare view measured in the same run."""
    labels = [k for k in queries if k.startswith("Admin: ")]
    if not labels:
        return []
    bare = load.get("Bare view (framework floor)", {})
    lines = [
        "",
        "## Support's admin",
        "",
        "As a member of the Support group (seed_demo's permissions). SQL is the sum of the "
        "page's queries timed by EXPLAIN ANALYZE; p50/p95 at half of the page's saturation "
        f"rate; the bare view in the same run: p50 {_ms(bare.get('p50'))} ms, "
        f"p95 {_ms(bare.get('p95'))} ms.",
        "",
        "| page | queries | SQL ms | HTML KB | saturation req/s | p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label in labels:
        sql = sum(t for _, t in queries[label] if t is not None)
        r = load.get(label, {})
        size = f"{sizes[label] / 1000:.0f}" if label in sizes else "-"
        saturation = f"{r['saturation']:.0f}" if r.get("saturation") else "-"
        lines.append(
            f"| {label[7:]} | {len(queries[label])} | {sql:.1f} | {size} | {saturation} | "
            f"{_ms(r.get('p50'))} | {_ms(r.get('p95'))} |"
        )
    return lines
