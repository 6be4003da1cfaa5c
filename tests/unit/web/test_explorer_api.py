"""The results explorer on the API: every filter, sorting, paging, exports and the 400s.

The job's tables are made by the annotator's own converter from a hand-written
SnpEff-style annotated VCF (tests/data/explorer/annotated.vcf): 36 records, 39 rows.
"""

from __future__ import annotations

import csv
import io

import pytest
from gas_common import aws
from gas_common.jobstates import ARCHIVED

from tests.unit.web.conftest import ANNOTATED, completed_job, explorer_job

ROWS, RECORDS = 39, 36


@pytest.fixture
def web_overrides(tmp_path):
    return {"table_cache_dir": str(tmp_path / "cache")}


@pytest.fixture
def job(auth, settings, tmp_path):
    user_id = auth.login()
    return explorer_job(settings, user_id, tmp_path)


def variants(client, job, query: str = "", status: int = 200) -> dict:
    response = client.get(f"/api/v1/jobs/{job['job_id']}/variants?{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def everything(client, job, query: str) -> list[dict]:
    """All rows of a query, following the cursors."""
    rows, cursor = [], ""
    while True:
        page = variants(client, job, f"{query}&limit=500&cursor={cursor}")
        rows += page["rows"]
        cursor = page["next_cursor"]
        if not cursor:
            return rows


def test_the_first_page_is_in_position_order_with_every_column(client, job):
    page = variants(client, job, "limit=5")
    assert page["total"] == ROWS and len(page["rows"]) == 5
    assert [r["pos"] for r in page["rows"]] == [1000, 1010, 1020, 1030, 1040]
    first = page["rows"][0]
    for column in ("chrom", "pos", "ref", "alt", "id", "gene", "gene_id", "transcript",
                   "biotype", "consequence", "impact", "hgvs_c", "hgvs_p", "pick",
                   "GAS_CLINVAR_CLNSIG", "GAS_GNOMAD_AF", "DP"):
        assert column in first, column
    assert first["DP"] == 0 and first["gene"] == "FILLER"


def test_typed_per_allele_source_fields(client, job):
    rows = everything(client, job, "rsid=rs429358")
    by_alt = {r["alt"]: r for r in rows}
    assert by_alt["C"]["GAS_GNOMAD_AF"] == pytest.approx(0.14)
    assert by_alt["G"]["GAS_GNOMAD_AF"] == pytest.approx(0.0001)
    assert by_alt["C"]["GAS_CLINVAR_CLNSIG"] == "risk_factor"
    assert by_alt["G"]["GAS_CLINVAR_CLNSIG"] is None


@pytest.mark.parametrize(("query", "expected"), [
    ("gene=CFTR", {("CFTR", "ENST00000003084.11"), ("CFTR", "ENST00000426809.5")}),
    ("gene=TP53,HBB", {("TP53", "ENST00000269305.9"), ("HBB", "ENST00000335295.4")}),
    ("gene=TP53&gene=ENSG00000244734", {("TP53", "ENST00000269305.9"),
                                        ("HBB", "ENST00000335295.4")}),
    ("consequence=stop_gained", {("APOE", "ENST00000252486.9")}),
    ("consequence=splice_region_variant", {("APOE", "ENST00000252486.9")}),
    ("impact=HIGH", {("APOE", "ENST00000252486.9")}),
    ("impact=moderate&gene=CFTR", {("CFTR", "ENST00000003084.11")}),
    ("region=chr7:117,559,000-117,560,000",
     {("CFTR", "ENST00000003084.11"), ("CFTR", "ENST00000426809.5")}),
    ("region=7:117559593", {("CFTR", "ENST00000003084.11"), ("CFTR", "ENST00000426809.5")}),
    ("region=chr17", {("TP53", "ENST00000269305.9")}),
    ("rsid=rs334", {("HBB", "ENST00000335295.4"), ("HBD", "ENST00000643122.1")}),
    ("clinvar=likely_pathogenic", {("HBB", "ENST00000335295.4"), ("HBD", "ENST00000643122.1")}),
    ("clinvar=drug", {("APOE", "ENST00000252486.9")}),
    ("picked=1&gene=CFTR,HBB", {("CFTR", "ENST00000003084.11"), ("HBB", "ENST00000335295.4")}),
    ("coding=1&region=chr7", {("CFTR", "ENST00000003084.11")}),
])
def test_each_filter_keeps_exactly_the_matching_rows(client, job, query, expected):
    rows = everything(client, job, query)
    assert {(r["gene"], r["transcript"]) for r in rows} == expected


def test_rsid_matches_one_of_several_ids(client, auth, settings, tmp_path):
    """A record with `rs334;rs999` is found by either ID (the table says it has ID lists)."""
    vcf = tmp_path / "lists.annot.vcf"
    vcf.write_text(ANNOTATED.read_text().replace("\trs334\t", "\trs999;rs334\t"))
    listed = explorer_job(settings, auth.login(), tmp_path, vcf)
    for rsid in ("rs334", "rs999"):
        rows = everything(client, listed, f"rsid={rsid}")
        assert {r["gene"] for r in rows} == {"HBB", "HBD"}, rsid
    assert everything(client, listed, "rsid=rs99") == []


def test_max_af_keeps_rare_and_absent_variants(client, job):
    rows = everything(client, job, "max_af=0.01&region=chr19")
    assert {(r["id"], r["alt"]) for r in rows} == {("rs429358", "G")}
    absent = everything(client, job, "max_af=0.01&gene=TP53")
    assert [r["GAS_GNOMAD_AF"] for r in absent] == [None]  # not in gnomAD counts as rare


def test_filters_combine(client, job):
    rows = everything(client, job, "gene=APOE&impact=MODERATE&max_af=0.1&picked=1")
    assert [(r["id"], r["alt"]) for r in rows] == [("rs7412", "T")]


def test_paging_with_cursors_covers_every_row_once(client, job):
    seen, cursor, pages = [], "", 0
    while True:
        page = variants(client, job, f"limit=7&cursor={cursor}")
        seen += [(r["variant"], r["alt"], r["transcript"]) for r in page["rows"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 6 and len(seen) == ROWS and len(set(seen)) == ROWS
    second = variants(client, job, "limit=7")
    back = variants(client, job, f"limit=7&cursor={second['next_cursor']}")
    assert variants(client, job, f"limit=7&cursor={back['prev_cursor']}")["rows"] \
        == second["rows"]


@pytest.mark.parametrize(("sort", "key"), [
    ("gene", lambda r: (r["gene"] is None, r["gene"] or "")),
    ("-pos", None),
    ("impact", lambda r: ["HIGH", "MODERATE", "LOW", "MODIFIER"].index(r["impact"])),
    ("-GAS_GNOMAD_AF", None),
])
def test_sorting(client, job, sort, key):
    rows = everything(client, job, f"sort={sort}")
    assert len(rows) == ROWS
    if sort == "-pos":
        assert [r["variant"] for r in rows] == sorted((r["variant"] for r in rows),
                                                      reverse=True)
    elif sort == "-GAS_GNOMAD_AF":
        afs = [r["GAS_GNOMAD_AF"] for r in rows if r["GAS_GNOMAD_AF"] is not None]
        assert afs == sorted(afs, reverse=True) and rows[0]["GAS_GNOMAD_AF"] == 0.14
        assert rows[-1]["GAS_GNOMAD_AF"] is None  # missing values last
    else:
        assert rows == sorted(rows, key=key)


@pytest.mark.parametrize(("query", "words"), [
    ("region=chr7:abc-def", "region"),
    ("region=chr7:200-100", "start"),
    ("region=chr7%3B%20DROP%20TABLE", "region"),
    ("consequence=very_bad_variant", "unknown consequence"),
    ("impact=SEVERE", "unknown impact"),
    ("limit=501", "limit"),
    ("limit=0", "limit"),
    ("limit=ten", "limit"),
    ("cursor=not-a-cursor", "cursor"),
    ("cursor=eyJvIjoxMDAwLCJxIjoieCJ9.forged", "cursor"),
    ("rsid=12345", "rsID"),
    ("max_af=2", "max_af"),
    ("max_af=lots", "max_af"),
    ("gene=" + ",".join(f"G{i}" for i in range(201)), "genes"),
    ("gene=A%27%3B--", "gene"),
    ("sort=no_such_column", "sort"),
    ("sort=variant%22%3B", "sort"),
])
def test_bad_parameters_answer_400_with_one_line(client, job, query, words):
    body = variants(client, job, query, status=400)
    assert words.lower() in body["error"].lower() and "\n" not in body["error"]


def test_a_cursor_from_another_query_is_refused(client, job):
    page = variants(client, job, "limit=5&gene=FILLER")
    body = variants(client, job, f"limit=5&gene=CFTR&cursor={page['next_cursor']}",
                    status=400)
    assert "another query" in body["error"]


def test_clinvar_and_af_filters_need_those_fields(client, settings, auth, tmp_path):
    user_id = auth.login()
    plain = tmp_path / "plain.vcf"
    plain.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                     "1\t100\t.\tA\tG\t.\t.\t.\n")
    job = explorer_job(settings, user_id, tmp_path, vcf=plain)
    assert "ClinVar" in variants(client, job, "clinvar=Pathogenic", status=400)["error"]
    assert "frequenc" in variants(client, job, "max_af=0.01", status=400)["error"]
    assert variants(client, job)["total"] == 1  # no ANN at all: one row, no gene


def test_genes_count_variants_by_impact(client, job):
    body = client.get(f"/api/v1/jobs/{job['job_id']}/genes").get_json()
    genes = {g["gene"]: g for g in body["rows"]}
    assert set(genes) == {"FILLER", "CFTR", "HBB", "HBD", "TP53", "APOE"}  # no intergenic
    assert body["rows"][0]["gene"] == "FILLER" and genes["FILLER"]["modifier"] == 30
    apoe = genes["APOE"]
    assert (apoe["variants"], apoe["high"], apoe["moderate"]) == (3, 1, 2)
    assert apoe["most_severe"] == "stop_gained"
    # CFTR: one ALT, counted once at its most severe entry.
    assert (genes["CFTR"]["variants"], genes["CFTR"]["moderate"], genes["CFTR"]["modifier"]) \
        == (1, 1, 0)
    found = client.get(f"/api/v1/jobs/{job['job_id']}/genes?q=apo").get_json()
    assert [g["gene"] for g in found["rows"]] == ["APOE"]
    bad = client.get(f"/api/v1/jobs/{job['job_id']}/genes?sort=-password")
    assert bad.status_code == 400


def test_one_variant_with_every_entry_and_links(client, job):
    [row] = everything(client, job, "rsid=rs113993960&picked=1")
    body = client.get(f"/api/v1/jobs/{job['job_id']}/variants/{row['variant']}").get_json()
    assert [r["transcript"] for r in body["rows"]] == ["ENST00000003084.11",
                                                       "ENST00000426809.5"]
    urls = {link["label"]: link["url"] for link in body["links"]}
    assert urls["Ensembl gene ENSG00000001626"] == "https://www.ensembl.org/id/ENSG00000001626"
    assert urls["Ensembl transcript ENST00000003084.11"].endswith("/id/ENST00000003084")
    assert urls["ClinVar rs113993960"] == \
        "https://www.ncbi.nlm.nih.gov/clinvar/?term=rs113993960"
    assert urls["gnomAD"] == ("https://gnomad.broadinstitute.org/variant/7-117559590-ATCT-A"
                              "?dataset=gnomad_r4")
    assert "db=hg38&position=chr7%3A117559565-117559619" in urls["UCSC Genome Browser"]
    missing = client.get(f"/api/v1/jobs/{job['job_id']}/variants/{RECORDS}")
    assert missing.status_code == 404


def test_export_tsv_streams_the_filtered_rows(client, job):
    response = client.get(f"/api/v1/jobs/{job['job_id']}/export?format=tsv&gene=APOE,TP53"
                          "&sort=-pos")
    assert response.status_code == 200 and response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True)), delimiter="\t"))
    assert [(r["gene"], r["alt"], r["hgvs_p"]) for r in rows] == [
        ("APOE", "T", "p.Arg176Cys"), ("APOE", "G", "p.Cys130*"), ("APOE", "C", "p.Cys130Arg"),
        ("TP53", "T", "p.Arg175His")]
    assert rows[0]["pick"] == "1" and rows[0]["GAS_GNOMAD_AF"] == "0.08"


