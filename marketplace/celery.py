"""The Celery app: settings under the CELERY_ namespace, tasks from every app."""

import os
from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender, source, **kwargs):
    """Make the filesystem broker's folders (under DATA_DIR, absent on a fresh
    checkout) before any process publishes or consumes: kombu's transport
    writes into them but does not make them. Runs once per process, when the
    app first reads its configuration."""
    if (source.broker_url or "").startswith("filesystem://"):
        options = source.broker_transport_options
        for folder in ("data_folder_in", "data_folder_out", "control_folder"):
            Path(options[folder]).mkdir(parents=True, exist_ok=True)


class Scheduler(PersistentScheduler):
    """Celery's file-backed schedule, in a folder made when beat opens it:
    beat may be the first process on a machine to write under DATA_DIR."""

    def setup_schedule(self):
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()
