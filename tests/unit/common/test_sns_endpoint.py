"""The SNS endpoint: signatures (v1, v2) made the way AWS makes them, basic auth, topics."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from typing import Any

import pytest
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from gas_common import aws, sns
from gas_common.app import create_service_app
from gas_common.messages import JobRequested, dumps
from gas_common.service import EXTENSION, Service
from gas_common.settings import Settings

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:gas-job-requests"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"


def make_cert(common_name: str = "sns.amazonaws.com") -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


KEY, CERT_PEM = make_cert()
OTHER_KEY, _ = make_cert()


def signed(envelope: dict[str, Any], version: str = "2", key: rsa.RSAPrivateKey = KEY) -> dict:
    """Sign an envelope exactly as SNS does (canonical field list, SHA1 or SHA256)."""
    envelope = {"SignatureVersion": version, "SigningCertURL": CERT_URL, **envelope}
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303
    signature = key.sign(sns.string_to_sign(envelope), padding.PKCS1v15(), algorithm)
    envelope["Signature"] = base64.b64encode(signature).decode()
    return envelope


def now_iso(offset_seconds: float = 0) -> str:
    """An SNS-style Timestamp, `offset_seconds` from now."""
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset_seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def notification(message: str, topic: str = TOPIC) -> dict[str, Any]:
    return {
        "Type": "Notification", "MessageId": "m-1", "TopicArn": topic, "Message": message,
        "Timestamp": now_iso(),
    }


JOB = JobRequested(job_id="j1", user_id="u1", input_file_name="a.vcf",
                   s3_inputs_bucket="gas-inputs", s3_key_input_file="u1/j1~a.vcf",
                   submit_time=1)


@pytest.fixture
def endpoint(local_settings, monkeypatch):
    """A minimal app with one SNS endpoint; returns (client, received messages, settings)."""
    monkeypatch.setattr(aws, "_account_id", lambda settings: ACCOUNT)
    monkeypatch.setenv("GAS_SNS_SHARED_SECRET", "s3cret-for-tests")
    from gas_common.settings import get_settings

    get_settings.cache_clear()
    received: list[Any] = []
    app = create_service_app(Service(get_settings()), [])
    sns.add_endpoint(app, "/sns/job-requests", "job_requests_topic", received.append,
                     acts_on={"job.requested"})
    sns._certificates = sns.CertificateCache()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.get(CERT_URL, body=CERT_PEM)
        yield app.test_client(), received, get_settings(), mocked


def post(client, body: Any, auth: tuple[str, str] | None = ("gas", "s3cret-for-tests")):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    headers = {"Content-Type": "text/plain; charset=UTF-8"}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    return client.post("/sns/job-requests", data=data, headers=headers)


@pytest.mark.parametrize("version", ["1", "2"])
def test_valid_signed_message_is_accepted(endpoint, version):
    client, received, _, _ = endpoint
    response = post(client, signed(notification(dumps(JOB)), version))
    assert response.status_code == 200, response.json
    assert response.json == {"status": "accepted"}
    assert [m.job_id for m in received] == ["j1"]


def test_tampered_body_is_refused(endpoint):
    client, received, _, _ = endpoint
    envelope = signed(notification(dumps(JOB)))
    envelope["Message"] = envelope["Message"].replace("j1", "j2")
    response = post(client, envelope)
    assert response.status_code == 403
    assert "signature" in response.json["error"]
    assert received == []


def test_signature_by_another_key_is_refused(endpoint):
    client, received, _, _ = endpoint
    assert post(client, signed(notification(dumps(JOB)), key=OTHER_KEY)).status_code == 403
    assert received == []


@pytest.mark.parametrize("url", [
    "https://evil.example.com/SimpleNotificationService-test.pem",
    "https://sns.us-east-1.amazonaws.com.evil.com/x.pem",
    "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem",
])
def test_certificate_not_on_an_sns_host_is_refused(endpoint, url):
    client, received, _, mocked = endpoint
    mocked.get(url, body=CERT_PEM)
    envelope = notification(dumps(JOB))
    envelope["SigningCertURL"] = url
    envelope = signed(envelope)
    response = post(client, envelope)
    assert response.status_code == 403
    assert "certificate" in response.json["error"]
    assert received == []
    assert not any(call.request.url == url for call in mocked.calls)


def test_wrong_topic_is_refused(endpoint):
    client, received, _, _ = endpoint
    other = TOPIC.replace("gas-job-requests", "gas-job-results")
    response = post(client, signed(notification(dumps(JOB), topic=other)))
    assert response.status_code == 403
    assert "topic" in response.json["error"]
    assert received == []


@pytest.mark.parametrize("auth", [None, ("gas", "wrong"), ("other", "s3cret-for-tests")])
def test_missing_or_wrong_shared_secret_is_refused(endpoint, auth):
    client, received, _, _ = endpoint
    response = post(client, signed(notification(dumps(JOB))), auth=auth)
    assert response.status_code == 403
    assert received == []


def deeply_nested(depth: int = 100_000) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("body, reason", [
    ("", "empty body"),
    ("not json at all", "not JSON"),
    ("[1, 2]", "not an SNS message"),
    ('{"Type": "Gossip"}', "not an SNS message"),
    (deeply_nested(), "not JSON"),
    ('{"Type": "Notification", "Message": ' + deeply_nested() + "}", "not JSON"),
    ('{"Type": ["Notification"]}', "Type is not a string"),
    ('{"Type": {"a": 1}}', "Type is not a string"),
    ('{"Type": 7}', "Type is not a string"),
    ('{"Type": null}', "Type is not a string"),
])
def test_garbage_is_a_400_with_one_line_of_reason(endpoint, body, reason):
    client, received, _, _ = endpoint
    response = post(client, body)
    assert response.status_code == 400, response.data[:200]
    assert reason in response.json["error"] and "\n" not in response.json["error"]
    assert received == []


def test_unsigned_message_is_refused(endpoint):
    client, received, _, _ = endpoint
    assert post(client, notification(dumps(JOB))).status_code == 403
    assert received == []


def test_invalid_gas_message_is_refused_with_the_field(endpoint):
    client, received, _, _ = endpoint
    bad = json.loads(dumps(JOB))
    del bad["s3_key_input_file"]
    response = post(client, signed(notification(json.dumps(bad))))
    assert response.status_code == 400
    assert "s3_key_input_file" in response.json["error"]
    assert received == []


def test_other_message_types_are_acknowledged_and_ignored(endpoint):
    client, received, _, _ = endpoint
    body = json.dumps({"type": "thaw.requested", "version": 1, "user_id": "u1"})
    response = post(client, signed(notification(body)))
    assert response.json == {"status": "ignored"}
    assert received == []


def test_subscription_confirmation_visits_the_subscribe_url(endpoint):
    client, _, _, mocked = endpoint
    url = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t"
    mocked.get(url, body="<ok/>")
    envelope = signed({
        "Type": "SubscriptionConfirmation", "MessageId": "c-1", "Token": "t",
        "TopicArn": TOPIC, "Message": "confirm", "SubscribeURL": url,
        "Timestamp": now_iso(),
    })
    response = post(client, envelope)
    assert response.json == {"status": "confirmed"}
    assert any(call.request.url == url for call in mocked.calls)


def test_subscription_confirmation_to_a_foreign_host_is_refused(endpoint):
    client, _, _, mocked = endpoint
    url = "https://attacker.example.com/confirm"
    mocked.get(url, body="ok")
    envelope = signed({
        "Type": "SubscriptionConfirmation", "MessageId": "c-2", "Token": "t",
        "TopicArn": TOPIC, "Message": "confirm", "SubscribeURL": url,
        "Timestamp": now_iso(),
    })
    assert post(client, envelope).status_code == 403
    assert not any(call.request.url == url for call in mocked.calls)


def test_certificates_are_cached(endpoint):
    client, received, _, mocked = endpoint
    for _ in range(3):
        assert post(client, signed(notification(dumps(JOB)))).status_code == 200
    assert sum(call.request.url == CERT_URL for call in mocked.calls) == 1
    assert len(received) == 3


def test_emulator_host_is_an_sns_host_only_when_configured():
    emulated = Settings(aws_endpoint_url="http://127.0.0.1:4566")
    assert sns.is_sns_host("http://127.0.0.1:4566/x.pem", emulated)
    assert not sns.is_sns_host("http://127.0.0.1:4566/x.pem", Settings())
    assert not sns.is_sns_host("http://127.0.0.1:9999/x.pem", emulated)




@pytest.mark.parametrize("field, value", [
    ("Signature", 12345), ("Signature", ["a"]), ("SigningCertURL", 1),
    ("SignatureVersion", 2), ("Message", {"type": "job.requested"}), ("Timestamp", 0),
])
def test_a_field_of_the_wrong_type_is_a_400(endpoint, field, value):
    client, received, _, _ = endpoint
    envelope = signed(notification(dumps(JOB)))
    envelope[field] = value
    response = post(client, envelope)
    assert response.status_code == 400, response.data[:200]
    assert f"{field} is not a string" in response.json["error"]
    assert received == []


def test_deeply_nested_message_inside_a_valid_envelope_is_a_400(endpoint):
    client, received, _, _ = endpoint
    response = post(client, signed(notification(deeply_nested(50_000))))
    assert response.status_code == 400
    assert "not JSON" in response.json["error"]
    assert received == []


class Unreadable(io.BytesIO):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


def test_body_is_not_read_before_basic_auth(endpoint):
    """An unauthenticated request is refused on its headers: the body is never read."""
    client, received, _, _ = endpoint

    response = client.post("/sns/job-requests", input_stream=Unreadable(b"x" * 100),
                           headers={"Content-Type": "text/plain", "Content-Length": "100"})
    assert response.status_code == 403
    assert received == []


def test_oversized_content_length_is_refused_before_reading(endpoint):
    client, received, _, _ = endpoint

    auth = "Basic " + base64.b64encode(b"gas:s3cret-for-tests").decode()
    response = client.post("/sns/job-requests", input_stream=Unreadable(b"x" * 100), headers={
        "Content-Type": "text/plain", "Authorization": auth},
        environ_overrides={"CONTENT_LENGTH": str(10 * 1024 * 1024)})
    assert response.status_code == 413
    assert received == []


def test_a_chunked_body_without_content_length_is_refused(endpoint):
    client, received, _, _ = endpoint
    auth = "Basic " + base64.b64encode(b"gas:s3cret-for-tests").decode()
    response = client.post("/sns/job-requests", input_stream=io.BytesIO(b"{}"), headers={
        "Content-Type": "text/plain", "Transfer-Encoding": "chunked", "Authorization": auth})
    assert response.status_code == 411
    assert received == []


@pytest.mark.parametrize("offset", [-3601, -86400 * 30, 3601])
def test_a_timestamp_outside_the_window_is_refused(endpoint, offset):
    client, received, _, _ = endpoint
    envelope = notification(dumps(JOB))
    envelope["Timestamp"] = now_iso(offset)
    response = post(client, signed(envelope))
    assert response.status_code == 403
    assert "Timestamp" in response.json["error"]
    assert received == []


def test_a_timestamp_inside_the_window_is_accepted(endpoint):
    client, received, _, _ = endpoint
    envelope = notification(dumps(JOB))
    envelope["Timestamp"] = now_iso(-3500)
    assert post(client, signed(envelope)).status_code == 200
    assert len(received) == 1


def test_the_age_limit_is_a_setting(endpoint):
    client, received, settings, _ = endpoint
    service = client.application.extensions[EXTENSION]
    service.settings = settings.model_copy(update={"sns_max_age_seconds": 60})
    envelope = notification(dumps(JOB))
    envelope["Timestamp"] = now_iso(-120)
    assert post(client, signed(envelope)).status_code == 403
    assert received == []


@pytest.mark.parametrize("stamp", ["", "yesterday", "2026-11-30T10:00:00"])
def test_an_unreadable_timestamp_is_a_400(endpoint, stamp):
    client, received, _, _ = endpoint
    envelope = notification(dumps(JOB))
    envelope["Timestamp"] = stamp
    response = post(client, signed(envelope))
    assert response.status_code == 400
    assert "Timestamp" in response.json["error"]
