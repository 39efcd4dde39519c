from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class MarketplaceConfig(AppConfig):
    name = "marketplace"

    def ready(self):
        from . import lookups  # noqa: F401  (registers them)

        # SQLite makes its database file but not the folder it lives in (the
        # default, DATA_DIR, is absent on a fresh checkout). Every process sets
        # Django up before its first connection, so this runs first in
        # `migrate`, the web server, the workers and a test run (whose test
        # database sits beside this one).
        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.sqlite3":
            return
        if database["NAME"] not in ("", ":memory:"):
            Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
