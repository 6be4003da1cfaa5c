"""Fixtures for the web service's unit tests: in-process moto and a Flask test client."""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gas_common import aws
from gas_common.jobstates import COMPLETED
from gas_common.settings import Settings, get_settings
from gas_common.stores import JobStore, UserStore, now
from gas_tools.provision import provision
from gas_web import create_app, globus
from moto import mock_aws

VCF = (b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
       b"1\t100\t.\tA\tG\t.\t.\t.\n")



@pytest.fixture(scope="module")
def moto_settings() -> Iterator[Settings]:
    """In-process moto with every GAS resource, once per test module (fast tests).

    Not package scope: tests/unit/web is no package, so that would outlive this folder and
    leave the mock active under other folders' tests.
    """
    saved = {k: v for k, v in os.environ.items() if k.startswith("GAS_")}
    for key in saved:
        del os.environ[key]
    os.environ["GAS_ENV"] = "local"
    get_settings.cache_clear()
    aws.reset_clients()
    try:
        with mock_aws():
            settings = get_settings().model_copy(
                update={"secret_key": "unit-test-secret-key-not-real"})
            provision(settings, echo=lambda line: None)
            # In-process SNS would POST to services that are not running here.
            sns = aws.client("sns", settings)
            for sub in sns.list_subscriptions()["Subscriptions"]:
                sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
            yield settings
    finally:
        os.environ.pop("GAS_ENV", None)
        os.environ.update(saved)
        get_settings.cache_clear()
        aws.reset_clients()


@pytest.fixture
def web_overrides() -> dict[str, Any]:
    """Settings the app under test differs in (a test overrides this fixture)."""
    return {}


@pytest.fixture
def app(moto_settings, web_overrides) -> Iterator:
    """The web app on emptied tables and buckets."""
    settings = moto_settings.model_copy(update=web_overrides)
    _empty(settings)
    globus.forget_cache()
    aws.reset_clients()  # fresh clients, and with them fresh per-thread tables
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app


def _empty(settings: Settings) -> None:
    for store in (JobStore(settings), UserStore(settings)):
        table = store.table
        with table.batch_writer() as batch:
            for item in table.scan(ProjectionExpression=store.hash_key)["Items"]:
                batch.delete_item(Key=item)
    s3 = aws.client("s3", settings)
    for bucket in (settings.inputs_bucket, settings.results_bucket):
        for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])


@pytest.fixture
def client(app) -> Any:
    return app.test_client()


@pytest.fixture
def settings(app) -> Any:
    return app.extensions["gas"].settings


