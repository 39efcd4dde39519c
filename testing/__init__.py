"""What the tests of every app share, in one place: model factories
(``factories``), threads started at once (``racing``), real Redis servers and
Celery workers (``processes``), files to upload (``uploads``), and small
readings of a response or the database. Pytest fixtures live in the
``conftest.py`` files; the plain functions and classes they use live here,
so a test file imports them by name instead of keeping a copy."""
