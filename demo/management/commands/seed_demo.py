"""Demo data a person believes: people with names, a catalogue of Jobs each
with its own description, and orders whose histories happened over the last
five months, in every state and with every case that needs someone now.

Every order is told step by step (``Story``), and each step runs through the
services at the moment it happened: the order's history is moved so that
moment is now, the service acts (writing its events, messages, notices,
requests and counts exactly as in real use), and at the end the whole
history moves back into place. Deadline notices are then sent as the scans
would have sent them, at the moment each fell due, and each person has read
what reached them up to their own last step on the order, or over a day ago.

Running it again changes nothing: users and Jobs are looked up by name, and
orders are only created when the demo seller has none.
"""

import io
import random
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from demo import images as demo_images
from demo.profiles import profiles_fill
from demo.questions import seed_questions
from demo.reviews import seed_reviews
from jobs.models import Category, Job
from messaging.attachments import check_upload
from messaging.models import Message, MessageKind, Notification, NotificationKind
from resolution import tickets as resolution_tickets
from resolution.models import SupportTicket, TicketMessage
from sales import request_services as resolution
from sales import services
from sales.models import CLOCK_READINGS, EventKind, Order, OrderEvent, State
from sales.request_services import _fmt as notice_date  # how its notices write a date
from sales.requests import CancellationRequest, ExtensionRequest, RequestState
from sales.services import message_send

User = get_user_model()

LOGINS = [
    # username, password, role, first name, last name, time zone
    ("demo_seller", "demo-seller-pass", "seller", "Sam", "Rivera", "America/New_York"),
    ("demo_buyer", "demo-buyer-pass", "buyer", "Jonas", "Becker", "Europe/Berlin"),
    (
        "support",
        "demo-support-pass",
        "support staff (admin at /admin/)",
        "Priya",
        "Shah",
        "UTC",
    ),
]
# Everyone else buys from the demo seller; a few sell Jobs of their own.
PEOPLE = [
    # username, first name, last name, time zone
    ("maria_k", "Maria", "Kowalski", "Europe/Warsaw"),
    ("tom_builds", "Tom", "Hartley", "Europe/London"),
    ("lena.design", "Lena", "Vogel", "Europe/Vienna"),
    ("olivia_b", "Olivia", "Brooks", "America/Chicago"),
    ("amir.h", "Amir", "Haddad", "Asia/Dubai"),
    ("diego_m", "Diego", "Morales", "America/Mexico_City"),
    ("nora.voice", "Nora", "Fitzgerald", "Europe/Dublin"),
    ("ben_c", "Ben", "Carter", "Australia/Sydney"),
    ("aisha.r", "Aisha", "Rahman", "America/Toronto"),
    ("kenji.t", "Kenji", "Tanaka", "Asia/Tokyo"),
    ("chloe_writes", "Chloé", "Martin", "Europe/Paris"),
    ("priscila.s", "Priscila", "Souza", "America/Sao_Paulo"),
]


@dataclass(frozen=True)
class DemoJob:
    """A Job of the catalogue, with what its orders say along the way."""

    key: str
    category: str
    seller: str
    title: str
    price: str
    days: int
    revisions: int
    questions: tuple
    description: str
    # One per order, in turn: (subject, one answer per question).
    briefs: tuple
    update: str  # the seller's progress update; {subject} is the order's
    update_file: str
    delivery: str  # what is delivered, after "Here is the finished work."
    delivery_files: tuple
    revision: str  # the buyer's revision note
    paused: bool = False


