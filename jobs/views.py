import logging
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from . import images, services
from .forms import JobForm, JobImageForm
from .models import Job, JobImage
from .selectors import job_delivery_insight

logger = logging.getLogger(__name__)


def _get_own_job(request, pk):
    # Another seller's Job is a 404, never a 403 that confirms it exists.
    return get_object_or_404(Job, pk=pk, seller=request.user)


@login_required
def job_list(request):
    jobs = Job.objects.filter(seller=request.user).order_by("is_paused", "-created_at")
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@login_required
def job_create(request):
    form = JobForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        job = services.job_create(seller=request.user, data=form.cleaned_data)
        messages.success(request, f"“{job.title}” is published.")
        return redirect("jobs:list")
    return render(request, "jobs/job_form.html", {"form": form})


def _edit_page(request, job, *, form=None, image_form=None, status=200):
    context = {
        "form": form or JobForm(instance=job),
        "job": job,
        "insight": job_delivery_insight(job),
        "gallery": list(job.images.all()),
        "image_form": image_form or JobImageForm(),
        "max_images": images.MAX_IMAGES,
    }
    return render(request, "jobs/job_form.html", context, status=status)


@login_required
def job_edit(request, pk):
    job = _get_own_job(request, pk)
    form = JobForm(request.POST or None, instance=job)
    if request.method == "POST" and form.is_valid():
        services.job_update(job=job, data=form.cleaned_data)
        messages.success(request, "Your Job was saved. Orders already placed keep their terms.")
        return redirect("jobs:list")
    return _edit_page(request, job, form=form)


@login_required
@require_POST
def job_image_add(request, pk):
    job = _get_own_job(request, pk)
    image_form = JobImageForm(request.POST, request.FILES)
    if image_form.is_valid():
        try:
            services.job_image_add(
                job=job,
                seller=request.user,
                upload=image_form.cleaned_data["image"],
                alt=image_form.cleaned_data["alt"],
            )
        except services.JobError as error:
            image_form.add_error("image", str(error))
        else:
            messages.success(request, "Your image was added.")
            return redirect(_gallery_url(job))
    return _edit_page(request, job, image_form=image_form, status=400)


def _gallery_change(request, job, change, done=None):
    """Run one change to the Job's gallery, say how it went, and go back to
    the gallery on the edit page."""
    try:
        change()
    except services.JobError as error:
        messages.error(request, str(error))
    else:
        if done:
            messages.success(request, done)
    return redirect(_gallery_url(job))


@login_required
@require_POST
def job_image_delete(request, pk, image_pk):
    job = _get_own_job(request, pk)
    return _gallery_change(
        request,
        job,
        lambda: services.job_image_delete(job=job, seller=request.user, image_id=image_pk),
        "The image was removed.",
    )


@login_required
@require_POST
def job_image_move(request, pk, image_pk):
    job = _get_own_job(request, pk)
    to = request.POST.get("to", "")
    return _gallery_change(
        request,
        job,
        lambda: services.job_image_move(job=job, seller=request.user, image_id=image_pk, to=to),
    )


@login_required
@require_POST
def job_image_describe(request, pk, image_pk):
    job = _get_own_job(request, pk)
    alt = request.POST.get("alt", "")
    return _gallery_change(
        request,
        job,
        lambda: services.job_image_describe(
            job=job, seller=request.user, image_id=image_pk, alt=alt
        ),
        "The description was saved.",
    )


def _gallery_url(job):
    return reverse("jobs:edit", args=[job.pk]) + "#images"


# <token>.<ext> is the image as kept; <token>-<size>.webp one of its sizes.
_FILE_NAME = re.compile(r"^(?P<token>[0-9a-f]{32})(?:-(?P<size>[a-z]+))?\.(?P<ext>[a-z]+)$")


@require_safe
def job_image_file(request, name):
    """A Job's image, to anyone: Job images are public. A file's name is new
    whenever its content is (a new upload), so it is cached for a year."""
    match = _FILE_NAME.match(name)
    if match is None or (match["size"] and match["size"] not in images.SIZES):
        raise Http404("No such image.")
    image = JobImage.objects.filter(token=match["token"]).only("file").first()
    if image is None:
        raise Http404("This image was removed.")
    stored = image.file.name
    if match["size"]:
        stored = images.size_name(stored, match["size"])
    if stored.rsplit("/", 1)[-1] != name:
        raise Http404("No such image.")
    try:
        handle = image.file.storage.open(stored, "rb")
    except FileNotFoundError:
        raise Http404("This image is no longer available.") from None
    except Exception:  # the storage is down (S3 unreachable)
        logger.error("Opening Job image %s failed", stored, exc_info=True)
        response = HttpResponse("This image can't be fetched just now.", status=503)
        response["Retry-After"] = "60"
        return response
    response = FileResponse(handle, content_type=images.CONTENT_TYPES[match["ext"]])
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def job_pause(request, pk):
    job = _get_own_job(request, pk)
    paused = request.POST.get("paused") == "1"
    services.job_set_paused(job=job, paused=paused)
    if paused:
        messages.success(request, f"“{job.title}” is paused: buyers cannot order it.")
    else:
        messages.success(request, f"“{job.title}” is live again.")
    return redirect("jobs:list")


@login_required
@require_POST
def job_raise_delivery(request, pk):
    """One click: raise the Job's delivery days to what its orders really take."""
    job = _get_own_job(request, pk)
    insight = job_delivery_insight(job)
    if insight is None or not insight.can_raise:
        messages.info(request, "This Job's delivery time already matches how long its orders take.")
        return redirect("jobs:edit", pk=job.pk)
    old = job.delivery_days
    services.job_update(job=job, data={"delivery_days": insight.suggested_days})
    messages.success(
        request,
        f"“{job.title}” now promises {job.delivery_days} days instead of {old}. "
        "Orders already placed keep their due dates.",
    )
    return redirect("jobs:edit", pk=job.pk)
