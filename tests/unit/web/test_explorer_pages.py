"""The Variants and Genes tabs, a variant's page and the exports, as a browser gets them."""

from __future__ import annotations

import re

import pytest
from gas_common.jobstates import ARCHIVED

from tests.unit.web.conftest import completed_job, explorer_job


@pytest.fixture
def web_overrides(tmp_path):
    return {"table_cache_dir": str(tmp_path / "cache")}


@pytest.fixture
def job(auth, settings, tmp_path):
    return explorer_job(settings, auth.login(), tmp_path)


def text(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_the_job_page_has_tabs_when_the_tables_exist(client, job, auth, settings):
    html = text(client, f"/annotations/{job['job_id']}")
    assert 'id="tab-variants"' in html and 'id="tab-genes"' in html
    old = completed_job(settings, auth.login())
    assert 'id="tab-variants"' not in text(client, f"/annotations/{old['job_id']}")


def test_variants_tab_filters_and_links_to_each_variant(client, job):
    html = text(client, f"/annotations/{job['job_id']}/variants?gene=CFTR,TP53&picked=1")
    rows = re.findall(r'<tr data-variant="(\d+)">', html)
    assert len(rows) == 2 and "p.Phe508del" in html and "p.Arg175His" in html
    assert "FILLER" not in html
    assert f'href="/annotations/{job["job_id"]}/variants/{rows[0]}"' in html
    assert '<option value="stop_gained"' in html  # the job's own terms
    assert 'id="f-clinvar"' in html and 'id="f-max-af"' in html
    export = re.search(r'id="export-tsv" href="([^"]+)"', html).group(1)
    assert "gene=CFTR%2CTP53" in export and "picked=1" in export and "format=tsv" in export


def test_a_bad_filter_says_why_on_the_page(client, job):
    html = text(client, f"/annotations/{job['job_id']}/variants?region=chr7:x-y", status=400)
    assert 'id="filter-error"' in html and "region" in html and 'id="variant-filters"' in html


def test_paging_links_keep_the_filters(client, job):
    html = text(client, f"/annotations/{job['job_id']}/variants?gene=FILLER&limit=10")
    assert "1–10 of 30" in html
    href = re.search(r'id="next-page" href="\?([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "gene=FILLER" in href and "cursor=" in href
    second = text(client, f"/annotations/{job['job_id']}/variants?{href}")
    assert "11–20 of 30" in second


def test_a_variant_page_shows_every_entry_and_links_out(client, job):
    html = text(client, f"/annotations/{job['job_id']}/variants?rsid=rs113993960&picked=1")
    number = re.search(r'<tr data-variant="(\d+)">', html).group(1)
    page = text(client, f"/annotations/{job['job_id']}/variants/{number}")
    assert "ENST00000003084.11" in page and "ENST00000426809.5" in page
    assert "https://www.ensembl.org/id/ENSG00000001626" in page
    assert "https://gnomad.broadinstitute.org/variant/7-117559590-ATCT-A" in page
    assert 'rel="noopener noreferrer"' in page
    text(client, f"/annotations/{job['job_id']}/variants/99999", status=404)


def test_genes_tab_links_into_the_filtered_variants(client, job):
    html = text(client, f"/annotations/{job['job_id']}/genes")
    assert html.index('data-gene="FILLER"') < html.index('data-gene="APOE"')
    assert f'/annotations/{job["job_id"]}/variants?gene=APOE&amp;impact=HIGH' in html
    assert "stop_gained" in html


def test_export_tsv_from_the_page(client, job):
    response = client.get(f"/annotations/{job['job_id']}/export?format=tsv&impact=HIGH")
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("variant\tchrom\tpos\tref\talt\tid\t")
    assert len(lines) == 2 and "p.Cys130*" in lines[1]


def test_archived_results_say_so_on_the_tabs(client, auth, settings, tmp_path):
    job = explorer_job(settings, auth.login(), tmp_path, archive_status=ARCHIVED,
                       results_file_archive_id="x")
    html = text(client, f"/annotations/{job['job_id']}/variants", status=409)
    assert 'id="tables-unavailable"' in html and "archived" in html


def test_another_users_tabs_are_404(client, auth, settings, tmp_path):
    other = explorer_job(settings, "someone-else", tmp_path)
    auth.login()
    for path in ("variants", "variants/0", "genes", "export?format=vcf"):
        assert client.get(f"/annotations/{other['job_id']}/{path}").status_code == 404, path
