from .models import Job


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
