"""AWS clients: S3 presigns with SigV4 against real AWS and the emulator alike."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from gas_common import aws
from gas_common.settings import Settings


@pytest.fixture(autouse=True)
def fresh_clients():
    aws.reset_clients()
    yield
    aws.reset_clients()


@pytest.mark.parametrize("endpoint", ["", "http://127.0.0.1:4566"])
def test_presigned_urls_use_sigv4(endpoint):
    s3 = aws.client("s3", Settings(aws_endpoint_url=endpoint))
    assert s3.meta.config.signature_version == "s3v4"
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "u/k"},
                                    ExpiresIn=300)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    assert "AWSAccessKeyId" not in query and "Signature" not in query


@pytest.mark.parametrize("endpoint", ["", "http://127.0.0.1:4566"])
def test_presigned_posts_use_sigv4(endpoint):
    post = aws.client("s3", Settings(aws_endpoint_url=endpoint)).generate_presigned_post(
        "b", "u/k", ExpiresIn=300)
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert "signature" not in post["fields"] and "AWSAccessKeyId" not in post["fields"]


def test_other_services_keep_their_own_signing():
    # "s3v4" names S3's variant only; SNS keeps botocore's own choice (plain v4).
    assert aws.client("sns", Settings()).meta.config.signature_version == "v4"
