from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import redirect, render

from jobs.models import Category
from sales.review_selectors import seller_rating_breakdown, seller_reviews

from . import selectors


def browse(request):
    """Home: the live Jobs buyers can order, searched, filtered and sorted."""
    query = selectors.BrowseQuery.from_params(request.GET)
    # The form sends every field, empty or default ones too: answer with
    # the address that holds only what says something, which is also what
    # the page's own links use, so one view has one address.
    cursor = {k: v for k, v in (("after", query.after), ("before", query.before)) if v}
    canonical = query.params() | cursor
    if request.GET and {k: request.GET.getlist(k) for k in request.GET} != {
        k: [v] for k, v in canonical.items()
    }:
        return redirect(f"{request.path}?{urlencode(canonical)}" if canonical else request.path)
    page = selectors.browse_page(query, request.user)
    categories = [(value, label, query.url(category=value)) for value, label in Category.choices]
    return render(
        request,
        "storefront/browse.html",
        {
            "query": query,
            "page": page,
            "categories": categories,
            "all_categories_url": query.url(category=""),
        },
    )


def job(request, pk):
    job = selectors.job_for_page(pk)
    if job is None:
        raise Http404("No such Job.")
    is_owner = request.user.is_authenticated and job.seller_id == request.user.pk
    if job.is_paused and not is_owner:
        return render(request, "storefront/job_paused.html", {"job": job}, status=404)
    return render(
        request,
        "storefront/job.html",
        {"job": job, "is_owner": is_owner, **_reputation(request, job.seller)},
    )


def _reputation(request, seller):
    """The seller's rating by stars and a page of the reviews behind it."""
    if not seller.rating_count:
        return {}
    return {
        "breakdown": [
            (stars, n, round(100 * n / seller.rating_count))
            for stars, n in seller_rating_breakdown(seller).items()
        ],
        "reviews": seller_reviews(seller, page=request.GET.get("page")),
    }


def seller(request, username):
    seller = selectors.seller_for_profile(username)
    if seller is None:
        raise Http404("No such seller.")
    return render(
        request,
        "storefront/seller.html",
        {
            "seller": seller,
            "jobs": selectors.seller_live_jobs(seller),
            "facts": selectors.seller_facts(seller),
            "is_self": request.user.is_authenticated and request.user.pk == seller.pk,
            **_reputation(request, seller),
        },
    )
