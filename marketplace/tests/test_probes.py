"""/ping and /healthz, for load balancers."""

import pytest
from django.db import OperationalError
from kombu import Connection

from marketplace.celery import app
from testing.processes import use_broker


@pytest.mark.django_db
def test_ping_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/ping")
    assert response.status_code == 200 and response.content == b"ok"


@pytest.mark.django_db
def test_healthz_checks_the_database_and_the_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_with_the_broker_down_says_degraded_but_stays_in_rotation(client, monkeypatch):
    attempts = []
    real_connect = Connection._connection_factory

    def connect(self):
        attempts.append(self.hostname)
        return real_connect(self)

    monkeypatch.setattr(Connection, "_connection_factory", connect)
    old = app.conf.broker_url
    use_broker("redis://127.0.0.1:1/0")
    try:
        response = client.get("/healthz")
    finally:
        use_broker(old)
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "unreachable"}
    # One try, no retry after a pause: a probe must answer within its timeout.
    assert len(attempts) == 1


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from django.db import connection

    def refused():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refused)
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["database"] == "unreachable"
