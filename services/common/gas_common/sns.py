"""The one SNS HTTP endpoint every service uses: authenticate, validate, hand off.

AWS (and the emulator) POST the SNS envelope as text/plain JSON. A request is
accepted only if it authenticates (signature and/or basic-auth shared secret,
as configured) and comes from the topic configured for that endpoint.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any
from urllib.parse import urlsplit

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Blueprint, Flask, jsonify, request
from prometheus_client import Counter

from gas_common import aws, messages
from gas_common.service import current_settings
from gas_common.settings import Settings

log = logging.getLogger(__name__)

SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
MAX_BODY = 256 * 1024  # SNS messages are at most 256 KB

# The fields each message type signs, in order (AWS "verify message signatures").
SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ),
    "UnsubscribeConfirmation": (
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ),
}

SNS_REQUESTS = Counter(
    "gas_sns_requests_total", "SNS endpoint requests by outcome", ["endpoint", "outcome"]
)


class Refused(Exception):
    """A request the endpoint will not act on; carries the HTTP status."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --- authentication ----------------------------------------------------------------------


def is_sns_host(url: str, settings: Settings) -> bool:
    """True for an https URL on an AWS SNS host, or any URL on the configured emulator."""
    parts = urlsplit(url)
    if parts.scheme == "https" and SNS_HOST.match(parts.hostname or ""):
        return True
    emulator = urlsplit(settings.aws_endpoint_url) if settings.aws_endpoint_url else None
    return bool(emulator and (parts.hostname, parts.port) == (emulator.hostname, emulator.port))


class CertificateCache:
    """Fetch and keep SNS signing certificates by URL (bounded, thread-safe)."""

    def __init__(self, size: int = 64):
        self._size = size
        self._certs: OrderedDict[str, x509.Certificate] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str, settings: Settings) -> x509.Certificate:
        with self._lock:
            if url in self._certs:
                self._certs.move_to_end(url)
                return self._certs[url]
        cert = x509.load_pem_x509_certificate(self._fetch(url, settings))
        with self._lock:
            self._certs[url] = cert
            while len(self._certs) > self._size:
                self._certs.popitem(last=False)
        return cert

    @staticmethod
    def _fetch(url: str, settings: Settings) -> bytes:
        headers: dict[str, str] = {}
        if settings.aws_endpoint_url:
            # The emulator serves the certificates its messages name at AWS hosts itself,
            # and routes the request by a SigV4-style Authorization header.
            path = urlsplit(url).path
            url = settings.aws_endpoint_url.rstrip("/") + path
            aws_request = AWSRequest(method="GET", url=url)
            SigV4Auth(Credentials("gas", "gas"), "sns", settings.aws_region).add_auth(
                aws_request
            )
            headers = dict(aws_request.headers)
        response = requests.get(url, headers=headers, timeout=5)
        response.raise_for_status()
        return response.content


_certificates = CertificateCache()


def string_to_sign(envelope: dict[str, Any]) -> bytes:
    """The canonical text SNS signs for this envelope."""
    fields = SIGNED_FIELDS.get(envelope.get("Type", ""))
    if fields is None:
        raise Refused(400, "unknown SNS message type")
    text = ""
    for name in fields:
        if name in envelope and envelope[name] is not None:
            text += f"{name}\n{envelope[name]}\n"
    return text.encode("utf-8")


