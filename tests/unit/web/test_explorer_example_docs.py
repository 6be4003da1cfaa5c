"""The example-data button and the API page."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from gas_common import aws
from gas_common.jobstates import PENDING
from gas_common.stores import JobStore

from tests.unit.web.conftest import csrf_of

VENDOR = Path(__file__).parents[3] / "services" / "web" / "gas_web" / "static" / "vendor"
DOCS = Path(__file__).parents[3] / "docs" / "web.md"


@pytest.fixture
def web_overrides(tmp_path):
    (tmp_path / "grch38").mkdir()
    (tmp_path / "grch38" / "manifest.json").write_text(json.dumps(
        {"name": "grch38", "build": "GRCh38", "contigs": {"1": {"length": 248956422}}}))
    return {"reference_dir": str(tmp_path)}


@pytest.fixture
def requests_queue(topic_queue):
    return topic_queue("job_requests_topic")


def test_the_example_button_queues_a_grch38_job_of_the_user(client, auth, settings,
                                                             requests_queue):
    user_id = auth.login()
    page = client.get("/annotate").get_data(as_text=True)
    assert 'id="example-button"' in page and 'action="/annotate/example"' in page
    assert client.post("/annotate/example").status_code == 400  # no CSRF token
    answer = client.post("/annotate/example", data={"csrf_token": csrf_of(client, "/annotate")})
    assert answer.status_code == 302
    job_id = answer.headers["Location"].rsplit("/", 1)[-1]
    job = JobStore(settings).get(job_id)
    assert job["user_id"] == user_id and job["job_status"] == PENDING
    assert job["input_file_name"] == "example_grch38.vcf"
    assert job["s3_key_input_file"].startswith(f"{settings.key_prefix}{user_id}/{job_id}~")
    [message] = requests_queue()
    assert message["type"] == "job.requested" and message["job_id"] == job_id

    text = aws.client("s3", settings).get_object(
        Bucket=settings.inputs_bucket, Key=job["s3_key_input_file"])["Body"].read().decode()
    lines = text.splitlines()
    assert lines[0] == "##fileformat=VCFv4.2" and "##reference=GRCh38" in lines
    assert "##contig=<ID=chr17,length=83257441,assembly=GRCh38>" in lines
    records = [ln.split("\t") for ln in lines if not ln.startswith("#")]
    assert 250 <= len(records) <= 300 and all(len(r) == 11 for r in records)
    # Sorted, with positions inside the chromosomes the header declares.
    order = [ln.split("chr")[1].split(",")[0] for ln in lines if ln.startswith("##contig")]
    keys = [(order.index(r[0][3:]), int(r[1])) for r in records]
    assert keys == sorted(keys)
    assert client.get(answer.headers["Location"]).status_code == 200


def test_no_example_button_without_a_grch38_bundle(client, auth, tmp_path):
    auth.login()
    (tmp_path / "grch38" / "manifest.json").write_text(json.dumps(  # the web's reference dir
        {"name": "grch38", "build": "GRCh37", "contigs": {"1": {"length": 249250621}}}))
    assert 'id="example-button"' not in client.get("/annotate").get_data(as_text=True)


def test_the_api_page_loads_swagger_ui_from_this_service(client):
    answer = client.get("/api/docs")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'self'; "
                                                                "script-src 'self';")
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert "/static/vendor/swagger-ui-bundle.js" in scripts and "/static/js/api-docs.js" in scripts
    assert all(s.startswith("/static/") for s in scripts)  # no CDN
    assert 'data-spec="/api/v1/openapi.json"' in page
    assert "<script>" not in page and "style=" not in page  # nothing inline
    assert 'href="/api/docs"' in client.get("/").get_data(as_text=True)  # the footer links it
    for name in ("vendor/swagger-ui-bundle.js", "vendor/swagger-ui.css", "js/api-docs.js"):
        assert client.get(f"/static/{name}").status_code == 200


def test_vendored_swagger_ui_is_the_recorded_release():
    """The files are npm's swagger-ui-dist as docs/web.md records them (version, SHA-256)."""
    recorded = DOCS.read_text()
    assert "swagger-ui-dist 5.35.0" in recorded
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert f"`{name}` {digest}" in recorded, name
    assert "Apache License" in (VENDOR / "LICENSE-swagger-ui").read_text()