def test_export_vcf_gives_the_original_records(client, job):
    response = client.get(f"/api/v1/jobs/{job['job_id']}/export?format=vcf&impact=MODERATE")
    text = response.get_data(as_text=True)
    header = [line for line in text.splitlines() if line.startswith("#")]
    records = [line.split("\t")[2] for line in text.splitlines() if not line.startswith("#")]
    assert header[0] == "##fileformat=VCFv4.2" and header[-1].startswith("#CHROM")
    assert records == ["rs113993960", "rs334", "rs28934578", "rs429358", "rs7412"]
    assert set(text.splitlines()) <= set(ANNOTATED.read_text().splitlines())


def test_export_refuses_bad_format_and_filters(client, job):
    base = f"/api/v1/jobs/{job['job_id']}/export"
    assert client.get(f"{base}?format=xlsx").status_code == 400
    assert client.get(f"{base}?format=tsv&region=chr1:x").status_code == 400


def test_another_users_job_is_404_everywhere(client, auth, settings, tmp_path):
    other = explorer_job(settings, "someone-else", tmp_path)
    auth.login()
    for path in ("variants", "variants/0", "genes", "export?format=tsv"):
        response = client.get(f"/api/v1/jobs/{other['job_id']}/{path}")
        assert response.status_code == 404, path
    assert client.get(f"/annotations/{other['job_id']}/variants").status_code == 404


