"""The order number in URLs: letters and digits, at most 16 (Order.number).

Anything else is a 404 from the URL resolver before a view runs, so no
query ever sees it (PostgreSQL refuses a NUL byte in a text value with an
error, which would otherwise be a 500 for `/orders/%00/`).
"""

from django.urls import register_converter


class OrderNumberConverter:
    regex = "[0-9A-Za-z]{1,16}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(OrderNumberConverter, "order_number")
