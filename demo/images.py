"""The demo Jobs' images, drawn here with Pillow (nothing is downloaded): a
diagonal gradient in the colours of the Job's category with a simple shape
on it, two per Job, added through the same service a seller's upload goes
through. Small pictures, so the whole catalogue takes a second or two."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from jobs.images import check_image
from jobs.models import Category
from jobs.services import job_image_add

PER_JOB = 2
SIZE = (900, 600)

# Each category's two colours: the gradient runs from the first to the second.
COLOURS = {
    Category.DESIGN: ((236, 72, 153), (124, 58, 237)),
    Category.WRITING: ((37, 99, 235), (14, 165, 233)),
    Category.MARKETING: ((249, 115, 22), (234, 179, 8)),
    Category.VIDEO: ((220, 38, 38), (190, 24, 93)),
    Category.PROGRAMMING: ((13, 148, 136), (22, 163, 74)),
    Category.MUSIC: ((139, 92, 246), (67, 56, 202)),
    Category.BUSINESS: ((30, 58, 138), (202, 138, 4)),
    Category.OTHER: ((71, 85, 105), (148, 163, 184)),
}
SHAPES = ("circle", "square", "triangle", "ring")


def _drawing(colours, shape):
    """A JPEG's bytes: the gradient, then the shape in white, a little transparent."""
    start, end = colours
    down = Image.linear_gradient("L")
    mask = Image.blend(down, down.rotate(90), 0.5).resize(SIZE)  # top left to bottom right
    image = Image.composite(Image.new("RGB", SIZE, end), Image.new("RGB", SIZE, start), mask)
    overlay = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    w, h = SIZE
    box = (w // 2 - 170, h // 2 - 170, w // 2 + 170, h // 2 + 170)
    white = (255, 255, 255, 200)
    if shape == "circle":
        draw.ellipse(box, fill=white)
    elif shape == "square":
        draw.rounded_rectangle(box, radius=40, fill=white)
    elif shape == "triangle":
        draw.polygon([(w // 2, box[1]), (box[2], box[3]), (box[0], box[3])], fill=white)
    else:
        draw.ellipse(box, outline=white, width=48)
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def job_images_add(jobs) -> int:
    """Give each Job that has no image ``PER_JOB`` drawn ones; returns how
    many were added (none on a second run)."""
    added = 0
    for i, job in enumerate(jobs):
        if job.images.exists():
            continue
        colours = COLOURS.get(job.category, COLOURS[Category.OTHER])
        for n in range(PER_JOB):
            shape = SHAPES[(i + n) % len(SHAPES)]
            upload = SimpleUploadedFile(
                f"job-{job.pk}-{n + 1}.jpg",
                _drawing(colours if n == 0 else colours[::-1], shape),
                content_type="image/jpeg",
            )
            upload.checked_format = check_image(upload)
            job_image_add(
                job=job,
                seller=job.seller,
                upload=upload,
                alt=f"A white {shape} on a gradient in the colours of {job.get_category_display()}",
            )
            added += 1
    return added