CATALOGUE = [
    DemoJob(
        key="logo",
        category=Category.DESIGN,
        seller="demo_seller",
        title="I will design a modern minimalist logo",
        price="45.00",
        days=3,
        revisions=2,
        questions=(
            "What is your business called?",
            "Describe your audience in a sentence.",
            "Any colors to use or avoid?",
        ),
        description=(
            "A clean, memorable logo that works on a shop sign, a website header and a "
            "32-pixel favicon alike.\n\n"
            "What you get:\n"
            "- three first sketches to choose a direction from\n"
            "- the chosen one refined, with two rounds of changes included\n"
            "- vector files (SVG, PDF) and PNGs for light and dark backgrounds\n"
            "- a one-page guide to its colors and fonts\n\n"
            "I have designed logos for cafés, clinics, studios and start-ups for ten years. "
            "Tell me about your business and the people you serve; I'll take it from there."
        ),
        briefs=(
            (
                "Bluebird Bakery",
                "Bluebird Bakery",
                "Families in our neighborhood who want fresh bread before work.",
                "Warm yellow and a deep blue; no neon.",
            ),
            (
                "Northline Physio",
                "Northline Physio",
                "Runners and office workers with sore backs, mostly 30 to 55.",
                "Calm greens or teal. Please avoid red.",
            ),
            (
                "Fernweh Travel",
                "Fernweh Travel",
                "Couples planning one big trip a year who like the details done for them.",
                "Earthy tones. No bright orange: our biggest competitor uses it.",
            ),
            (
                "Copper & Crumb",
                "Copper & Crumb",
                "Food lovers who come for brunch at the weekend.",
                "Copper, cream and black.",
            ),
            (
                "Ledgerly",
                "Ledgerly",
                "Freelancers who hate bookkeeping and want it done in ten minutes a month.",
                "Anything but the usual fintech blue.",
            ),
            (
                "Little Oak Nursery",
                "Little Oak Nursery",
                "Parents of children aged 1 to 5 looking for a daycare they can trust.",
                "Soft green and a warm brown; nothing childish, please.",
            ),
            (
                "Studio Kaito",
                "Studio Kaito",
                "Architects and interior designers who order custom furniture.",
                "Black and white only.",
            ),
            (
                "Peak Form Coaching",
                "Peak Form Coaching",
                "Amateur cyclists training for their first long-distance ride.",
                "Dark navy with one bright accent, maybe yellow.",
            ),
        ),
        update="First sketches for {subject}: three directions, attached. Which one feels "
        "closest? I lean towards the second.",
        update_file="sketches.png",
        delivery="Attached: the {subject} logo in SVG and PDF, PNGs for "
        "light and dark backgrounds, and a one-page guide to the colors and fonts.",
        delivery_files=("logo-files.zip", "color-guide.pdf"),
        revision="Could the name be a little bolder, and could we try the icon to the left "
        "of the name instead of above it?",
    ),
    DemoJob(
        key="wordpress",
        category=Category.PROGRAMMING,
        seller="demo_seller",
        title="I will fix errors and broken layouts on your WordPress site",
        price="60.00",
        days=2,
        revisions=1,
        questions=(
            "What is the site's address?",
            "What is wrong, and since when?",
            "Which plugins or themes were installed or updated recently?",
        ),
        description=(
            "A white screen, a plugin update that broke the layout, a contact form that "
            "stopped sending, a page that takes eight seconds to load: I find the cause and "
            "fix it, without rebuilding your site.\n\n"
            "How it works:\n"
            "- you tell me the site's address and what is wrong\n"
            "- I work on a staging copy first whenever a fix is risky\n"
            "- you get a short note of what was wrong and what I changed\n\n"
            "I have kept WordPress sites running since 2012, from one-page portfolios to "
            "WooCommerce shops with thousands of products. One order covers one problem; if "
            "I find more, I tell you before touching anything."
        ),
        briefs=(
            (
                "harbourviewcottages.co.uk",
                "harbourviewcottages.co.uk",
                "The booking calendar has shown every date as taken since Tuesday.",
                "The booking calendar plugin, updated on Monday.",
            ),
            (
                "mila-ceramics.com",
                "mila-ceramics.com",
                "The shop page is blank on phones since last week; fine on a laptop.",
                "WooCommerce, and an update of the theme last week.",
            ),
            (
                "greenfieldrunners.org",
                "greenfieldrunners.org",
                "The contact form says 'sent' but nothing arrives, since about ten days.",
                "None that I know of, but our host moved us to a new server.",
            ),
            (
                "annalind-photo.se",
                "annalind-photo.se",
                "The home page takes ten seconds to load. It has been slow for months.",
                "A slider plugin and an Instagram feed, both a year ago.",
            ),
            (
                "thecraftbeerhub.com",
                "thecraftbeerhub.com",
                "'There has been a critical error on this website' since last night.",
                "Everything updates automatically, so probably several.",
            ),
            (
                "drpatelsmiles.com",
                "drpatelsmiles.com",
                "The menu covers the logo on tablets since yesterday.",
                "Elementor Pro, updated yesterday morning.",
            ),
            (
                "riverside-yoga.de",
                "riverside-yoga.de",
                "The class booking page is a 404 since we changed the permalinks.",
                "Yoast SEO and the booking plugin, both last month.",
            ),
        ),
        update="Quick update on {subject}: I reproduced the problem on a staging copy and "
        "found the cause (notes attached). Fixing it there first, then on the live site.",
        update_file="findings.txt",
        delivery="The problem on {subject} is fixed and tested on a phone, a "
        "tablet and a laptop. The attached notes say what was wrong, what I changed, and "
        "how to keep it from happening again.",
        delivery_files=("what-i-changed.txt",),
        revision="Thank you! It works in Chrome, but on my iPhone (Safari) it still looks "
        "wrong. Could you take another look?",
    ),
    DemoJob(
        key="seo",
        category=Category.WRITING,
        seller="demo_seller",
        title="I will write SEO blog posts for your website",
        price="80.00",
        days=5,
        revisions=1,
        questions=(
            "What is the topic?",
            "Who reads your blog?",
            "Any posts or sites whose style you like?",
        ),
        description=(
            "Articles people finish reading and search engines can find: researched, "
            "built around the questions your customers actually type, and written in your "
            "voice.\n\n"
            "Each order is one post of about 1,200 words, with:\n"
            "- keyword research and an outline you approve first\n"
            "- a title and a meta description\n"
            "- suggestions for internal links and images\n\n"
            "I have written for software companies, clinics, travel agencies and online "
            "shops. No filler: every claim checked, every source linked."
        ),
        briefs=(
            (
                "choosing a standing desk",
                "How to choose a standing desk for a small flat",
                "People working from home, mostly 25 to 40.",
                "Practical and honest, like a good product review site.",
            ),
            (
                "sourdough for beginners",
                "Sourdough for beginners: the first four weeks",
                "Home bakers who just got their first starter.",
                "Friendly and precise; the big baking-flour brands' guides.",
            ),
            (
                "GDPR for small shops",
                "What GDPR means for a small online shop",
                "Owners of shops run by one to five people.",
                "Nothing that reads like a lawyer wrote it.",
            ),
            (
                "Lisbon in winter",
                "Visiting Lisbon in winter: what to do when it rains",
                "Couples and friends planning a long weekend.",
                "Our post on Porto did well; something like that.",
            ),
            (
                "remote team rituals",
                "Five rituals that keep a remote team close",
                "Team leads at start-ups of 10 to 50 people.",
                "Short paragraphs, concrete examples, no buzzwords.",
            ),
            (
                "heat pumps",
                "Heat pumps explained for homeowners",
                "Homeowners thinking about replacing a gas boiler.",
                "Clear like a good explainer; numbers where they help.",
            ),
            (
                "email newsletters",
                "Starting an email newsletter for your shop",
                "Small shop owners who have never sent one.",
                "Warm and encouraging.",
            ),
        ),
        update="The outline for the post on {subject} is attached: the headings, the "
        "question each one answers, and the keywords. Happy with the direction?",
        update_file="outline.md",
        delivery="Attached: the post on {subject} (about 1,200 words), "
        "with a title, a meta description and three suggestions for internal links. The "
        "sources are linked at the end.",
        delivery_files=("post.md", "sources.txt"),
        revision="Great read! Could you shorten the introduction and end with a short checklist?",
    ),
    DemoJob(
        key="django",
        category=Category.PROGRAMMING,
        seller="demo_seller",
        title="I will fix bugs in your Django project",
        price="150.00",
        days=2,
        revisions=1,
        questions=(
            "Link to the repository, or attach a zip of the code.",
            "What is broken, and how do you reproduce it?",
        ),
        description=(
            "A failing migration, a page that is slow only in production, a Celery task "
            "that runs twice, an upgrade that broke the admin: I find the cause, fix it, "
            "and add a test so it stays fixed.\n\n"
            "You get a pull request (or a patch) with:\n"
            "- the fix, and a test that fails without it\n"
            "- a short explanation of the cause\n"
            "- anything else I noticed that could bite you later\n\n"
            "Django since 1.4, PostgreSQL, Celery and Django REST framework. Happy to sign "
            "an NDA first."
        ),
        briefs=(
            (
                "the failing migration",
                "github.com/greenleaf-apps/inventory (I have invited you)",
                "'migrate' on staging stops at 0042 with 'column already exists'.",
            ),
            (
                "the slow order list",
                "gitlab.com/fieldnotes/api (invitation sent)",
                "/orders/ takes 9 seconds with 2,000 orders; it was fast last month.",
            ),
            (
                "the duplicate reminder e-mails",
                "github.com/tidy-tenant/portal (you should have an invite)",
                "Tenants get every reminder twice since we added a second Celery server.",
            ),
            (
                "the Django 5.2 upgrade",
                "github.com/ledgerly/web (read access for you)",
                "Since the upgrade to 5.2 the admin's invoice list crashes with a TypeError.",
            ),
            (
                "the time zone bug",
                "bitbucket.org/clinicbook/booking (invited)",
                "Appointments booked after 11 pm show the wrong day in the confirmation e-mail.",
            ),
            (
                "the upload error",
                "github.com/printshop-co/orders (invitation sent)",
                "Uploads over 2 MB fail with a 413, in production only.",
            ),
        ),
        update="I have reproduced {subject} locally and have a failing test for it. The "
        "cause is clear now (notes attached); working on the fix.",
        update_file="diagnosis.txt",
        delivery="The pull request that fixes {subject} is ready, with a "
        "test that fails without the fix. The notes explain the cause and two smaller "
        "things I noticed on the way.",
        delivery_files=("fix.patch.txt", "notes.md"),
        revision="Thanks! The fix works, but the new test fails on our CI, which runs "
        "PostgreSQL. Could you make it pass there too?",
    ),
    DemoJob(
        key="podcast",
        category=Category.MUSIC,
        seller="demo_seller",
        title="I will edit your podcast episode",
        price="60.00",
        days=4,
        revisions=3,
        questions=(
            "Where can I download the raw recording?",
            "How long should the finished episode be?",
            "Intro and outro music: yours or mine?",
        ),
        description=(
            "Send me the raw recording; get back an episode that sounds like it was made "
            "in a studio.\n\n"
            "Every episode gets:\n"
            "- noise, hum and room echo cleaned up\n"
            "- ums, long pauses and false starts cut (you choose how much)\n"
            "- levels evened out between hosts and guests, loudness at -16 LUFS\n"
            "- your intro, outro and ad spots in place\n"
            "- show notes with timestamps\n\n"
            "Up to 90 minutes of raw audio per order. I listen to every minute."
        ),
        briefs=(
            (
                "Side Project Stories",
                "The shared Drive folder, 'episode 14': two tracks, one per host.",
                "About 45 minutes.",
                "Ours, the same as every episode.",
            ),
            (
                "The Slow Gardener",
                "Dropbox link in the show's shared folder: ep32-raw.wav.",
                "Under 30 minutes.",
                "Yours, something calm.",
            ),
            (
                "Founders After Dark",
                "WeTransfer, sent to your e-mail a minute ago (3 files).",
                "An hour at most.",
                "Ours; the ad spot goes after the intro.",
            ),
            (
                "Kitchen Table Science",
                "The shared Drive folder, 'S2E07'.",
                "35 to 40 minutes.",
                "Ours.",
            ),
            (
                "Two Pints of History",
                "Dropbox: /two-pints/ep58/ (one track per speaker).",
                "Around 50 minutes; keep the pub noise at the start, it's our thing.",
                "Ours.",
            ),
            (
                "Mind the Product Gap",
                "Riverside.fm export, link in the show's shared folder.",
                "30 minutes.",
                "Yours; something upbeat.",
            ),
        ),
        update="First pass on {subject} done: noise cleaned and the long pauses cut. My "
        "notes on two spots I was unsure about are attached; does the pacing feel right?",
        update_file="edit-notes.txt",
        delivery="The edited episode of {subject} is ready in WAV and "
        "MP3 (download links in the notes), with show notes and timestamps.",
        delivery_files=("show-notes.md", "download-links.txt"),
        revision="Sounds great. Could you cut 12:40 to 14:05? We went off topic there.",
    ),
    DemoJob(
        key="data",
        category=Category.BUSINESS,
        seller="demo_seller",
        title="I will clean up and organize your spreadsheet data",
        price="35.00",
        days=2,
        revisions=2,
        questions=(
            "What does the data hold, and how many rows?",
            "What should the result look like?",
            "Excel, Google Sheets or CSV?",
        ),
        description=(
            "Duplicates, names in three formats, dates Excel thinks are text, a customer "
            "list merged from four exports: I turn it into one clean, consistent sheet "
            "you can sort, filter and trust.\n\n"
            "- duplicates found and merged (I show you which)\n"
            "- names, phone numbers, addresses and dates in one format\n"
            "- columns split or joined as you need them\n"
            "- a summary of every change, so nothing disappears silently\n\n"
            "Excel, Google Sheets or CSV, up to 5,000 rows per order."
        ),
        briefs=(
            (
                "the customer list",
                "Our customers, about 3,200 rows merged from the shop and two old sheets.",
                "One row per customer, with the newest address and phone number.",
                "Google Sheets",
            ),
            (
                "the member register",
                "The running club's members since 2015, 640 rows.",
                "Active members only, with a column for the year they joined.",
                "Excel",
            ),
            (
                "the product catalogue",
                "1,900 products exported from our old shop.",
                "The columns our new shop's import needs (the template is attached to the order).",
                "CSV",
            ),
            (
                "the conference sign-ups",
                "Sign-ups from three different forms, about 1,100 rows.",
                "One list without duplicates, with the workshop each person chose.",
                "Excel",
            ),
            (
                "the survey answers",
                "A patient survey: 850 rows, with free-text answers.",
                "The answers grouped into categories we can count.",
                "Google Sheets",
            ),
            (
                "the supplier list",
                "Suppliers from two warehouses, 420 rows, many in both.",
                "One row per supplier with their main contact.",
                "Excel",
            ),
        ),
        update="Halfway through {subject}: the attached list shows the duplicates I found "
        "so far. OK to merge them all?",
        update_file="duplicates.csv",
        delivery="Attached: {subject}, cleaned and in one consistent "
        "format, with a summary of every change I made.",
        delivery_files=("clean-data.csv", "changes.txt"),
        revision="This is great. Could you also split the address into street, city and postcode?",
    ),
    DemoJob(
        key="spanish",
        category=Category.WRITING,
        seller="demo_seller",
        title="I will translate your app into Spanish",
        price="120.00",
        days=7,
        revisions=1,
        questions=(
            "How many words, roughly?",
            "Which file format are the texts in?",
            "For Spain, Latin America, or both?",
        ),
        description=(
            "Your app in natural Spanish, with the short, clear words good interfaces "
            "need: no machine translation, no text that breaks your buttons.\n\n"
            "- the strings translated in your own file format (JSON, PO, XLIFF, .strings)\n"
            "- a glossary of the terms I chose, so updates stay consistent\n"
            "- a check of every screen you send me a screenshot of\n\n"
            "Spanish is my first language; I have translated apps for banks, shops and "
            "fitness studios. Up to 5,000 words per order."
        ),
        briefs=(),
        update="",
        update_file="",
        delivery="",
        delivery_files=(),
        revision="",
        paused=True,  # the demo's paused Job: hidden from Browse, no orders
    ),
    DemoJob(
        key="voice",
        category=Category.MUSIC,
        seller="nora.voice",
        title="I will record a warm, natural English voice-over",
        price="70.00",
        days=2,
        revisions=2,
        questions=(
            "Paste the script here, or attach it in the conversation.",
            "What is it for: an explainer video, an ad, an audiobook, a phone menu?",
            "Any names or words I should pronounce a certain way?",
        ),
        description=(
            "A friendly, clear Irish-English voice for your explainer video, ad, course or "
            "phone menu, recorded in a treated home studio.\n\n"
            "- up to 300 words per order, delivered as WAV and MP3\n"
            "- cut and cleaned, with breaths softened\n"
            "- two rounds of changes in tone or pace\n\n"
            "Send me the script and a video or a reference if you have one."
        ),
        briefs=(
            (
                "the onboarding video",
                "The script is attached (180 words).",
                "A two-minute explainer for new users of our app.",
                "'Ledgerly' is LEDGE-er-lee.",
            ),
        ),
        update="",
        update_file="",
        delivery="Attached: the voice-over for {subject} in WAV and MP3, "
        "and a second take a little slower, in case it fits the video better.",
        delivery_files=("voice-over-takes.zip",),
        revision="",
    ),
    DemoJob(
        key="proofreading",
        category=Category.WRITING,
        seller="chloe_writes",
        title="I will proofread and polish your English text",
        price="25.00",
        days=2,
        revisions=1,
        questions=(
            "What is the text, and how many words?",
            "Who will read it?",
        ),
        description=(
            "Typos, grammar, clumsy sentences and the same word three times in a "
            "paragraph: fixed, with every change tracked so you keep the last word.\n\n"
            "Up to 2,000 words per order, in Word or Google Docs. British or American "
            "English, as you prefer."
        ),
        briefs=(
            (
                "the About page",
                "Our About page and team bios, about 900 words.",
                "Customers deciding whether to hire us.",
            ),
        ),
        update="",
        update_file="",
        delivery="Attached: {subject} with every change tracked, and a clean copy.",
        delivery_files=("proofread.md",),
        revision="",
    ),
    DemoJob(
        key="japanese",
        category=Category.WRITING,
        seller="kenji.t",
        title="I will translate your documents from Japanese to English",
        price="90.00",
        days=4,
        revisions=1,
        questions=(
            "What are the documents, and how many pages?",
            "Who will read the translation?",
        ),
        description=(
            "Contracts, product manuals, slides and letters translated from Japanese into "
            "clear, natural English by a native Japanese speaker who has lived and worked "
            "in London for twelve years.\n\n"
            "- up to 10 pages per order, your layout kept\n"
            "- a list of terms I chose, for your next documents\n"
            "- questions asked, never guessed"
        ),
        briefs=(),
        update="",
        update_file="",
        delivery="",
        delivery_files=(),
        revision="",
    ),
]

