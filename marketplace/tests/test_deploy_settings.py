"""The production switch: DEBUG=false plus SECRET_KEY and ALLOWED_HOSTS gives
a configuration `check --deploy` has nothing to say about; development keeps
plain HTTP and no CSP."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from testing.processes import manage

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _production_env(tmp_path, **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        # The switch alone: nothing this test run set up may leak in.
        if not key.startswith(("DJANGO_", "SECURE", "CSP"))
    }
    env |= {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "marketplace.example.com",
        "SITE_URL": "https://marketplace.example.com",
        "EMAIL_URL": "smtp+tls://mailer:secret@mail.example.com:587",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
    }
    return env | extra


def test_check_deploy_reports_nothing_in_the_production_configuration(tmp_path):
    env = _production_env(tmp_path)
    # A deploy collects static files first: DEBUG=false serves them from the
    # manifest collectstatic writes.
    collected = manage(env, "collectstatic", "--noinput", "-v0")
    assert collected.returncode == 0, collected.stderr

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_with_the_development_secret_key(tmp_path):
    env = _production_env(tmp_path)
    env.pop("SECRET_KEY")

    result = manage(env, "check")

    assert result.returncode != 0
    assert "Set SECRET_KEY when DEBUG is false." in result.stderr


@pytest.mark.parametrize(
    "missing, value, message",
    [
        ("SITE_URL", None, "Set SITE_URL to the address people reach the site at"),
        ("SITE_URL", "marketplace.example.com", "Set SITE_URL to the address people reach"),
        ("SITE_URL", "ftp://marketplace.example.com", "Set SITE_URL to the address people"),
        ("EMAIL_URL", None, "Set EMAIL_URL to a mail server"),
        ("EMAIL_URL", "consolemail://", "Set EMAIL_URL to a mail server"),
        ("EMAIL_URL", "memorymail://", "Set EMAIL_URL to a mail server"),
        ("EMAIL_URL", "filemail:////tmp/mail", "Set EMAIL_URL to a mail server"),
    ],
)
def test_production_refuses_to_start_half_configured(tmp_path, missing, value, message):
    env = _production_env(tmp_path)
    env.pop(missing)
    if value is not None:
        env[missing] = value

    result = manage(env, "check")

    assert result.returncode != 0
    assert message in result.stderr


def test_production_may_send_no_mail_on_purpose(tmp_path):
    result = manage(_production_env(tmp_path, EMAIL_URL="dummymail://"), "check")

    assert result.returncode == 0, result.stderr


def test_development_needs_neither_site_url_nor_a_mail_server(tmp_path):
    env = _production_env(tmp_path)
    for key in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "EMAIL_URL"):
        env.pop(key)

    result = manage(env, "check")

    assert result.returncode == 0, result.stderr


def _settings_in(env):
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'SECURE_REFERRER_POLICY', "
        "'CONTENT_SECURITY_POLICY')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    import json

    return json.loads(result.stdout)


@pytest.mark.parametrize("rate", ["30-600", "30/0", "lots/600", "", "²/600", "-1/600"])
def test_a_bad_rate_limit_stops_the_start_with_a_clear_message(tmp_path, rate):
    result = manage(_production_env(tmp_path, RATE_LIMIT_MESSAGES=rate), "check")

    assert result.returncode != 0
    assert "The message rate limit must be count/seconds, e.g. 30/600" in result.stderr


def test_the_production_configuration_is_https_only_with_a_strict_csp(tmp_path):
    values = _settings_in(_production_env(tmp_path))

    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    directives = values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_development_stays_plain_http_without_a_csp(tmp_path):
    env = _production_env(tmp_path)
    for key in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"):
        env.pop(key)

    values = _settings_in(env)

    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["CONTENT_SECURITY_POLICY"] is None


@pytest.mark.django_db
def test_behind_the_proxy_https_requests_get_the_security_headers(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": settings.CSP_DIRECTIVES}

    plain = client.get("/")
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")

    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