def test_archived_results_cannot_be_browsed(client, auth, settings, tmp_path):
    user_id = auth.login()
    job = explorer_job(settings, user_id, tmp_path, archive_status=ARCHIVED,
                       results_file_archive_id="x")
    response = client.get(f"/api/v1/jobs/{job['job_id']}/variants")
    assert response.status_code == 409 and "archived" in response.get_json()["error"]


def test_a_job_from_before_the_tables_says_so(client, auth, settings):
    user_id = auth.login()
    job = completed_job(settings, user_id)
    response = client.get(f"/api/v1/jobs/{job['job_id']}/variants")
    assert response.status_code == 404 and "before" in response.get_json()["error"]


def test_tables_come_from_the_local_cache_after_the_first_read(client, job, settings):
    assert variants(client, job, "limit=1")["total"] == ROWS
    s3 = aws.client("s3", settings)
    s3.delete_object(Bucket=settings.results_bucket, Key=job["s3_key_variants_file"])
    s3.delete_object(Bucket=settings.results_bucket, Key=job["s3_key_genes_file"])
    assert variants(client, job, "gene=CFTR")["total"] == 2


def test_openapi_describes_the_explorer(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    params = {p["name"] for p in paths["/jobs/{job_id}/variants"]["get"]["parameters"]}
    assert {"gene", "consequence", "impact", "region", "rsid", "clinvar", "max_af", "picked",
            "coding", "sort", "limit", "cursor"} <= params
    for path in ("/jobs/{job_id}/genes", "/jobs/{job_id}/export",
                 "/jobs/{job_id}/variants/{number}"):
        assert "get" in paths[path]
