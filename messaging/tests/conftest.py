"""Fixtures shared by the messaging tests."""

import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def s3(settings, monkeypatch):
    """The "attachments" storage on S3 (moto's, in memory); yields an S3 client."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="attachments-test")
        settings.STORAGES = {
            **settings.STORAGES,
            "attachments": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "attachments-test",
                    "region_name": "us-east-1",
                    "default_acl": "private",
                    "file_overwrite": False,
                },
            },
        }
        yield boto3.client("s3", region_name="us-east-1")