def csrf_of(client: Any, path: str = "/") -> str:
    """The CSRF token the pages carry (in the meta tag)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Auth:
    """Sign users in and out through the real local sign-in form."""

    def __init__(self, client: Any, settings: Settings):
        self.client = client
        self.settings = settings

    def login(self, email: str = "ada@example.org", name: str = "Ada Lovelace",
              institution: str = "Analytical Engines") -> str:
        token = csrf_of(self.client, "/auth/login")
        self.client.post("/auth/local", data={"name": name, "email": email, "csrf_token": token})
        from gas_web.auth import local_user_id

        user_id = local_user_id(email)
        if institution:
            UserStore(self.settings).update(user_id, set={"institution": institution})
        return user_id

    def logout(self) -> None:
        token = csrf_of(self.client)
        self.client.post("/auth/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client, settings) -> Auth:
    return Auth(client, settings)


def put_input(settings: Any, user_id: str, body: bytes = VCF, name: str = "sample.vcf") -> str:
    """An uploaded input as the browser would leave it in S3; returns its key."""
    key = f"{settings.key_prefix}{user_id}/{uuid.uuid4()}~{name}"
    aws.client("s3", settings).put_object(Bucket=settings.inputs_bucket, Key=key, Body=body)
    return key


SUMMARY = {
    "total": 10, "known_ids": 4, "known_id_rate": 0.4,
    "by_chromosome": {"1": 6, "X": 4}, "by_region": {"intron": 7, "CDS": 3},
    "by_class": {"SNV": 9, "deletion": 1}, "ti": 6, "tv": 3, "ti_tv": 2.0,
    "unannotated": 0, "reference": "test",
}


def completed_job(settings: Any, user_id: str, **extra: Any) -> dict[str, Any]:
    """A COMPLETED job with results, log and summary in the results bucket."""
    job_id = str(uuid.uuid4())
    base = f"{settings.key_prefix}{user_id}/{job_id}~sample"
    s3 = aws.client("s3", settings)
    s3.put_object(Bucket=settings.inputs_bucket, Key=f"{base}.vcf", Body=VCF)
    s3.put_object(Bucket=settings.results_bucket, Key=f"{base}.annot.vcf", Body=VCF)
    s3.put_object(Bucket=settings.results_bucket, Key=f"{base}.vcf.count.log",
                  Body=b"variants: 1\nannotated: 1\n")
    job = {
        "job_id": job_id, "user_id": user_id, "input_file_name": "sample.vcf",
        "s3_inputs_bucket": settings.inputs_bucket, "s3_key_input_file": f"{base}.vcf",
        "submit_time": now() - 60, "job_status": COMPLETED, "complete_time": now(),
        "s3_results_bucket": settings.results_bucket,
        "s3_key_result_file": f"{base}.annot.vcf", "s3_key_log_file": f"{base}.vcf.count.log",
        "summary": SUMMARY, **extra,
    }
    JobStore(settings).create(job)
    return job


@pytest.fixture
def topic_queue(settings) -> Iterator:
    """subscribe(topic_setting) -> a function returning the messages published since."""
    sqs, sns = aws.client("sqs", settings), aws.client("sns", settings)
    made: list[str] = []

    def subscribe(topic_setting: str) -> Any:
        url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        made.append(sns.subscribe(
            TopicArn=aws.topic_arn(getattr(settings, topic_setting), settings),
            Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True,
            Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"])

        def received() -> list[dict[str, Any]]:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            return [json.loads(m["Body"]) for m in got]

        return received

    yield subscribe
    for arn in made:
        sns.unsubscribe(SubscriptionArn=arn)


def crafted(value: object) -> str:
    """A cursor as an attacker would make one: base64 of any JSON."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


CRAFTED_CURSORS = [
    "garbage", "%%%", "é", "A" * 5000, crafted([1, 2]), crafted({}), crafted({"job_id": "j1"}),
    crafted({"job_id": ["x"], "user_id": "u", "submit_time": 1}),
    crafted({"job_id": "j1", "user_id": "u", "submit_time": "soon"}),
    crafted({"job_id": "j1", "user_id": "u", "submit_time": 1.5}),
    crafted({"job_id": "j1", "user_id": "u", "submit_time": True}),
    crafted({"job_id": "j1", "user_id": "someone-else", "submit_time": 1}),
    crafted({"job_id": "j1", "user_id": "u", "submit_time": 1, "extra": 2}),
    "[" * 3000,
    crafted(None),
]


ANNOTATED = Path(__file__).parents[2] / "data" / "explorer" / "annotated.vcf"


def explorer_job(settings: Any, user_id: str, tmp_path: Path, vcf: Path = ANNOTATED,
                 **extra: Any) -> dict[str, Any]:
    """A COMPLETED job whose results include the tables the annotator makes from `vcf`."""
    from gas_annotator.tables import write_tables

    tables = write_tables(vcf, tmp_path, "sample")
    job = completed_job(settings, user_id, **extra)
    stem = job["s3_key_result_file"].removesuffix(".annot.vcf")
    s3 = aws.client("s3", settings)
    s3.put_object(Bucket=settings.results_bucket, Key=job["s3_key_result_file"],
                  Body=vcf.read_bytes())
    keys = {"s3_key_variants_file": f"{stem}.variants.parquet",
            "s3_key_genes_file": f"{stem}.genes.parquet"}
    for name, path in (("s3_key_variants_file", tables.variants_path),
                       ("s3_key_genes_file", tables.genes_path)):
        s3.put_object(Bucket=settings.results_bucket, Key=keys[name], Body=path.read_bytes())
    JobStore(settings).update(job["job_id"], set=keys)
    return {**job, **keys}