SUPPORT_PERMISSIONS = [
    "view_order",
    "change_order",
    "view_orderevent",
    "view_message",
    "view_notification",
    "view_extensionrequest",
    "view_cancellationrequest",
    "view_review",
    "view_supportticket",
    "change_supportticket",
    "view_job",  # view only: a change of a Job's seller or price would bypass the seller
    "view_user",
]

SEE_FIRST_MESSAGE = "See the brief in my first message."

# The conversation's small talk, taken in turn so neighbors differ.
HELLOS = [
    "Hi {seller}! I've sent the details. Let me know if anything is unclear.",
    "Hello! Looking forward to this one. I'm around all week if you have questions.",
    "Hi {seller}, thanks for taking this on. The answers above should cover it.",
]
REPLIES = [
    "Thanks, {buyer}! I have all the specifics for {subject}. If questions come up, I'll ask here.",
    "Hi {buyer}, thanks for the order! Everything I need is in your brief; I'll send "
    "you a first look along the way.",
    "Hello {buyer}! Got it, and thanks for the clear brief. I'm starting on {subject} today.",
]
REPLY_BEFORE_REQUIREMENTS = (
    "Hi {buyer}, thanks for your order! As soon as you submit the requirements I'll get "
    "started; ask me anything in the meantime."
)
THANKS = [
    "Perfect, thank you! Exactly what we needed.",
    "Thanks {seller}, this is great. I'll be back for the next one.",
    "Looks great, accepting now. Thanks for the quick work!",
]


