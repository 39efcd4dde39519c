from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .images import SIZES, job_image_storage, size_name

MAX_DELIVERY_DAYS = 90
ALT_MAX = 200  # an image's description


class Category(models.TextChoices):
    """The fixed list Browse filters by: few enough to show as one row."""

    DESIGN = "design", "Graphics & design"
    WRITING = "writing", "Writing & translation"
    MARKETING = "marketing", "Digital marketing"
    VIDEO = "video", "Video & animation"
    PROGRAMMING = "programming", "Programming & tech"
    MUSIC = "music", "Music & audio"
    BUSINESS = "business", "Business"
    OTHER = "other", "Other"


class JobQuerySet(models.QuerySet):
    def orderable(self):
        return self.filter(is_paused=False)

    def with_images(self):
        """Each Job's images in one query for the whole list: what Browse
        (``jobs/_cover.html``) and the Job page (``jobs/_gallery.html``) read
        through ``job.images.all``, which otherwise costs a query per Job."""
        return self.prefetch_related(
            models.Prefetch("images", queryset=JobImage.objects.order_by("position", "pk"))
        )


class Job(models.Model):
    """A service a seller publishes and buyers order (a gig)."""

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs"
    )
    title = models.CharField(max_length=80)
    # A database default too: processes running the code before it can still
    # create Jobs while a deploy rolls.
    category = models.CharField(
        max_length=20, choices=Category.choices, default=Category.OTHER, db_default=Category.OTHER
    )
    description = models.TextField(max_length=5000)
    price = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("5")), MaxValueValidator(Decimal("10000"))],
        help_text="In US dollars, from $5 to $10,000.",
    )
    delivery_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DELIVERY_DAYS)],
        help_text="Days from the moment the buyer submits the requirements, 1 to 90.",
    )
    revisions = models.PositiveSmallIntegerField(
        "revisions included",
        default=1,
        validators=[MaxValueValidator(10)],
        help_text="How many times the buyer may ask for changes to a delivery, 0 to 10.",
    )
    questions = models.TextField(
        "questions for the buyer",
        max_length=2000,
        blank=True,
        help_text="What you need to know to start, one question per line.",
    )
    is_paused = models.BooleanField(
        "paused", default=False, help_text="A paused Job is hidden and cannot be ordered."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["seller", "-created_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        # The Job's page belongs to the storefront, the app above.
        return reverse("storefront:job", args=[self.pk])

    @property
    def question_list(self):
        return [line.strip() for line in self.questions.splitlines() if line.strip()]


class JobImage(models.Model):
    """One image of a Job's gallery (at most ``images.MAX_IMAGES``). The file
    is the re-encoded upload; its thumbnails are stored beside it, named
    after it (``images.SIZES``). Position 0 is the cover Browse shows."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(storage=job_image_storage, max_length=200)
    # The file's name without folder or extension: what the serving view looks up.
    token = models.CharField(max_length=32, unique=True, editable=False)
    alt = models.CharField(
        "description",
        max_length=ALT_MAX,
        blank=True,
        help_text="What the image shows, for people who can't see it.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["job", "position"], name="jobimage_job_position")]

    def __str__(self):
        return f"Image {self.position + 1} of Job {self.job_id}"

    @property
    def alt_text(self):
        return self.alt or f"{self.job.title}, image {self.position + 1}"

    def names(self):
        """Every stored file of this image: the original and each size."""
        return [self.file.name] + [size_name(self.file.name, size) for size in SIZES]

    @property
    def url(self):
        return self.file.url

    @property
    def cover_url(self):
        return self.file.storage.url(size_name(self.file.name, "cover"))

    @property
    def page_url(self):
        return self.file.storage.url(size_name(self.file.name, "page"))
