"""A researcher's whole visit in a real browser: sign in, upload, results, log, premium."""

from __future__ import annotations

import re

import pytest
from gas_common.jobstates import COMPLETED, PREMIUM
from playwright.sync_api import expect

from tests.harness import wait_for

pytestmark = pytest.mark.xdist_group("web-e2e")

# Genes of the session's test reference: chr1 ALPHA (+), and an intergenic chr2.
VCF = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr1>\n##contig=<ID=chr2>\n"
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    "chr1\t10300\t.\tA\tG\t50\tPASS\t.\n"
    "chr1\t10310\t.\tC\tT\t50\tPASS\t.\n"
    "chr1\t11000\t.\tC\tT\t50\tPASS\t.\n"
    "chr1\t11050\t.\tG\tGA\t50\tPASS\t.\n"
    "chr1\t12600\t.\tG\tA\t50\tPASS\t.\n"
    "chr2\t100\t.\tT\tC\t50\tPASS\t.\n"
    "chr2\t200\t.\tAT\tA\t50\tPASS\t.\n"
)


def csp_problems(page) -> list[str]:
    return [e for e in page.console_errors if "Content Security Policy" in e or "Refused" in e]


def test_researcher_journey(stack, page, shots, tmp_path):
    web = stack.url("web")
    vcf = tmp_path / "my sample.vcf"
    vcf.write_text(VCF)

    page.goto(web + "/")
    expect(page.get_by_role("link", name="Sign in to start")).to_be_visible()
    shots("01-home")

    # Sign in locally; the first sign-in asks for the institution.
    page.goto(web + "/auth/login")
    page.fill("#name", "Barbara McClintock")
    page.fill("#email", "barbara@example.org")
    shots("02-sign-in")
    page.click("#local-signin button[type=submit]")
    expect(page).to_have_url(re.compile(r"/profile/edit"))
    page.fill("#institution", "Cold Spring Harbor")
    shots("03-profile-edit")
    page.click("button:has-text('Save')")
    expect(page.locator("dd", has_text="Cold Spring Harbor")).to_be_visible()
    shots("04-profile")

    # Client-side check: a non-VCF is refused before anything is uploaded.
    page.goto(web + "/annotate")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    page.set_input_files("#file", str(notes))
    expect(page.locator("#file-error")).to_contain_text("VCF file")

    # Upload straight to S3 and land on the job page.
    page.set_input_files("#file", str(vcf))
    shots("05-annotate")
    page.click("#upload-button")
    expect(page).to_have_url(re.compile(r"/annotations/[0-9a-f-]{36}$"), timeout=30_000)
    job_id = page.url.rsplit("/", 1)[-1]
    shots("06-job-submitted")

    # The page updates itself until the job is done; the annotator completes it.
    expect(page.locator("#download-results")).to_be_visible(timeout=90_000)
    assert stack.jobs.get(job_id)["job_status"] == COMPLETED
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-class')")
    for chart in ("chart-impact", "chart-class", "chart-region", "chart-chromosome"):
        assert page.evaluate(f"() => Boolean(Chart.getChart('{chart}'))"), chart
    expect(page.locator("#stat-total")).to_have_text("7")
    shots("07-job-completed-charts")

    # Download the annotated VCF through its short-lived URL.
    with page.expect_download() as download_info:
        page.click("#download-results")
    download = download_info.value
    body = open(download.path()).read()
    assert body.startswith("##fileformat=VCF") and "chr2\t100" in body
    assert download.suggested_filename.endswith(".annot.vcf")

    # The log inline.
    page.click("#view-log")
    expect(page.locator("#log")).to_be_visible()
    assert page.locator("#log").inner_text().strip()
    shots("08-log")

    # The job page on a phone: one column, charts still drawn.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{web}/annotations/{job_id}")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-genes')")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shots("08b-job-mobile")
    page.set_viewport_size({"width": 1280, "height": 860})

    # The list shows the job as completed.
    page.goto(web + "/annotations")
    row = page.locator(f"tr[data-job-id='{job_id}']")
    expect(row.locator("[data-status-badge]")).to_have_text("Completed")
    shots("09-annotations")

    # Upgrade to premium.
    page.goto(web + "/subscribe")
    shots("10-subscribe")
    page.click("#upgrade")
    expect(page.get_by_text("You are now a premium user")).to_be_visible()
    shots("11-premium")
    user_id = stack.jobs.get(job_id)["user_id"]
    wait_for(lambda: stack.users.get(user_id)["role"] == PREMIUM, what="premium role")
    page.goto(web + "/profile")
    expect(page.get_by_role("button", name="Cancel premium")).to_be_visible()

    assert csp_problems(page) == [], page.console_errors


def test_signed_out_and_small_screen(stack, page, shots):
    web = stack.url("web")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(web + "/annotations")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    expect(page.get_by_text("Please sign in first.")).to_be_visible()
    shots("12-mobile-sign-in")
    page.goto(web + "/no-such-page")
    expect(page.get_by_text("We could not find that page.")).to_be_visible()
    assert csp_problems(page) == [], page.console_errors