def verify_signature(envelope: dict[str, Any], settings: Settings) -> None:
    """Raise Refused(403) unless the envelope carries a valid SNS signature."""
    version = str(envelope.get("SignatureVersion", ""))
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}.get(version)  # noqa: S303
    if algorithm is None:
        raise Refused(403, "unsupported or missing SignatureVersion")
    cert_url = str(envelope.get("SigningCertURL") or envelope.get("SigningCertUrl") or "")
    if not cert_url or not is_sns_host(cert_url, settings) or not cert_url.endswith(".pem"):
        raise Refused(403, "signing certificate URL is not on an SNS host")
    try:
        signature = base64.b64decode(envelope.get("Signature", ""), validate=True)
        cert = _certificates.get(cert_url, settings)
    except (binascii.Error, ValueError):
        raise Refused(403, "signature is not valid base64") from None
    except requests.RequestException as exc:
        raise Refused(403, f"signing certificate could not be fetched: {exc}") from None
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise Refused(403, "signing certificate has no RSA key")
    try:
        key.verify(signature, string_to_sign(envelope), padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        raise Refused(403, "SNS signature does not verify") from None


def check_basic_auth(settings: Settings) -> None:
    """Raise Refused(403) unless the request carries the shared secret as basic auth."""
    auth = request.authorization
    ok = (
        auth is not None
        and auth.type == "basic"
        and hmac.compare_digest((auth.username or "").encode(), settings.sns_username.encode())
        and hmac.compare_digest(
            (auth.password or "").encode(), settings.sns_shared_secret.encode()
        )
    )
    if not ok:
        raise Refused(403, "missing or wrong SNS shared secret")


def check_length() -> None:
    """Refuse a body SNS could not have sent, before reading it (Content-Length only)."""
    length = request.content_length
    if length is None and request.headers.get("Transfer-Encoding"):
        raise Refused(411, "Content-Length is required")  # SNS never sends chunked bodies
    if (length or 0) > MAX_BODY:
        raise Refused(413, "body larger than an SNS message can be")


# Envelope fields GAS reads; each must be a string when present (SNS sends nothing else).
TEXT_FIELDS = (
    "Type", "Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Token",
    "SubscribeURL", "Signature", "SignatureVersion", "SigningCertURL", "SigningCertUrl",
)


def read_envelope() -> dict[str, Any]:
    """Parse the raw body (SNS sends text/plain) as an SNS envelope, or Refused(400)."""
    raw = request.stream.read(MAX_BODY + 1)
    if not raw:
        raise Refused(400, "empty body: expected an SNS message")
    if len(raw) > MAX_BODY:
        raise Refused(413, "body larger than an SNS message can be")
    try:
        envelope = json.loads(raw)
    except (ValueError, RecursionError):
        raise Refused(400, "body is not JSON: expected an SNS message") from None
    if not isinstance(envelope, dict):
        raise Refused(400, "body is not an SNS message (not a JSON object)")
    wrong = [name for name in TEXT_FIELDS if not isinstance(envelope.get(name, ""), str)]
    if wrong:
        raise Refused(400, f"body is not an SNS message ({wrong[0]} is not a string)")
    if envelope.get("Type") not in SIGNED_FIELDS:
        raise Refused(400, "body is not an SNS message (no known Type)")
    return envelope


def check_timestamp(envelope: dict[str, Any], settings: Settings) -> None:
    """Refuse a replayed message: its Timestamp must be within the configured age."""
    text = envelope.get("Timestamp", "")
    try:
        sent = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Refused(400, "Timestamp is missing or not an ISO 8601 time") from None
    if sent.tzinfo is None:
        raise Refused(400, "Timestamp has no time zone")
    age = (dt.datetime.now(dt.UTC) - sent).total_seconds()
    if abs(age) > settings.sns_max_age_seconds:
        raise Refused(403, f"Timestamp is {int(age)} s from now (allowed ±"
                      f"{settings.sns_max_age_seconds} s)")


def authenticate(envelope: dict[str, Any], topic_name: str, settings: Settings) -> None:
    """Apply every configured check after the body is read; the first failure raises."""
    if settings.sns_verify_signature:
        verify_signature(envelope, settings)
    check_timestamp(envelope, settings)
    expected = aws.topic_arn(topic_name, settings)
    if envelope.get("TopicArn") != expected:
        raise Refused(403, "message is not from the topic this endpoint serves")


# --- the endpoint ------------------------------------------------------------------------


Handler = Callable[[Any], None]


def add_endpoint(
    target: Flask | Blueprint,
    path: str,
    topic_setting: str,
    handler: Handler,
    acts_on: AbstractSet[str] | None = None,
    raw: bool = False,
) -> None:
    """Register POST `path` receiving SNS deliveries from the topic named by `topic_setting`.

    The handler gets a validated message (or, with raw=True, the decoded `Message`
    of an AWS-generated notice). It must return quickly: work goes to a worker.
    Types not in `acts_on` are acknowledged and ignored.
    """
    endpoint_name = "sns_" + path.strip("/").replace("/", "_").replace("-", "_")

    def view() -> Any:
        settings = current_settings()
        try:
            check_length()
            if settings.sns_basic_auth:
                check_basic_auth(settings)
            envelope = read_envelope()
            authenticate(envelope, getattr(settings, topic_setting), settings)
            outcome = _dispatch(envelope, handler, acts_on, raw, settings)
        except Refused as exc:
            SNS_REQUESTS.labels(path, str(exc.status)).inc()
            log.warning("refused SNS delivery to %s: %s", path, exc.reason)
            return jsonify(error=exc.reason), exc.status
        SNS_REQUESTS.labels(path, outcome).inc()
        return jsonify(status=outcome), 200

    target.add_url_rule(path, endpoint_name, view, methods=["POST"])


def _dispatch(
    envelope: dict[str, Any],
    handler: Handler,
    acts_on: AbstractSet[str] | None,
    raw: bool,
    settings: Settings,
) -> str:
    kind = envelope["Type"]
    if kind == "SubscriptionConfirmation":
        return _confirm(envelope, settings)
    if kind == "UnsubscribeConfirmation":
        log.warning("unsubscribed from %s", envelope.get("TopicArn"))
        return "unsubscribed"
    body = envelope.get("Message", "")
    if raw:
        handler(_decode_notice(body))
        return "accepted"
    try:
        message = messages.parse(body)
    except messages.MessageError as exc:
        raise Refused(400, str(exc)) from None
    if acts_on is not None and message.type not in acts_on:
        return "ignored"
    handler(message)
    return "accepted"


def _decode_notice(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise Refused(400, "notice body is not JSON") from None


def _confirm(envelope: dict[str, Any], settings: Settings) -> str:
    url = str(envelope.get("SubscribeURL", ""))
    if not is_sns_host(url, settings):
        raise Refused(403, "SubscribeURL is not on an SNS host")
    requests.get(url, timeout=10).raise_for_status()
    log.info("confirmed subscription to %s", envelope.get("TopicArn"))
    return "confirmed"
