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


def test_the_engine_annotates_the_example_with_the_grch38_bundle(tmp_path):
    """Run through the annotator's engine with a GRCh38 and a GRCh37 bundle installed (built
    from the repo's GTF, whose genes are on chr1 and chr2): the header picks GRCh38."""
    from gas_annotator.engine import Auto, annotate_file
    from gas_annotator.reference.custom import build_custom
    from gas_web.example import example_vcf

    gtf = Path(__file__).parents[2] / "data" / "annotator" / "reference.gtf"
    for name, build in (("b38", "GRCh38"), ("b37", "GRCh37")):
        build_custom(gtf, "gtf", tmp_path / "installed" / name, name, build)
    src = tmp_path / "example_grch38.vcf"
    src.write_bytes(example_vcf())
    summary = annotate_file(src, tmp_path / "out", Auto(tmp_path / "installed" / "b37",
                                                        tmp_path / "installed")).summary
    assert summary["reference"]["name"] == "b38" and summary["input"]["build"] == "GRCh38"
    assert summary["annotated"] == summary["total"] > 250 and summary["unknown_contigs"] == {}
    assert len(summary["by_chromosome"]) == 11 and summary["ti_tv"] > 1.5  # like real calls


def test_the_web_build_check_takes_the_example_for_grch38_only():
    from gas_web.builds import Bundle, file_contigs, mismatch
    from gas_web.example import LENGTHS, example_vcf

    contigs = file_contigs(example_vcf().decode())
    grch38 = Bundle("grch38", "GRCh38", dict(LENGTHS))
    grch37 = Bundle("grch37", "GRCh37", {**LENGTHS, "1": 249250621, "17": 81195210})
    assert mismatch(contigs, [grch38, grch37]) is None
    assert "contig lengths are those of another build" in (mismatch(contigs, [grch37]) or "")
