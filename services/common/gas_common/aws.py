"""One factory for AWS clients: emulator endpoint when set, region, standard retries."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from gas_common.settings import Settings, get_settings

_lock = threading.Lock()
_clients: dict[tuple[str, str, str], Any] = {}


def client(service: str, settings: Settings | None = None) -> Any:
    """Return a shared boto3 client for `service`, created on first use (never at import)."""
    s = settings or get_settings()
    key = (service, s.aws_region, s.aws_endpoint_url)
    with _lock:
        if key not in _clients:
            _clients[key] = boto3.session.Session().client(
                service,
                region_name=s.aws_region,
                endpoint_url=s.aws_endpoint_url or None,
                config=Config(retries={"mode": "standard", "max_attempts": 5},
                              connect_timeout=5, read_timeout=30,
                              **_signing(service)),
            )
        return _clients[key]


def _signing(service: str) -> dict[str, str]:
    # Without this botocore presigns S3 URLs and POSTs with SigV2, which AWS is retiring.
    return {"signature_version": "s3v4"} if service == "s3" else {}


def reset_clients() -> None:
    """Forget cached clients (tests change settings between runs)."""
    with _lock:
        _clients.clear()
        _accounts.clear()


_accounts: dict[tuple[str, str], str] = {}


def _account_id(settings: Settings) -> str:
    key = (settings.aws_region, settings.aws_endpoint_url)
    if key not in _accounts:
        _accounts[key] = client("sts", settings).get_caller_identity()["Account"]
    return _accounts[key]


def topic_arn(topic_name: str, settings: Settings | None = None) -> str:
    """ARN of a topic by name, from the caller's account (no CreateTopic rights needed)."""
    s = settings or get_settings()
    account = _account_id(s)
    partition = "aws-cn" if s.aws_region.startswith("cn-") else "aws"
    return f"arn:{partition}:sns:{s.aws_region}:{account}:{topic_name}"


# How each AWS service (and the emulator) says "no such thing".
NOT_FOUND_CODES = frozenset({
    "404", "NotFound", "NoSuchKey", "NoSuchBucket", "NotFoundException",
    "ResourceNotFoundException", "VaultNotFound",
})


def error_code(exc: BaseException) -> str:
    """The error code of a botocore ClientError ('' for any other exception)."""
    if not isinstance(exc, ClientError):
        return ""
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_not_found(exc: BaseException) -> bool:
    """True when `exc` says the bucket, key, table, topic, vault or job does not exist."""
    return error_code(exc) in NOT_FOUND_CODES