class Command(BaseCommand):
    help = "Load demo users, Jobs and orders (safe to run again)."

    def handle(self, *args, **options):
        with transaction.atomic():
            users = self._users()
            jobs = self._jobs(users)
            profiles_fill(users)
            demo_images.job_images_add(Job.objects.filter(seller__in=users.values()))
            if Order.objects.filter(seller=users["demo_seller"]).exists():
                self.stdout.write("Demo orders already exist; nothing to add.")
            else:
                DemoOrders(users, jobs).tell()
                seed_reviews()
            seed_questions(users, jobs)
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write(self.style.SUCCESS(f"Demo log-ins ({site}/):"))
        for username, password, role, *_ in LOGINS:
            self.stdout.write(f"  {role:<36} {username} / {password}")

    def _users(self):
        """The demo people by username. A person from an older demo database
        gets the name they lack; nothing else of theirs changes."""
        now = timezone.now()
        group, _ = Group.objects.get_or_create(name="Support")
        if not group.permissions.exists():
            group.permissions.set(Permission.objects.filter(codename__in=SUPPORT_PERMISSIONS))
        # Older demo databases let support change Jobs.
        group.permissions.remove(*Permission.objects.filter(codename="change_job"))
        people = LOGINS + [(u, None, "", first, last, tz) for u, first, last, tz in PEOPLE]
        users = {}
        for i, (username, password, role, first, last, tz) in enumerate(people):
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@example.com",
                    "first_name": first,
                    "last_name": last,
                    "timezone": tz,
                    "is_staff": role.startswith("support"),
                    # Members for a while: the oldest order is five months old.
                    "date_joined": now - timedelta(days=400 - 13 * i),
                },
            )
            if created:
                if password:
                    user.set_password(password)
                else:
                    user.set_unusable_password()
                user.save()
                if user.is_staff:
                    user.groups.add(group)
            elif not (user.first_name or user.last_name):
                user.first_name, user.last_name = first, last
                user.save(update_fields=["first_name", "last_name"])
            users[username] = user
        return users

    def _jobs(self, users):
        now = timezone.now()
        jobs = {}
        for i, spec in enumerate(CATALOGUE):
            job, created = Job.objects.get_or_create(
                seller=users[spec.seller],
                title=spec.title,
                defaults={
                    "category": spec.category,
                    "description": spec.description,
                    "price": Decimal(spec.price),
                    "delivery_days": spec.days,
                    "revisions": spec.revisions,
                    "questions": "\n".join(spec.questions),
                    "is_paused": spec.paused,
                },
            )
            if created:
                # Published before its first order, long ago.
                ago = timedelta(days=200 - 9 * i)
                Job.objects.filter(pk=job.pk).update(created_at=now - ago, updated_at=now - ago)
            jobs[spec.key] = (job, spec)
        return jobs


# -- the orders ---------------------------------------------------------------


