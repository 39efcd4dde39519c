from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run`: every app's, so it sits above them all."""

    name = "demo"
