"""Fuzzing: Hypothesis posts random and invalid data to every form and
endpoint, as every role (the order's seller and buyer, a stranger, an
anonymous visitor, support staff).

Two rules hold for every request:

- never a 500 (the test client re-raises a view's exception, so any crash
  fails the test with its traceback);
- a request that is not a success leaves every row as it was: the snapshot of
  row counts, order states and due dates, requests, tickets, jobs and
  profiles before and after must match unless the answer was a redirect with
  no error message (a valid post that did what it says).

FUZZ_EXAMPLES sets the examples per endpoint and role (default 9, under a
minute for the whole file); `FUZZ_EXAMPLES=200 pytest marketplace/tests/test_fuzz.py`
digs deeper.
"""

import json
import os
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from jobs.models import Job
from messaging.models import Attachment, Message, Notification
from resolution import tickets as resolution_tickets
from resolution.models import SupportTicket
from sales import request_services as resolution_services
from sales.models import Order, OrderEvent, State
from sales.requests import CancellationRequest, ExtensionRequest
from sales.services import message_send
from testing.factories import JobFactory, OrderFactory, UserFactory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "9"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM", "") == "",  # CI: the same inputs every run
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
ROLES = ["seller", "buyer", "stranger", "anonymous", "staff"]

# Text that forms meet in the wild: empty, blanks, NUL, control characters,
# right-to-left marks, emoji, markup, SQL, very long strings, numbers as text.
_nasty = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\r\n\t",
        "\u202e\u200b",
        "😀" * 50,
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "%s%s%n",
        "../../etc/passwd",
        "-1",
        "0",
        "1e309",
        "NaN",
        "99999999999999999999999999",
        "3.14159",
        "x" * 6000,
        "#",
        "None",
    ]
)
_text = st.one_of(
    _nasty,
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)
_value = st.one_of(_text, st.lists(_text, min_size=2, max_size=3))


def _form(fields):
    """Random values for the form's own fields, some missing, plus stray keys."""
    known = st.fixed_dictionaries({}, optional={name: _value for name in fields})
    stray = st.dictionaries(st.text(min_size=1, max_size=12), _text, max_size=3)
    return st.tuples(known, stray).map(lambda kv: {**kv[1], **kv[0]})


_file = st.builds(
    lambda name, content, ctype: SimpleUploadedFile(name, content, content_type=ctype),
    st.one_of(
        st.sampled_from(["a.png", "x.exe", "notes.txt", "évil.pdf", ".png", "a" * 300 + ".txt"]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40),
    ),
    st.one_of(
        st.binary(max_size=2048),
        st.just(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),
        st.just(b"\x7fELF" + b"\x00" * 60),
    ),
    st.sampled_from(["image/png", "text/plain", "application/octet-stream", ""]),
)
_files = st.lists(_file, max_size=3)


@pytest.fixture
def world(db, django_settings_for_fuzz):
    """One of everything an endpoint can be pointed at."""
    seller = UserFactory(username="fz_seller")
    buyer = UserFactory(username="fz_buyer")
    stranger = UserFactory(username="fz_stranger")
    staff = UserFactory(username="fz_staff", is_staff=True, is_superuser=True)
    job = JobFactory(seller=seller, questions="What do you need?\nWhich colours?")
    paused = JobFactory(seller=seller, is_paused=True)
    now = timezone.now()
    orders = {
        "pending": OrderFactory(job=job, buyer=buyer),
        "active": OrderFactory(job=job, buyer=buyer, state=State.ACTIVE),
        "delivered": OrderFactory(job=job, buyer=buyer, state=State.DELIVERED),
        "very_late": OrderFactory(
            job=job,
            buyer=buyer,
            state=State.ACTIVE,
            started_at=now - timedelta(days=10),
            due_at=now - timedelta(days=5),
        ),
        "completed": OrderFactory(job=job, buyer=buyer, state=State.COMPLETED),
    }
    extension = resolution_services.extension_request_create(
        order=orders["active"], actor=seller, days=2, reason="More time"
    )
    cancellation = resolution_services.cancellation_request_create(
        order=orders["delivered"], actor=seller, reason="Can't finish"
    )
    message_send(order=orders["active"], sender=buyer, body="Hello")
    ticket = resolution_tickets.ticket_create(user=buyer, subject="Help", body="Please", order=None)
    users = {"seller": seller, "buyer": buyer, "stranger": stranger, "staff": staff}
    return {
        "users": users,
        "job": job,
        "paused": paused,
        "orders": orders,
        "extension": extension,
        "cancellation": cancellation,
        "ticket": ticket,
        "notification": Notification.objects.filter(recipient=seller).first(),
        "clients": {role: _client(users.get(role)) for role in ROLES},
    }