class DemoOrders:
    """The demo seller's five months of orders and the demo buyer's side of
    them, told one order at a time."""

    def __init__(self, users, jobs):
        self.users = users
        self.jobs = jobs
        self.seller = users["demo_seller"]
        self.buyer = users["demo_buyer"]
        self.support = users["support"]
        self.now = timezone.now()
        self.random = random.Random(20240517)  # the same demo every time
        self.turns = {}  # which brief each Job's next order gets
        self.stories = []

    def ago(self, days=0, hours=0, minutes=0):
        return self.now - timedelta(days=days, hours=hours, minutes=minutes)

    def person(self, username):
        return self.users[username]

    def story(self, key, buyer, placed, *, brief_in_message=False):
        job, spec = self.jobs[key]
        turn = self.turns.get(key, 0)
        self.turns[key] = turn + 1
        brief = spec.briefs[turn % len(spec.briefs)]
        story = Story(job, spec, brief, buyer, placed, brief_in_message=brief_in_message)
        self.stories.append(story)
        return story

    def tell(self):
        self.needing_the_seller_now()
        self.needing_the_buyer_now()
        self.in_progress()
        self.completed()
        self.slow_job()
        self.canceled()
        self.elsewhere()
        for story in self.stories:
            story.end()
        for story in self.stories:
            deadline_notices(story.order, self.now)
            requirements_reminders(story.order, self.now)
            catch_up_reading(story.order, self.now)
        self.tickets()
        # Demo notices appear in the app but are not e-mailed to example.com.
        Notification.objects.filter(emailed_at=None).update(emailed_at=F("created_at"))

    # Each case of the seller's Priority tab, at least once on its own.

    def needing_the_seller_now(self):
        p = self.person
        # New orders not written to yet: one waiting for its requirements...
        self.story("podcast", p("ben_c"), self.ago(minutes=40))
        # ...and one already started.
        s = self.story("data", p("aisha.r"), self.ago(hours=5))
        s.submit(self.ago(hours=4, minutes=48))
        s.hello(self.ago(hours=4, minutes=45))
        # A revision the buyer asked for three hours ago.
        s = self.story("podcast", p("maria_k"), self.ago(days=2, hours=3))
        s.submit(self.ago(days=2))
        s.reply(self.ago(days=1, hours=23))
        s.progress(self.ago(days=1, hours=8))
        s.deliver(self.ago(hours=20))
        s.revise(self.ago(hours=3))
        # The buyer asks to cancel an order that is on time.
        s = self.story("wordpress", p("tom_builds"), self.ago(hours=20))
        s.submit(self.ago(hours=19, minutes=40))
        s.reply(self.ago(hours=19))
        s.ask_cancellation(
            "buyer",
            self.ago(hours=5),
            "Our hosting company fixed it on their side this morning, so we don't need the "
            "fix any more. Sorry for the trouble!",
        )
        # Late: due six hours ago.
        s = self.story("data", p("diego_m"), self.ago(days=2, hours=7))
        s.submit(self.ago(days=2, hours=6))
        s.reply(self.ago(days=2, hours=5))
        s.progress(self.ago(days=1, hours=2))
        s.say("buyer", self.ago(hours=2), "Hi {seller}, any news? We need the list for Monday.")
        # Very late (more than a day past due), and the demo buyer asks to cancel.
        s = self.story("django", self.buyer, self.ago(days=4, hours=3))
        s.submit(self.ago(days=4, hours=2))
        s.reply(self.ago(days=4, hours=1))
        s.say("buyer", self.ago(days=1, hours=5), "Hi {seller}, is there any news on this?")
        s.ask_cancellation(
            "buyer", self.ago(hours=2), "I needed this for a launch that has passed."
        )
        # Due within DUE_SOON_HOURS: six hours left.
        s = self.story("seo", p("kenji.t"), self.ago(days=4, hours=20))
        s.submit(self.ago(days=4, hours=18))
        s.reply(self.ago(days=4, hours=17))
        s.progress(self.ago(days=2, hours=4))
        s.say("buyer", self.ago(days=2), "The outline looks good, go ahead!")
        # Turns late three minutes after `make run` starts (both sides are told).
        s = self.story("logo", self.buyer, self.ago(days=3, minutes=27))
        s.submit(self.ago(days=3, minutes=-3))
        s.reply(self.ago(days=2, hours=23))
        s.progress(self.ago(days=1, hours=6))
        s.say("buyer", self.ago(days=1, hours=2), "I like the second sketch best. Go with it!")

    # What the demo buyer has to do.

    def needing_the_buyer_now(self):
        p = self.person
        # Requirements to submit.
        self.story("logo", self.buyer, self.ago(hours=2))
        # An extension request waiting for the demo buyer's answer.
        s = self.story("seo", self.buyer, self.ago(days=2, hours=2))
        s.submit(self.ago(days=2))
        s.reply(self.ago(days=1, hours=23))
        s.ask_extension(
            self.ago(hours=20),
            days=2,
            reason="Two of the figures you asked for come from a report published on "
            "Friday; I'd like to use the new numbers.",
        )
        # A delivery to review.
        s = self.story("data", self.buyer, self.ago(days=2), brief_in_message=True)
        s.brief_message(self.ago(days=2) + timedelta(minutes=3))
        s.submit(self.ago(days=1, hours=23, minutes=50))
        s.reply(self.ago(days=1, hours=23))
        s.deliver(self.ago(hours=10))
        # Its review window ends four minutes after `make run` starts: it
        # completes by itself.
        review = timedelta(days=settings.ORDER_REVIEW_DAYS)
        s = self.story("wordpress", self.buyer, self.ago(days=4, hours=6))
        s.submit(self.ago(days=4, hours=5))
        s.reply(self.ago(days=4, hours=4))
        s.deliver(self.now - review + timedelta(minutes=4))
        # Delivered again after a revision, waiting for review.
        s = self.story("logo", p("amir.h"), self.ago(days=6))
        s.submit(self.ago(days=5, hours=22))
        s.reply(self.ago(days=5, hours=21))
        s.progress(self.ago(days=4, hours=12))
        s.deliver(self.ago(days=3, hours=2))
        s.revise(self.ago(days=2, hours=8))
        s.deliver(self.ago(days=1, hours=10), again=True)

    def in_progress(self):
        p = self.person
        # Waiting for requirements; the seller has said hello.
        s = self.story("wordpress", p("olivia_b"), self.ago(days=1, hours=2))
        s.reply(self.ago(days=1, hours=1))
        # On time, with a while to go.
        s = self.story("podcast", p("nora.voice"), self.ago(days=1, hours=1))
        s.submit(self.ago(days=1))
        s.reply(self.ago(hours=23))
        s.progress(self.ago(hours=7))
        s = self.story("logo", p("chloe_writes"), self.ago(hours=11), brief_in_message=True)
        s.brief_message(self.ago(hours=10, minutes=58))
        s.submit(self.ago(hours=10, minutes=50))
        s.reply(self.ago(hours=10))

    def completed(self):
        """Forty orders completed over the last five months, by many buyers:
        most delivered on time and accepted, a few revised, a few completed
        by themselves after the review window, two delivered late, two
        answered slowly."""
        rand = self.random
        order_of_jobs = ["logo", "wordpress", "data", "podcast", "logo", "django"]
        order_of_jobs += ["wordpress", "seo", "data", "logo", "podcast", "wordpress"]
        buyers = [
            "maria_k",
            "tom_builds",
            "olivia_b",
            "amir.h",
            "demo_buyer",
            "diego_m",
            "ben_c",
            "aisha.r",
            "kenji.t",
            "chloe_writes",
            "lena.design",
            "priscila.s",
            "nora.voice",
        ]
        review = timedelta(days=settings.ORDER_REVIEW_DAYS)
        for i in range(40):
            key = order_of_jobs[i % len(order_of_jobs)]
            spec = self.jobs[key][1]
            buyer = self.person(buyers[(i * 5) % len(buyers)])
            done = self.ago(days=3 + i * 3.6 + rand.uniform(0, 1.5))
            auto = i % 7 == 4
            last_delivery = done - (
                review + timedelta(minutes=5) if auto else timedelta(hours=rand.uniform(2, 30))
            )
            revised = i % 5 == 2
            if revised:
                revision = last_delivery - timedelta(hours=rand.uniform(6, 20))
                first_delivery = revision - timedelta(hours=rand.uniform(3, 20))
            else:
                first_delivery = last_delivery
            late = i in (9, 27)
            took = spec.days * (1.15 if late else rand.uniform(0.45, 0.9))
            started = first_delivery - timedelta(days=took)
            placed = started - timedelta(minutes=rand.uniform(6, 300))
            slow_reply = i in (15, 31)  # a podcast and a blog post: Jobs of 4 and 5 days
            reply = placed + (
                timedelta(hours=rand.uniform(26, 30))
                if slow_reply
                else timedelta(minutes=rand.uniform(12, 240))
            )
            reply = min(reply, first_delivery - timedelta(hours=1))
            brief_in_message = i % 5 == 1
            s = self.story(key, buyer, placed, brief_in_message=brief_in_message)
            steps = [(started, s.submit), (reply, s.reply)]
            if brief_in_message:
                steps.append((placed + timedelta(minutes=3), s.brief_message))
            elif i % 2 == 0:
                steps.append((started + timedelta(minutes=4), s.hello))
            if i % 3 == 0:
                steps.append((started + (first_delivery - started) / 2, s.progress))
            steps.append((first_delivery, s.deliver))
            if revised:
                steps.append((revision, s.revise))
                steps.append((last_delivery, partial(s.deliver, again=True)))
            if auto:
                steps.append((done, s.auto_complete))
            else:
                if i % 3 != 1:
                    steps.append((done - timedelta(minutes=2), s.thank))
                steps.append((done, s.accept))
            for when, step in sorted(steps, key=lambda pair: pair[0]):
                step(when)

    def slow_job(self):
        """A Job whose orders keep needing more time: three blog posts that each
        took eight days against the five the Job promises (the insight)."""
        buyers = ["lena.design", "olivia_b", "priscila.s"]
        for days_ago, buyer in zip((13, 23, 33), buyers, strict=True):
            placed = self.ago(days=days_ago + 9)
            s = self.story("seo", self.person(buyer), placed)
            started = placed + timedelta(hours=1)
            s.submit(started)
            s.reply(placed + timedelta(hours=2))
            request = s.ask_extension(
                started + timedelta(days=4),
                days=3,
                reason="Research took longer than planned: two of the sources contradict "
                "each other and I want to check with their authors.",
            )
            s.approve_extension(started + timedelta(days=4, hours=5), request)
            s.deliver(started + timedelta(days=7, hours=22))
            s.thank(started + timedelta(days=8, hours=18))
            s.accept(started + timedelta(days=8, hours=19))

    def canceled(self):
        p = self.person
        # Canceled by Customer Support: the payment was reversed.
        s = self.story("logo", p("priscila.s"), self.ago(days=9, hours=5))
        s.reply(self.ago(days=9, hours=4))
        s.cancel_by_support(self.ago(days=9), "The buyer's payment was reversed by the bank.")
        # Both sides asked Support to cancel.
        s = self.story("data", p("ben_c"), self.ago(days=16))
        s.submit(self.ago(days=15, hours=23))
        s.reply(self.ago(days=15, hours=22))
        s.cancel_by_support(
            self.ago(days=15), "Both sides asked Support to cancel: the brief changed."
        )
        # The buyer asked, the seller agreed.
        s = self.story("django", p("amir.h"), self.ago(days=26))
        s.submit(self.ago(days=25, hours=23))
        s.reply(self.ago(days=25, hours=22))
        request = s.ask_cancellation(
            "buyer",
            self.ago(days=25, hours=6),
            "We found the cause ourselves in the end, a setting on our server. Sorry, and "
            "thanks for looking!",
        )
        s.accept_cancellation(self.ago(days=25, hours=3), request)
        # The seller asked, the buyer agreed: this one counts against the seller.
        s = self.story("wordpress", p("lena.design"), self.ago(days=52))
        s.submit(self.ago(days=51, hours=23))
        s.reply(self.ago(days=51, hours=22))
        request = s.ask_cancellation(
            "seller",
            self.ago(days=51, hours=8),
            "I'm sorry: the site runs on a page builder I don't work with, and I wouldn't "
            "do it well. Let's cancel so you can find the right person.",
        )
        s.accept_cancellation(self.ago(days=51, hours=4), request)
        # Very late, canceled by the buyer alone: it counts against the seller too.
        s = self.story("data", p("maria_k"), self.ago(days=44, hours=2))
        s.submit(self.ago(days=44))
        s.reply(self.ago(days=43, hours=23))
        s.say(
            "seller",
            self.ago(days=42, hours=-2),
            "Sorry {buyer}, I'm behind on this one. You'll have it tomorrow.",
        )
        s.cancel_very_late(
            self.ago(days=40, hours=20), "I had to do it myself in the end; it was due days ago."
        )

    def elsewhere(self):
        """The demo buyer also buys from other sellers."""
        s = self.story("voice", self.buyer, self.ago(days=22), brief_in_message=True)
        s.brief_message(
            self.ago(days=22) + timedelta(minutes=2),
            files=("script.txt",),
        )
        s.submit(self.ago(days=21, hours=23, minutes=50))
        s.reply(self.ago(days=21, hours=22))
        s.deliver(self.ago(days=20, hours=4))
        s.thank(self.ago(days=20))
        s.accept(self.ago(days=20) + timedelta(minutes=1))
        s = self.story("proofreading", self.buyer, self.ago(days=48))
        s.submit(self.ago(days=48) + timedelta(minutes=5))
        s.reply(self.ago(days=47, hours=20))
        s.deliver(self.ago(days=46, hours=6))
        s.accept(self.ago(days=45))

    def tickets(self):
        """The buyer's ticket, answered after a short back-and-forth; the
        seller's, waiting for support."""
        turns = [
            (
                self.buyer,
                self.ago(days=6, hours=3),
                "Can I ask for more than one change in a revision?",
            ),
            (
                self.support,
                self.ago(days=5, hours=21),
                "Yes: put every change in one revision request, and the seller reworks "
                "them together.",
            ),
            (
                self.buyer,
                self.ago(days=5, hours=20),
                "Thanks! And once the revisions included in the order are used up?",
            ),
            (
                self.support,
                self.ago(days=5, hours=18),
                "Then write to the seller in the order's conversation: most are glad to "
                "help. If you can't agree, open a ticket about the order and we'll look "
                "at it with you.",
            ),
        ]
        (_, asked, question), *replies = turns
        ticket = resolution_tickets.ticket_create(
            user=self.buyer, subject="How do revisions work?", body=question, order=None
        )
        ticket.messages.update(created_at=asked)
        for author, when, body in replies:
            message = resolution_tickets.ticket_reply(ticket=ticket, author=author, body=body)
            TicketMessage.objects.filter(pk=message.pk).update(created_at=when)
            Notification.objects.filter(
                recipient=self.buyer,
                kind=NotificationKind.TICKET_ANSWERED,
                key=f"ticket:{ticket.pk}:msg:{message.pk}",
            ).update(created_at=when, read_at=when + timedelta(hours=1))
        SupportTicket.objects.filter(pk=ticket.pk).update(
            created_at=asked, last_message_at=turns[-1][1]
        )
        asked = self.ago(hours=26)
        ticket = resolution_tickets.ticket_create(
            user=self.seller,
            subject="Payout date",
            body="When will the money for my completed orders arrive?",
        )
        ticket.messages.update(created_at=asked)
        SupportTicket.objects.filter(pk=ticket.pk).update(created_at=asked, last_message_at=asked)
        # Like the demo notices: not e-mailed to SUPPORT_EMAIL.
        TicketMessage.objects.filter(support_email_due=True, support_emailed_at=None).update(
            support_emailed_at=F("created_at")
        )


