import logging
from contextlib import suppress
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from . import images
from .models import ALT_MAX, Job, JobImage

logger = logging.getLogger(__name__)


class JobError(Exception):
    """A refusal, worded for the seller."""


STORAGE_DOWN = "Your image could not be stored just now. Please try again in a few minutes."
UNREADABLE = "This image could not be redrawn at our sizes. Please save it again as a PNG or JPEG."


def job_create(*, seller, data) -> Job:
    return Job.objects.create(seller=seller, **data)


def job_update(*, job: Job, data) -> Job:
    """Edit a Job. Orders already placed keep the terms they were placed with."""
    for field, value in data.items():
        setattr(job, field, value)
    job.save()
    return job


def job_set_paused(*, job: Job, paused: bool) -> Job:
    Job.objects.filter(pk=job.pk).update(is_paused=paused)
    job.is_paused = paused
    return job


def _locked_own_job(job, seller):
    locked = Job.objects.select_for_update().filter(pk=job.pk, seller=seller).first()
    if locked is None:
        raise JobError("This Job is not yours.")
    return locked


def _full_text():
    return (
        f"A Job can show {images.MAX_IMAGES} images. "
        "Remove one before adding another; nothing was uploaded."
    )


def _files_delete(names):
    """Best effort: a file left behind is the orphan sweep's."""
    storage = images.job_image_storage()
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.warning("Deleting Job image file %s failed", name, exc_info=True)


def _files_store(upload, fmt):
    """Write the re-encoded upload and each of its sizes; return the
    original's name. On a failure nothing is left behind."""
    name = images.new_name(fmt)
    specs = {name: images.Original}
    specs |= {images.size_name(name, size): spec for size, spec in images.SIZES.items()}
    try:
        contents = {}
        for file_name, spec in specs.items():
            upload.seek(0)
            contents[file_name] = spec(source=upload).generate()
    except Exception as error:  # Pillow could check it but not redraw it
        logger.warning("Re-encoding a Job image failed", exc_info=True)
        raise JobError(UNREADABLE) from error
    storage = images.job_image_storage()
    stored = []
    try:
        for file_name, content in contents.items():
            stored.append(storage.save(file_name, content))
    except Exception as error:  # the storage is down (S3 unreachable, disk full)
        logger.error("Storing a Job image failed", exc_info=True)
        _files_delete(stored)
        raise JobError(STORAGE_DOWN) from error
    return name


def job_image_add(*, job: Job, seller, upload, alt="") -> JobImage:
    """Add a checked upload (``images.check_image`` set ``upload.checked_format``)
    as the Job's last image. Its files are written first, before the
    transaction, so the Job's row is not held while they upload; then the Job
    is locked, which keeps two uploads at once from both taking the last
    place. Raises ``JobError`` when the Job is not the seller's or already
    has ``MAX_IMAGES`` images; a refusal leaves no file."""
    if job.seller_id != seller.pk:
        raise JobError("This Job is not yours.")
    if JobImage.objects.filter(job=job).count() >= images.MAX_IMAGES:
        raise JobError(_full_text())
    name = _files_store(upload, upload.checked_format)
    try:
        with transaction.atomic():
            locked = _locked_own_job(job, seller)
            count = JobImage.objects.filter(job=locked).count()
            if count >= images.MAX_IMAGES:
                raise JobError(_full_text())
            return JobImage.objects.create(
                job=locked,
                position=count,
                file=name,
                token=images.token_of(name),
                alt=(alt or "").strip(),
            )
    except BaseException:
        _files_delete([name] + [images.size_name(name, size) for size in images.SIZES])
        raise


def job_image_delete(*, job: Job, seller, image_id) -> None:
    """Remove one of the Job's images; the others close up behind it. Locks
    the Job; its files are deleted after the commit. Raises ``JobError`` when
    the image is already gone."""
    with transaction.atomic():
        locked = _locked_own_job(job, seller)
        image = JobImage.objects.filter(job=locked, pk=image_id).first()
        if image is None:
            raise JobError("This image was already removed.")
        names = image.names()
        image.delete()
        _renumber(list(JobImage.objects.filter(job=locked).order_by("position", "pk")))
        transaction.on_commit(lambda: _files_delete(names))


def job_image_describe(*, job: Job, seller, image_id, alt: str) -> None:
    """Change what an image's description says. Locks the Job. Raises
    ``JobError`` when the image is gone or the text too long."""
    alt = (alt or "").strip()
    if len(alt) > ALT_MAX:
        raise JobError(f"Keep a description under {ALT_MAX} characters.")
    with transaction.atomic():
        locked = _locked_own_job(job, seller)
        if not JobImage.objects.filter(job=locked, pk=image_id).update(alt=alt):
            raise JobError("This image was removed meanwhile.")


MOVES = ("first", "earlier", "later")


def job_image_move(*, job: Job, seller, image_id, to: str) -> None:
    """Move one of the Job's images: ``first`` makes it the cover,
    ``earlier`` and ``later`` swap it with its neighbour. Locks the Job.
    Raises ``JobError`` when the image is gone or the move is unknown."""
    if to not in MOVES:
        raise JobError("Choose where to move the image.")
    with transaction.atomic():
        locked = _locked_own_job(job, seller)
        gallery = list(JobImage.objects.filter(job=locked).order_by("position", "pk"))
        at = next((i for i, image in enumerate(gallery) if image.pk == int(image_id)), None)
        if at is None:
            raise JobError("This image was removed meanwhile.")
        image = gallery.pop(at)
        if to == "first":
            gallery.insert(0, image)
        elif to == "earlier":
            gallery.insert(max(0, at - 1), image)
        else:
            gallery.insert(min(len(gallery), at + 1), image)
        _renumber(gallery)


def _renumber(gallery):
    changed = []
    for position, image in enumerate(gallery):
        if image.position != position:
            image.position = position
            changed.append(image)
    JobImage.objects.bulk_update(changed, ["position"])


def job_image_orphans_delete(*, now=None, grace=timedelta(hours=1)) -> int:
    """Delete Job image files no JobImage row points at: what a process
    killed between storing an upload and committing its row left behind, or
    a deletion the storage refused. Looks at this month's and last month's
    folders; a file younger than ``grace`` may belong to an upload still
    running and is left alone. Returns the files deleted."""
    now = now or timezone.now()
    storage = images.job_image_storage()
    last_month = now.replace(day=1) - timedelta(days=1)
    deleted = 0
    for month in sorted({f"{last_month:%Y/%m}", f"{now:%Y/%m}"}):
        folder = f"{images.FOLDER}/{month}"
        try:
            names = [f"{folder}/{name}" for name in storage.listdir(folder)[1]]
        except FileNotFoundError:  # nothing stored that month
            continue
        tokens = {images.token_of(name) for name in names}
        kept = set()
        tokens = sorted(tokens)
        for start in range(0, len(tokens), 1000):
            batch = tokens[start : start + 1000]
            kept |= set(JobImage.objects.filter(token__in=batch).values_list("token", flat=True))
        for name in names:
            if images.token_of(name) in kept:
                continue
            try:
                if storage.get_modified_time(name) > now - grace:
                    continue
            except FileNotFoundError:
                continue
            except Exception:  # e.g. the object store refused: try tomorrow
                logger.warning("Job image orphan sweep skipped %s", name, exc_info=True)
                continue
            with suppress(FileNotFoundError):
                storage.delete(name)
            deleted += 1
    return deleted