@pytest.fixture
def django_settings_for_fuzz(settings):
    # Fuzzing posts hundreds of times as one user: the rate limits would turn
    # most of them into 429s (fine, but then the forms are not exercised).
    settings.RATE_LIMITS = {key: "100000/60" for key in settings.RATE_LIMITS}
    settings.AXES_FAILURE_LIMIT = 100000
    return settings


# What was tried, for docs/reliability.md: requests by status, and how many
# changed anything (each of those a success, by the rule above).
STATS = Counter()


@pytest.fixture(scope="module", autouse=True)
def _record_stats():
    STATS.clear()
    yield
    out = Path(__file__).resolve().parents[2] / "test-artifacts" / "fuzz-stats.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({"examples_per_case": EXAMPLES, **dict(sorted(STATS.items()))}, indent=1)
    )


def _count(response, changed):
    STATS["requests"] += 1
    STATS[f"status_{response.status_code}"] += 1
    STATS["changed_state"] += bool(changed)


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def snapshot():
    """Every row an endpoint here could write, in a comparable form."""
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (
                User,
                Job,
                Order,
                OrderEvent,
                Message,
                Attachment,
                Notification,
                ExtensionRequest,
                CancellationRequest,
                SupportTicket,
            )
        },
        "orders": list(
            Order.objects.order_by("pk").values_list(
                "pk", "state", "due_at", "revisions_used", "requirements", "cancel_reason"
            )
        ),
        "requests": list(ExtensionRequest.objects.order_by("pk").values_list("pk", "state"))
        + list(CancellationRequest.objects.order_by("pk").values_list("pk", "state")),
        "unread": Notification.objects.filter(read_at=None).count(),
        "jobs": list(
            Job.objects.order_by("pk").values_list(
                "pk",
                "title",
                "description",
                "price",
                "delivery_days",
                "revisions",
                "questions",
                "is_paused",
            )
        ),
        "profiles": list(
            User.objects.order_by("pk").values_list(
                "pk", "username", "email", "first_name", "last_name", "timezone", "password"
            )
        ),
    }


def _succeeded(response):
    if response.status_code not in (204, 301, 302, 303):
        return False
    queued = getattr(response.wsgi_request, "_messages", None)
    levels = [m.level for m in getattr(queued, "_queued_messages", [])]
    return message_levels.ERROR not in levels


def _send(client, method, url, data=None, **extra):
    if method == "get":
        return client.get(url, data or {})
    return client.post(url, data or {}, **extra)


def check(client, method, url, data=None, **extra):
    """Send one request: never a 500; no change unless it succeeded."""
    before = snapshot()
    response = _send(client, method, url, data, **extra)
    assert response.status_code < 500, (url, data, response.status_code)
    after = snapshot()
    _count(response, after != before)
    if not _succeeded(response):
        assert after == before, (url, data, response.status_code)
    return response


def _number(world, key):
    return world["orders"][key].number


# Endpoints that take the order's number and a form: (url name, order, fields).
ORDER_FORMS = [
    ("sales:order_submit_requirements", "pending", ["answer_0", "answer_1"]),
    ("sales:order_deliver", "active", ["message"]),
    ("sales:order_request_revision", "delivered", ["message"]),
    ("sales:order_accept", "delivered", []),
    ("sales:message_send", "active", ["body", "kind"]),
    ("resolution:extension_create", "very_late", ["days", "reason"]),
    ("resolution:cancellation_create", "active", ["reason"]),
    ("resolution:late_cancel", "very_late", ["reason"]),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "order_key", "fields"), ORDER_FORMS)
def test_order_forms_never_crash_and_bad_input_changes_nothing(
    world, role, name, order_key, fields
):
    client = world["clients"][role]
    numbers = [o.number for o in world["orders"].values()]

    @FUZZ
    @given(
        data=_form(fields),
        files=_files if name in ("sales:order_deliver", "sales:message_send") else st.just([]),
        number=st.one_of(st.sampled_from(numbers), _text.filter(lambda t: "/" not in t and t)),
        which=st.sampled_from([order_key, *world["orders"]]),
    )
    def run(data, files, number, which):
        target = world["orders"][which].number if number in numbers else number
        try:
            url = reverse(name, args=[target])
        except Exception:
            return  # not a URL this app has: nothing to send
        payload = dict(data)
        if files:
            payload["files"] = files
        check(client, "post", url, payload)

    run()


ANSWERS = [
    ("resolution:extension_answer", "active", "extension", ["approve", "decline", "withdraw"]),
    (
        "resolution:cancellation_answer",
        "delivered",
        "cancellation",
        ["accept", "decline", "withdraw"],
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "order_key", "request_key", "answers"), ANSWERS)
def test_request_answers_never_crash_and_bad_input_changes_nothing(
    world, role, name, order_key, request_key, answers
):
    client = world["clients"][role]
    real_pk = world[request_key].pk

    @FUZZ
    @given(
        which=st.sampled_from(list(world["orders"])),
        pk=st.one_of(st.just(real_pk), st.integers(min_value=0, max_value=2**63 - 1)),
        answer=st.one_of(st.sampled_from(answers), st.text(min_size=1, max_size=20)),
        data=_form(["reason"]),
        method=st.sampled_from(["get", "post"]),
    )
    def run(which, pk, answer, data, method):
        try:
            url = reverse(name, args=[world["orders"][which].number, pk, answer])
        except Exception:
            return
        check(client, method, url, data)

    run()