class Story:
    """One order, told step by step at the moments it happened.

    Each step runs through the services now, with the order's history moved
    forward so that its moment is now (``_shift``): the services see the
    clock they would have seen, and everything they write lands at that
    moment once ``end()`` moves the history back. Steps must come in order.
    """

    def __init__(self, job, spec, brief, buyer, placed, *, brief_in_message):
        self.spec = spec
        self.subject, *self.answers = brief
        self.buyer = buyer
        self.seller = job.seller
        self.brief_in_message = brief_in_message
        self.names = {"buyer": buyer.first_name, "seller": self.seller.first_name}
        self.order = services.order_place(job=job, buyer=buyer)
        self.when = placed
        self.offset = timezone.now() - placed  # where the history is: its moment + offset
        # What _shift must move besides the order, its events, messages and
        # notices (each a query or more, on every step).
        self.moves = {"requests": False, "due_changes": False}

    def _at(self, when):
        """Move the history so that ``when`` is now."""
        if when < self.when or when > timezone.now():
            raise ValueError(f"{self.subject}: a step at {when} after {self.when} or in the future")
        offset = timezone.now() - when
        _shift(self.order, offset - self.offset, **self.moves)
        self.offset, self.when = offset, when

    def end(self):
        """Put the history where it happened."""
        _shift(self.order, -self.offset, **self.moves)
        self.offset = timedelta(0)
        self.order.refresh_from_db()
        return self.order

    def _text(self, template):
        return template.format(subject=self.subject, **self.names)

    def _party(self, role):
        return self.buyer if role == "buyer" else self.seller

    def _turn(self, options):
        return options[self.order.pk % len(options)]

    # -- the steps -------------------------------------------------------------

    def say(self, role, when, body, *, kind=MessageKind.MESSAGE, files=()):
        self._at(when)
        message_send(
            order=self.order,
            sender=self._party(role),
            body=self._text(body),
            kind=kind,
            files=[_file(name) for name in files],
        )

    def brief_message(self, when, files=()):
        """The buyer's first message: the brief the requirements point to."""
        lines = [f"{q}\n{a}" for q, a in zip(self.order.questions, self.answers, strict=True)]
        body = "Hi {seller}! Here is the brief, as promised:\n\n" + "\n\n".join(lines)
        self.say(
            "buyer", when, body + "\n\nThe requirements form points to this message.", files=files
        )

    def submit(self, when):
        self._at(when)
        answers = [
            {"question": q, "answer": SEE_FIRST_MESSAGE if self.brief_in_message else a}
            for q, a in zip(self.order.questions, self.answers, strict=True)
        ]
        services.order_submit_requirements(order=self.order, actor=self.buyer, answers=answers)

    def hello(self, when):
        self.say("buyer", when, self._turn(HELLOS))

    def reply(self, when):
        """The seller's first message."""
        self.order.refresh_from_db()
        started = self.order.started_at is not None
        self.say("seller", when, self._turn(REPLIES) if started else REPLY_BEFORE_REQUIREMENTS)

    def progress(self, when):
        self.say(
            "seller",
            when,
            self.spec.update,
            kind=MessageKind.UPDATE,
            files=[self.spec.update_file],
        )

    def thank(self, when):
        self.say("buyer", when, self._turn(THANKS))

    def deliver(self, when, *, again=False):
        self._at(when)
        what = self._text(self.spec.delivery)
        if again:
            body = f"I've made the changes you asked for. {what}"
        else:
            body = f"Here is the finished work. {what}"
        services.order_deliver(
            order=self.order,
            actor=self.seller,
            message=body,
            files=[_file(name) for name in self.spec.delivery_files],
        )

    def revise(self, when):
        """The buyer asks for a revision, and says what to change in the conversation."""
        self._at(when)
        note = self.spec.revision
        services.order_request_revision(order=self.order, actor=self.buyer, message=note)
        self.moves["due_changes"] = True
        message_send(order=self.order, sender=self.buyer, body=note)

    def accept(self, when):
        self._at(when)
        services.order_accept(order=self.order, actor=self.buyer)

    def auto_complete(self, when):
        self._at(when)
        services.order_auto_complete(order=self.order)

    def ask_extension(self, when, *, days, reason):
        self._at(when)
        self.moves["requests"] = True
        return resolution.extension_request_create(
            order=self.order, actor=self.seller, days=days, reason=reason
        )

    def approve_extension(self, when, request):
        self._at(when)
        request.refresh_from_db()
        resolution.extension_request_approve(request=request, actor=self.buyer)
        self.moves["due_changes"] = True

    def ask_cancellation(self, role, when, reason):
        self._at(when)
        self.moves["requests"] = True
        return resolution.cancellation_request_create(
            order=self.order, actor=self._party(role), reason=reason
        )

    def accept_cancellation(self, when, request):
        self._at(when)
        request.refresh_from_db()
        other = self.seller if request.requested_by_id == self.buyer.pk else self.buyer
        resolution.cancellation_request_accept(request=request, actor=other)

    def cancel_by_support(self, when, reason):
        self._at(when)
        support = User.objects.get(username="support")
        services.order_cancel(order=self.order, actor=support, reason=reason)

    def cancel_very_late(self, when, reason):
        self._at(when)
        services.order_cancel_very_late(order=self.order, actor=self.buyer, reason=reason)


