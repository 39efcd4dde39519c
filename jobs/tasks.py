import logging

from celery import shared_task

from .services import job_image_orphans_delete

logger = logging.getLogger(__name__)


@shared_task
def sweep_job_image_orphans():
    """Delete Job image files that no image row kept (daily)."""
    deleted = job_image_orphans_delete()
    if deleted:
        logger.info("Deleted %s Job image files no image points at", deleted)
    return deleted
