"""The upload page's builds and build warning, and the API page, in a real browser."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.test_explorer_browser import sign_in

pytestmark = pytest.mark.xdist_group("web-e2e")


def test_upload_page_names_the_builds_and_holds_a_file_of_another_build(stack, page, shots,
                                                                        tmp_path):
    web = stack.url("web")
    sign_in(page, web, "Nettie Stevens", "nettie@example.org")
    page.goto(web + "/annotate")
    # The session's test bundles (tests/conftest.py): gas-test and gas-test37 (GRCh37).
    expect(page.locator("#supported-builds")).to_contain_text("GRCh37 (gas-test37)")
    expect(page.locator("#supported-builds")).to_contain_text("(gas-test)")

    old = tmp_path / "hg18_calls.vcf"
    old.write_text("##fileformat=VCFv4.2\n##contig=<ID=chrUn_gl000220,length=161802>\n"
                   "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   "chrUn_gl000220\t100\t.\tA\tG\t50\tPASS\t.\n")
    page.set_input_files("#file", str(old))
    page.click("#upload-button")
    warning = page.locator("#build-warning")
    expect(warning).to_contain_text("matches no installed reference")
    expect(warning).to_contain_text("its contigs (chrUn_gl000220) are not in any of them")
    expect(page.locator("h1")).to_contain_text("hg18_calls.vcf was uploaded but not queued")
    shots("25-build-warning")
    page.click("#discard-upload")
    expect(page).to_have_url(re.compile(r"/annotate$"))
    expect(page.locator(".alert-info")).to_contain_text("The upload was deleted")
    page.goto(web + "/annotations")
    expect(page.locator("body")).not_to_contain_text("hg18_calls.vcf")
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


def test_the_api_page_renders_every_endpoint_under_the_csp(stack, page, shots):
    web = stack.url("web")
    page.goto(web + "/")
    page.click("#api-docs-link")
    expect(page).to_have_url(re.compile(r"/api/docs$"))
    operations = page.locator("#swagger-ui .opblock")
    expect(operations.first).to_be_visible(timeout=30_000)
    for path in ("/jobs", "/jobs/{job_id}/variants", "/jobs/{job_id}/export", "/uploads"):
        expect(page.locator(f"#swagger-ui .opblock-summary-path[data-path='{path}']").first
               ).to_be_visible()
    documented = requests.get(web + "/api/v1/openapi.json", timeout=10).json()["paths"]
    shown = set(page.locator("#swagger-ui .opblock-summary-path").evaluate_all(
        "nodes => nodes.map(n => n.dataset.path)"))
    assert shown == set(documented)
    # Open one: its parameters come from the document.
    page.locator("#swagger-ui .opblock-summary-path[data-path='/jobs/{job_id}/variants']"
                 ).first.click()
    expect(page.locator("#swagger-ui .parameters")).to_contain_text("max_af")
    shots("26-api-page")
    assert page.console_errors == []