# Everything of an order that holds a time, moved together.
ORDER_TIMES = (
    "created_at",
    "started_at",
    "due_at",
    "delivered_at",
    "completed_at",
    "canceled_at",
    "first_delivered_at",
    "seller_first_message_at",
    "seller_read_at",
    "buyer_read_at",
    "due_soon_notified_at",
    "late_notified_at",
    "very_late_notified_at",
    "requirements_reminder_at",
)


def _shift(order, delta, *, requests=True, due_changes=True):
    """Move an order's whole history ``delta`` later (earlier when negative):
    the order's times, events, messages and notices, its requests if it may
    have some, and the dates written into them (a due date change, an
    approved extension's notice) if it may have those."""
    if not delta:
        return
    Order.objects.filter(pk=order.pk).update(**{f: F(f) + delta for f in ORDER_TIMES})
    OrderEvent.objects.filter(order=order).update(created_at=F("created_at") + delta)
    Message.objects.filter(order=order).update(created_at=F("created_at") + delta)
    notices = Notification.objects.filter(order=order)
    if due_changes:
        _shift_written_dates(order, delta)
    notices.update(
        created_at=F("created_at") + delta,
        read_at=F("read_at") + delta,
        emailed_at=F("emailed_at") + delta,
    )
    if requests:
        ExtensionRequest.objects.filter(order=order).update(
            created_at=F("created_at") + delta,
            answered_at=F("answered_at") + delta,
            due_before=F("due_before") + delta,
            due_after=F("due_after") + delta,
        )
        CancellationRequest.objects.filter(order=order).update(
            created_at=F("created_at") + delta, answered_at=F("answered_at") + delta
        )


