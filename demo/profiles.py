"""What the demo's sellers say about themselves on their public profiles,
and a few more Jobs of theirs, so Browse has something in each category.
The Jobs here have no orders: the catalogue in seed_demo has those."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from jobs.models import Category, Job

PROFILES = {
    "demo_seller": (
        "Designer and web developer in New York. I have built brands and websites for "
        "bakeries, clinics and software startups for nine years, and I still answer every "
        "message myself.",
        "English, Spanish",
    ),
    "nora.voice": (
        "Voice actor with a home studio in Dublin: warm, natural English for explainer "
        "videos, e-learning and audiobooks. Broadcast-quality audio, usually within a day.",
        "English, Irish",
    ),
    "chloe_writes": (
        "Editor and proofreader. I studied linguistics in Lyon and have polished theses, "
        "novels and product pages for ten years.",
        "French, English",
    ),
    "kenji.t": (
        "Certified translator from Japanese to English: contracts, manuals and game "
        "scripts, with the tone kept as the author meant it.",
        "Japanese, English",
    ),
    "lena.design": (
        "Illustrator in Vienna. Hand-drawn packaging, book covers and mascots that make "
        "small brands look like themselves.",
        "German, English",
    ),
    "diego_m": (
        "Video editor and motion designer. YouTube channels, product launches and event "
        "highlights, cut fast and graded with care.",
        "Spanish, English",
    ),
    "amir.h": (
        "Financial analyst turned consultant: business plans, financial models and pitch "
        "decks that investors read to the end.",
        "Arabic, English, French",
    ),
    "priscila.s": (
        "Social media strategist in São Paulo. Content calendars and ads for local shops "
        "and online stores, measured every month.",
        "Portuguese, Spanish, English",
    ),
    "ben_c": (
        "Music producer in Sydney: jingles, podcast intros and royalty-free background "
        "tracks, mixed and mastered.",
        "English",
    ),
}

# seller, title, category, price, delivery days, revisions, description
SHELF = [
    (
        "lena.design",
        "I will draw a hand-drawn illustration for your packaging",
        Category.DESIGN,
        "120.00",
        7,
        2,
        "A hand-drawn illustration in ink and watercolour, scanned and cleaned up for "
        "print. You get a high-resolution file ready for your printer and a web version.",
    ),
    (
        "lena.design",
        "I will design a playful mascot for your brand",
        Category.DESIGN,
        "85.00",
        5,
        2,
        "A character your customers remember: three poses, a colour palette and the "
        "vector files. Ideal for cafés, games and children's products.",
    ),
    (
        "diego_m",
        "I will edit your YouTube video with captions and music",
        Category.VIDEO,
        "60.00",
        3,
        1,
        "Send me your raw footage: I cut the pauses, add captions, music and a clean "
        "intro, and deliver a 1080p or 4K file ready to upload.",
    ),
    (
        "diego_m",
        "I will animate your logo for a video intro",
        Category.VIDEO,
        "40.00",
        2,
        2,
        "A five-second animation of your logo with sound, in horizontal and vertical "
        "formats, for YouTube, Instagram and presentations.",
    ),
    (
        "amir.h",
        "I will write an investor-ready business plan",
        Category.BUSINESS,
        "350.00",
        10,
        1,
        "Market, competition, operations and a three-year financial forecast, written "
        "with you in two calls. Delivered as an editable document and spreadsheet.",
    ),
    (
        "priscila.s",
        "I will plan a month of Instagram posts for your shop",
        Category.MARKETING,
        "95.00",
        5,
        1,
        "Thirty post ideas with captions and hashtags, a posting calendar and three "
        "story templates, based on what your competitors' followers respond to.",
    ),
    (
        "ben_c",
        "I will compose a catchy jingle for your ad or podcast",
        Category.MUSIC,
        "150.00",
        6,
        2,
        "An original jingle of up to 30 seconds, with a short and a long version, fully "
        "licensed to you for commercial use.",
    ),
]


def profiles_fill(users):
    """Bios and languages for the demo's sellers (kept if already written),
    and their further Jobs."""
    now = timezone.now()
    for username, (bio, languages) in PROFILES.items():
        user = users.get(username)
        if user is not None and not user.bio:
            user.bio, user.languages = bio, languages
            user.save(update_fields=["bio", "languages"])
    for i, (seller, title, category, price, days, revisions, description) in enumerate(SHELF):
        job, created = Job.objects.get_or_create(
            seller=users[seller],
            title=title,
            defaults={
                "category": category,
                "description": description,
                "price": Decimal(price),
                "delivery_days": days,
                "revisions": revisions,
                "questions": "What is it for?\nAny examples you like?",
            },
        )
        if created:
            ago = timedelta(days=60 - 7 * i)
            Job.objects.filter(pk=job.pk).update(created_at=now - ago, updated_at=now - ago)
