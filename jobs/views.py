from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import services
from .forms import JobForm
from .models import Job
from .selectors import job_delivery_insight


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


@login_required
def job_edit(request, pk):
    job = _get_own_job(request, pk)
    form = JobForm(request.POST or None, instance=job)
    if request.method == "POST" and form.is_valid():
        services.job_update(job=job, data=form.cleaned_data)
        messages.success(request, "Your Job was saved. Orders already placed keep their terms.")
        return redirect("jobs:list")
    return render(
        request,
        "jobs/job_form.html",
        {"form": form, "job": job, "insight": job_delivery_insight(job)},
    )


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
