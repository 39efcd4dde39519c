"""Jobs for Browse's benchmark: titles and descriptions put together from
each category's own words, so a search word matches what it would on a
real catalogue (a few hundred Jobs for "logo", thousands for "website",
none for a word nobody writes), with prices, delivery times, ages and a
share of paused Jobs spread as sellers set them."""

from datetime import timedelta
from decimal import Decimal

from jobs.models import Category

# category: (what is made, for whom or what, how it is described)
WORDS = {
    Category.DESIGN: (
        "logo,business card,brand identity,flyer,poster,book cover,album cover,icon set,"
        "infographic,packaging design,menu,banner,mascot,t-shirt design,letterhead,"
        "landing page mockup,app screens,presentation deck,illustration,sticker set",
        "startup,bakery,coffee shop,law firm,gym,podcast,band,restaurant,clinic,online store,"
        "wedding,charity,real estate agency,barber shop,yoga studio",
        "minimalist,modern,vintage,hand-drawn,flat,bold,elegant,playful,luxury,retro",
    ),
    Category.WRITING: (
        "blog post,product description,press release,newsletter,ebook,resume,cover letter,"
        "website copy,case study,speech,grant proposal,white paper,translation,proofreading,"
        "subtitles,technical manual,short story,about page,sales letter,LinkedIn profile",
        "SaaS company,travel agency,online shop,nonprofit,clinic,university,bakery,hotel,"
        "software team,author,job seeker,museum,restaurant,fintech startup,fashion brand",
        "SEO-friendly,persuasive,concise,friendly,formal,engaging,well-researched,clear,"
        "native-speaker,plain-English",
    ),
    Category.MARKETING: (
        "SEO audit,Google Ads campaign,Facebook ads,Instagram content plan,email campaign,"
        "keyword research,backlink plan,social media calendar,competitor analysis,"
        "influencer outreach,landing page review,TikTok strategy,local SEO setup,"
        "Pinterest boards,analytics dashboard",
        "Shopify store,dentist,restaurant,SaaS product,real estate agent,coach,ecommerce brand,"
        "mobile app,law firm,plumber,online course,hotel,fitness studio",
        "data-driven,monthly,complete,targeted,step-by-step,white-hat,measurable,local,"
        "organic,high-converting",
    ),
    Category.VIDEO: (
        "explainer video,logo animation,YouTube intro,product video,wedding highlight film,"
        "video edit,whiteboard animation,motion graphics,Instagram reels,subtitles,"
        "color grading,3D product render,music video edit,slideshow,trailer",
        "YouTube channel,startup,app launch,real estate listing,course creator,band,brand,"
        "conference,nonprofit,game studio,restaurant,event",
        "cinematic,snappy,animated,professional,2D,3D,short,vertical,fast-paced,clean",
    ),
    Category.PROGRAMMING: (
        "Django app,WordPress site,Shopify theme,React frontend,REST API,Python script,"
        "web scraper,Chrome extension,database migration,bug fix,landing page,"
        "PostgreSQL tuning,Excel macro,mobile app,Discord bot,CI pipeline,unit tests,"
        "website speed fix,payment integration,data dashboard",
        "small business,startup,online store,blog,nonprofit,agency,SaaS,school,clinic,"
        "restaurant,marketplace,research team",
        "fast,secure,responsive,tested,clean,scalable,accessible,documented,reliable,lightweight",
    ),
    Category.MUSIC: (
        "voice-over,podcast edit,mixing and mastering,jingle,background music,audiobook "
        "narration,song lyrics,beat,sound design,audio cleanup,guitar track,vocal tuning,"
        "podcast intro,ringtone,orchestral score",
        "podcast,YouTube video,game,commercial,audiobook,explainer video,band,rapper,"
        "meditation app,film,radio ad,wedding",
        "warm,professional,original,royalty-free,broadcast-quality,cinematic,upbeat,calm,"
        "crisp,studio-quality",
    ),
    Category.BUSINESS: (
        "business plan,financial model,pitch deck,market research,bookkeeping,virtual "
        "assistance,data entry,spreadsheet cleanup,legal template,HR policy,CRM setup,"
        "project plan,customer survey,invoice templates,tax checklist",
        "startup,small business,freelancer,restaurant,nonprofit,consultancy,online shop,"
        "agency,investor meeting,franchise,family business,clinic",
        "clear,investor-ready,detailed,accurate,organized,practical,confidential,"
        "well-structured,professional,quick",
    ),
    Category.OTHER: (
        "travel itinerary,meal plan,workout plan,resume review,language lesson,chess "
        "coaching,gift ideas,tarot reading,genealogy research,study plan,plant care guide,"
        "interior moodboard",
        "beginner,family,student,traveler,athlete,couple,retiree,hobbyist",
        "personal,friendly,detailed,custom,relaxed,practical,thoughtful,quick",
    ),
}
VOCABULARY = {
    category: tuple(part.split(",") for part in parts) for category, parts in WORDS.items()
}
OPENINGS = ("I will create", "I will make", "I will do", "I will deliver", "I will write")
PROMISES = (
    "You get the source files and full commercial rights.",
    "Every order starts with a short call or message to agree the details.",
    "I answer messages within a few hours on working days.",
    "Revisions are included until the result matches the brief.",
    "I have done this for more than {years} years for clients in {count} countries.",
    "Rush delivery is possible: ask before ordering.",
    "Tell me your deadline and I will plan the work around it.",
    "I keep you updated with a progress draft halfway through.",
)
SHARE_PAUSED = 0.05


def catalogue_job(rng, pk, seller, now):
    """One Job row (for ``bench.load._copy``): a category, a title and a
    description from that category's words."""
    category = rng.choice(list(VOCABULARY))
    things, clients, styles = VOCABULARY[category]
    thing, client, style = rng.choice(things), rng.choice(clients), rng.choice(styles)
    other, second = rng.choice(things), rng.choice(styles)
    title = f"{rng.choice(OPENINGS)} a {style} {thing} for your {client}"[:80]
    promises = rng.sample(PROMISES, 2)
    description = " ".join(
        [
            f"A {style}, {second} {thing} made for a {client}, ready to use.",
            f"I can also help with a {other} if you need one alongside.",
            *(p.format(years=rng.randint(2, 15), count=rng.randint(3, 40)) for p in promises),
        ]
    )
    created = now - timedelta(days=rng.uniform(0, 700))
    return {
        "id": pk,
        "seller_id": seller,
        "title": title,
        "category": category.value,
        "description": description,
        "price": Decimal(rng.choice((5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 250, 500))),
        "delivery_days": rng.choice((1, 2, 3, 3, 5, 5, 7, 10, 14, 21, 30)),
        "revisions": rng.randint(0, 3),
        "questions": "What do you need?\nWhen do you need it?",
        "is_paused": rng.random() < SHARE_PAUSED,
        "created_at": created,
        "updated_at": created,
    }
