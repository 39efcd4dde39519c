"""Fixtures for the Jobs tests."""

# The attachments' storage on moto's in-memory S3: Job images share it.
from messaging.tests.conftest import s3  # noqa: F401