def _shift_written_dates(order, delta):
    """The dates a due date change wrote into its event, and an approved
    extension into its notice (before the requests themselves move)."""
    for event in OrderEvent.objects.filter(order=order, kind=EventKind.DUE_CHANGED):
        data = {
            **event.data,
            "from": (datetime.fromisoformat(event.data["from"]) + delta).isoformat(),
            "to": (datetime.fromisoformat(event.data["to"]) + delta).isoformat(),
        }
        OrderEvent.objects.filter(pk=event.pk).update(data=data)
    notices = Notification.objects.filter(order=order)
    for request in ExtensionRequest.objects.filter(order=order, state=RequestState.APPROVED):
        for notice in notices.filter(kind=NotificationKind.EXTENSION_ANSWERED).select_related(
            "recipient"
        ):
            before = notice_date(request.due_after, notice.recipient)
            after = notice_date(request.due_after + delta, notice.recipient)
            if before in notice.text:
                Notification.objects.filter(pk=notice.pk).update(
                    text=notice.text.replace(before, after)
                )


def deadline_notices(order, now):
    """Send an active order's deadline notices (due soon, late, very late) as
    the scans would have, each at the moment it fell due (and not before the
    order's last change)."""
    order.refresh_from_db()
    if order.state != State.ACTIVE:
        return
    # The due date in force was set by the last of these.
    since = order.events.filter(
        kind__in=[
            EventKind.REQUIREMENTS_SUBMITTED,
            EventKind.REVISION_REQUESTED,
            EventKind.DUE_CHANGED,
        ]
    ).aggregate(last=Max("created_at"))["last"]
    for notice in ("due_soon", "late", "very_late"):
        moment = CLOCK_READINGS[notice].begins_at(order.due_at)
        moment = max(moment, since) + timedelta(minutes=1)
        if moment <= now and services.order_send_deadline_notice(
            order_id=order.pk, notice=notice, now=moment
        ):
            Notification.objects.filter(order=order, kind=notice).update(created_at=moment)
    order.refresh_from_db()


def requirements_reminders(order, now):
    """Remind a pending order's buyer as the scan would have, each reminder at
    the moment it fell due."""
    order.refresh_from_db()
    while order.state == State.PENDING and order.requirements_reminder_at is not None:
        moment = order.requirements_reminder_at + timedelta(minutes=1)
        if moment > now:
            break
        services.order_send_requirements_reminder(order_id=order.pk, now=moment)
        Notification.objects.filter(
            order=order, kind=NotificationKind.REQUIREMENTS_REMINDER, created_at__gt=moment
        ).update(created_at=moment)
        order.refresh_from_db()


def catch_up_reading(order, now):
    """What each person has read of an order: everything up to their own last
    step on it (they were on its page then), everything that reached them
    more than a day ago (they look in daily), and all of an order that is
    over. What came after stays unread."""
    times = list(order.messages.values_list("sender_id", "created_at"))
    times += list(order.events.values_list("actor_id", "created_at"))
    notices = Notification.objects.filter(order=order).values_list("created_at", flat=True)
    times += [(None, when) for when in notices]
    last = max(when for _, when in times)
    a_day_ago = now - timedelta(days=1)
    for user, field in ((order.seller, "seller_read_at"), (order.buyer, "buyer_read_at")):
        seen = [when for who, when in times if who == user.pk]
        if order.state in (State.COMPLETED, State.CANCELED):
            seen.append(last)
        elif a_day_ago > order.created_at:
            seen.append(min(a_day_ago, last))
        if not seen:
            continue
        Order.objects.filter(pk=order.pk).update(**{field: max(seen)})
        Notification.objects.filter(
            order=order, recipient=user, read_at=None, created_at__lte=max(seen)
        ).update(read_at=max(seen))


# -- files --------------------------------------------------------------------

_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d8a0"
    "e30000000049454e44ae426082"
)
_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _zip(name):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name.replace(".zip", ".txt"), "The finished work.")
    return buffer.getvalue()


def _file(name):
    """A small attachment whose bytes match its name, checked as an upload is."""
    ext = name.rsplit(".", 1)[-1]
    content = {"png": _PNG, "pdf": _PDF}.get(ext) or (
        _zip(name) if ext == "zip" else f"{name}: demo content.\n".encode()
    )
    upload = SimpleUploadedFile(name, content)
    upload.checked_content_type = check_upload(upload)
    return upload