PAGE_FORMS = [
    ("accounts:signup", ["username", "email", "password1", "password2", "timezone"]),
    ("login", ["username", "password", "next"]),
    ("accounts:profile", ["first_name", "last_name", "email", "timezone"]),
    ("jobs:create", ["title", "description", "price", "delivery_days", "revisions", "questions"]),
    ("resolution:vacation", ["days", "reason"]),
    ("resolution:ticket_create", ["subject", "body", "order"]),
    ("messaging:notifications_read", []),
    ("password_change", ["old_password", "new_password1", "new_password2"]),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "fields"), PAGE_FORMS)
def test_page_forms_never_crash_and_bad_input_changes_nothing(world, role, name, fields):
    client = world["clients"][role]
    if name == "login" and role != "anonymous":
        client = Client()  # the log-in form as a visitor; logging in again is the same form

    @FUZZ
    @given(data=_form(fields))
    def run(data):
        check(client, "post", reverse(name), data)

    run()


@pytest.mark.parametrize("role", ROLES)
def test_job_edit_pause_and_order_place_with_any_id(world, role):
    client = world["clients"][role]
    job_pks = [world["job"].pk, world["paused"].pk]

    @FUZZ
    @given(
        pk=st.one_of(st.sampled_from(job_pks), st.integers(min_value=0, max_value=2**63 - 1)),
        name=st.sampled_from(
            ["jobs:edit", "jobs:pause", "jobs:raise_delivery", "sales:order_place"]
        ),
        data=_form(
            ["title", "description", "price", "delivery_days", "revisions", "questions", "paused"]
        ),
    )
    def run(pk, name, data):
        check(client, "post", reverse(name, args=[pk]), data)

    run()


@pytest.mark.parametrize("role", ROLES)
def test_notification_read_with_any_id(world, role):
    client = world["clients"][role]
    real = world["notification"].pk

    @FUZZ
    @given(
        pk=st.one_of(st.just(real), st.integers(min_value=0, max_value=2**63 - 1)),
        method=st.sampled_from(["get", "post"]),
    )
    def run(pk, method):
        check(client, method, reverse("messaging:notification_read", args=[pk]))

    run()


LISTS = [
    ("sales:sales", ["tab", "q", "sort", "flag", "after", "before", "last", "page"]),
    ("sales:my_orders", ["tab", "q", "sort", "flag", "after", "before", "last", "page"]),
    ("messaging:notifications", ["page"]),
    ("resolution:tickets", []),
    ("resolution:center", []),
    ("home", ["q", "category", "sort", "after", "before", "page"]),
    ("jobs:list", []),
    ("sales:numbers", []),
    ("sales:numbers", []),
    ("resolution:ticket_create", ["order"]),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "params"), LISTS)
def test_list_and_search_query_params_never_crash_or_write(world, role, name, params):
    client = world["clients"][role]

    @FUZZ
    @given(data=_form(params), htmx=st.booleans())
    def run(data, htmx):
        before = snapshot()
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.get(reverse(name), data, headers=headers)
        assert response.status_code < 500, (name, data)
        after = snapshot()
        _count(response, after != before)
        assert after == before

    run()


@pytest.mark.parametrize("role", ROLES)
def test_order_pages_and_downloads_with_any_number_or_params(world, role):
    client = world["clients"][role]
    numbers = [o.number for o in world["orders"].values()]

    @FUZZ
    @given(
        number=st.one_of(st.sampled_from(numbers), _text.filter(lambda t: t and "/" not in t)),
        name=st.sampled_from(["sales:order_detail", "sales:order_live", "sales:metric_detail"]),
        data=_form(["v", "state", "page"]),
        pk=st.integers(min_value=0, max_value=2**63 - 1),
    )
    def run(number, name, data, pk):
        try:
            url = reverse(name, args=[number])
            download = reverse("sales:attachment", args=[number, pk])
        except Exception:
            return
        for target in (url, download):
            response = client.get(target, data)
            assert response.status_code < 500, (target, data)
            _count(response, False)

    run()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/orders/%00/", "/orders/a%00b/messages/", "/orders/%C3%A9/live/"]
)
def test_found_by_fuzzing_an_odd_order_number_is_a_404_not_a_500(client, path):
    # PostgreSQL refuses NUL in a text value: this was a 500 before the
    # <order_number:> converter.
    client.force_login(UserFactory())
    method = client.post if path.endswith("messages/") else client.get
    assert method(path).status_code == 404
