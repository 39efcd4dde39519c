"""What the tests of every app share, in one place: model factories
(``factories``), threads started at once (``racing``), real Redis servers,
Celery workers and Procfile processes (``processes``), files to upload
(``uploads``), pages as tests reach and read them (``pages``), small steps on
an order (``orders``), and migrations and query plans (``db``).

Pytest fixtures live in the ``conftest.py`` files and use these; a test file
imports a helper by name instead of keeping a copy of it."""
