"""Reviews written the way the order page writes them, for the tests of
every app that shows them."""

from sales import review_services


def review_as_buyer(order, stars=4, **details):
    """The buyer's review of a completed order; details default to a
    satisfied buyer's."""
    return review_services.review_leave(
        order=order,
        actor=order.buyer,
        stars=stars,
        communication=details.pop("communication", 5),
        as_described=details.pop("as_described", 4),
        would_recommend=details.pop("would_recommend", True),
        text=details.pop("text", "Great work."),
        **details,
    )


def review_as_seller(order, stars=5, **details):
    """The seller's review of the buyer."""
    return review_services.review_leave(
        order=order,
        actor=order.seller,
        stars=stars,
        text=details.pop("text", "A pleasure."),
        **details,
    )
