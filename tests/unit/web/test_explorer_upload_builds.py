"""The upload page names the installed builds; a file that fits none is held before queuing.

The installed bundles are manifests in a temporary GAS_REFERENCE_DIR, as `gas reference
install` leaves them (name, build, contigs with lengths).
"""

from __future__ import annotations

import gzip
import json
from urllib.parse import urlencode

import pytest
from gas_common import aws
from gas_common.stores import JobStore

from tests.unit.web.conftest import csrf_of, put_input

GRCH38 = {"1": 248956422, "2": 242193529, "MT": 16569}
GRCH37 = {"1": 249250621, "2": 243199373, "MT": 16569}
HEADER = "##fileformat=VCFv4.2\n{contigs}#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def vcf(records: list[str], contigs: dict[str, int] | None = None) -> bytes:
    lines = "".join(f"##contig=<ID={c},length={n}>\n" for c, n in (contigs or {}).items())
    return (HEADER.format(contigs=lines) + "".join(f"{r}\t100\t.\tA\tG\t50\tPASS\t.\n"
                                                   for r in records)).encode()


@pytest.fixture
def web_overrides(tmp_path):
    for name, build, contigs in (("grch38", "GRCh38", GRCH38), ("test37", "GRCh37", GRCH37)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(json.dumps({
            "name": name, "build": build,
            "contigs": {c: {"length": n, "transcripts": 1} for c, n in contigs.items()}}))
    (tmp_path / ".partial").mkdir()  # an install under way is not listed
    return {"reference_dir": str(tmp_path)}


def submit(client, settings, key):
    return client.get("/annotate/job?" + urlencode({"bucket": settings.inputs_bucket,
                                                     "key": key}))


def jobs_of(settings, user_id):
    return JobStore(settings).table.scan()["Items"]


def test_the_upload_page_names_the_installed_builds(client, auth):
    auth.login()
    page = client.get("/annotate").get_data(as_text=True)
    assert 'id="supported-builds"' in page
    assert "<strong>GRCh38</strong> (grch38)" in page
    assert "<strong>GRCh37</strong> (test37)" in page


@pytest.mark.parametrize("body", [
    vcf(["chr1", "chr2"]),                                   # names only, chr prefix
    vcf(["2"], {"2": GRCH37["2"]}),                          # GRCh37 lengths: test37 fits
    gzip.compress(vcf(["1"])[:80]) + gzip.compress(vcf(["1"])[80:]),  # bgzip-like members
    vcf(["chrM"], {"chrM": 16571}),                          # hg19's chrM is no evidence
])
def test_a_file_that_fits_a_bundle_is_queued_at_once(client, auth, settings, body):
    user_id = auth.login()
    key = put_input(settings, user_id, body)
    answer = submit(client, settings, key)
    assert answer.status_code == 302 and "/annotations/" in answer.headers["Location"]
    assert len(jobs_of(settings, user_id)) == 1


@pytest.mark.parametrize(("body", "reason"), [
    (vcf(["chrUn_x", "HLA-A*01"]), "its contigs (chrUn_x, HLA-A*01) are not in any of them"),
    (vcf(["1"], {"1": 247249719}), "its contig lengths are those of another build"),  # NCBI36
])
def test_a_file_that_fits_no_bundle_is_held_with_a_warning(client, auth, settings, body,
                                                            reason):
    user_id = auth.login()
    key = put_input(settings, user_id, body, name="old.vcf")
    answer = submit(client, settings, key)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="build-warning"' in page
    assert "matches no installed reference (GRCh38 (grch38), GRCh37 (test37))" in page
    assert reason in page and "CrossMap" in page and "old.vcf was uploaded but not queued" in page
    assert jobs_of(settings, user_id) == []

    # Submitting anyway is a form post with the CSRF token.
    form = {"bucket": settings.inputs_bucket, "key": key}
    assert client.post("/annotate/job", data=form).status_code == 400
    assert jobs_of(settings, user_id) == []
    token = csrf_of(client, "/annotate")
    queued = client.post("/annotate/job", data={**form, "csrf_token": token})
    assert queued.status_code == 302 and "/annotations/" in queued.headers["Location"]
    [job] = jobs_of(settings, user_id)
    assert job["s3_key_input_file"] == key
    # Queued now: a reload of S3's redirect goes to the job, and its input cannot be discarded.
    again = submit(client, settings, key)
    assert again.status_code == 302 and again.headers["Location"] == queued.headers["Location"]
    assert client.post("/annotate/discard", data={**form, "csrf_token": token}).status_code == 403
    aws.client("s3", settings).head_object(Bucket=settings.inputs_bucket, Key=key)


def test_discarding_the_held_upload_deletes_it_and_only_ones_own(client, auth, settings):
    owner = auth.login()
    key = put_input(settings, owner, vcf(["chrUn_x"]))
    s3 = aws.client("s3", settings)
    auth.logout()
    auth.login("mallory@example.org", "Mallory")
    token = csrf_of(client, "/annotate")
    refused = client.post("/annotate/discard", data={
        "bucket": settings.inputs_bucket, "key": key, "csrf_token": token})
    assert refused.status_code == 403
    s3.head_object(Bucket=settings.inputs_bucket, Key=key)  # still there
    auth.logout()
    auth.login()
    token = csrf_of(client, "/annotate")
    done = client.post("/annotate/discard", data={
        "bucket": settings.inputs_bucket, "key": key, "csrf_token": token})
    assert done.status_code == 302
    assert s3.list_objects_v2(Bucket=settings.inputs_bucket).get("KeyCount") == 0
    assert jobs_of(settings, owner) == []


def test_without_visible_bundles_nothing_is_claimed_or_held(client, auth, settings, tmp_path,
                                                            app):
    app.extensions["gas"].settings = settings.model_copy(
        update={"reference_dir": str(tmp_path / "nothing-here")})
    user_id = auth.login()
    assert 'id="supported-builds"' not in client.get("/annotate").get_data(as_text=True)
    assert submit(client, settings, put_input(settings, user_id, vcf(["chrUn_x"]))
                  ).status_code == 302
