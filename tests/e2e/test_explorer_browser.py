"""Browsing a finished job in a real browser: filter, open a variant, export, genes."""

from __future__ import annotations

import csv
import re

import pytest
from playwright.sync_api import expect

from tests.harness import wait_for

pytestmark = pytest.mark.xdist_group("web-e2e")

# Genes of the session's test reference (tests/data/annotator/reference.gtf):
# chr1 ALPHA (+, CDS 10201-10500 and 12001-12400), chr2 DELTA (+), chr2 100 intergenic.
VCF = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr1>\n##contig=<ID=chr2>\n"
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    "chr1\t10300\trs1001\tA\tG\t50\tPASS\t.\n"
    "chr1\t11000\t.\tC\tT\t50\tPASS\t.\n"
    "chr1\t11050\t.\tG\tGA\t50\tPASS\t.\n"
    "chr1\t12600\t.\tG\tA\t50\tPASS\t.\n"
    "chr2\t100\t.\tT\tC\t50\tPASS\t.\n"
    "chr2\t5500\t.\tC\tG\t50\tPASS\t.\n"
    "chr2\t6000\t.\tAT\tA\t50\tPASS\t.\n"
)


def sign_in(page, web: str, name: str, email: str) -> None:
    """Sign in as a new local user (the first visit asks for an institution)."""
    page.goto(web + "/auth/login")
    page.fill("#name", name)
    page.fill("#email", email)
    page.click("#local-signin button[type=submit]")
    expect(page).to_have_url(re.compile(r"/profile/edit"))
    page.fill("#institution", "King's College")
    page.click("button:has-text('Save')")


def submit(page, web: str, vcf_path) -> str:
    """Upload a VCF and land on its job page; the job id."""
    page.goto(web + "/annotate")
    page.set_input_files("#file", str(vcf_path))
    page.click("#upload-button")
    expect(page).to_have_url(re.compile(r"/annotations/[0-9a-f-]{36}$"), timeout=30_000)
    return page.url.rsplit("/", 1)[-1]


def sign_in_and_annotate(page, web: str, vcf_path) -> str:
    """Sign in, upload the VCF and wait for its results; the job id."""
    sign_in(page, web, "Rosalind Franklin", "rosalind@example.org")
    job_id = submit(page, web, vcf_path)
    expect(page.locator("#download-results")).to_be_visible(timeout=90_000)
    return job_id


def test_browse_filter_open_export_and_genes(stack, page, shots, tmp_path):
    web = stack.url("web")
    vcf = tmp_path / "explore me.vcf"
    vcf.write_text(VCF)
    job_id = sign_in_and_annotate(page, web, vcf)

    page.click("#tab-variants")
    expect(page.locator("#page-range").first).to_contain_text("of ")
    shots("20-variants-tab")

    # Filter by gene and consequence: ALPHA's two intronic variants.
    page.fill("#f-gene", "ALPHA")
    page.select_option("#f-consequence", "intron_variant")
    page.click("#apply-filters")
    rows = page.locator("#variants tbody tr[data-variant]")
    expect(rows).to_have_count(2)
    expect(page.locator("#variants")).to_contain_text("chr1:11000")
    expect(page.locator("#variants")).to_contain_text("chr1:11050")
    expect(page.locator("#variants")).not_to_contain_text("chr2:")
    shots("21-variants-filtered")

    # Export exactly those rows as TSV.
    with page.expect_download() as download_info:
        page.click("#export-tsv")
    download = download_info.value
    assert download.suggested_filename == "explore_me.variants.tsv"
    with open(download.path()) as f:
        exported = list(csv.DictReader(f, delimiter="\t"))
    assert [(r["chrom"], r["pos"], r["gene"]) for r in exported] == [
        ("chr1", "11000", "ALPHA"), ("chr1", "11050", "ALPHA")]
    assert all("intron_variant" in r["consequence"] for r in exported)

    # Open a variant: every entry and links out built from its position.
    page.locator("#variants a.variant-link").first.click()
    expect(page.locator("#variant-title")).to_contain_text("chr1:11000 C>T")
    expect(page.locator("#links-out a", has_text="UCSC Genome Browser")).to_have_attribute(
        "href", re.compile(r"genome\.ucsc\.edu/cgi-bin/hgTracks\?db=hg\d\d&position=chr1"))
    expect(page.locator("#entries tbody tr").first).to_contain_text("ALPHA")
    shots("22-variant-detail")

    # A malformed region is refused with a reason, not a crash.
    page.goto(f"{web}/annotations/{job_id}/variants?region=chr1:ten-twenty")
    expect(page.locator("#filter-error")).to_contain_text("region")

    # Genes tab: each gene links into its variants.
    page.click("#tab-genes")
    expect(page.locator("#genes tbody tr[data-gene='ALPHA']")).to_be_visible()
    expect(page.locator("#genes tbody tr[data-gene='DELTA']")).to_be_visible()
    shots("23-genes-tab")
    page.locator("#genes tr[data-gene='DELTA'] a.gene-link").click()
    expect(page.locator("#f-gene")).to_have_value("DELTA")
    # chr2:100 is upstream of DELTA (within 5 kb), 5500 and 6000 inside it.
    expect(page.locator("#variants tbody tr[data-variant]")).to_have_count(3)
    expect(page.locator("#variants")).to_contain_text("chr2:100")
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


def test_wrong_build_deadline_phone_list_and_delete(stack, page, shots, tmp_path):
    web = stack.url("web")
    sign_in(page, web, "Barbara McClintock", "barbara.m@example.org")

    # A file whose chromosomes match nothing installed is never a green "Completed".
    elsewhere = tmp_path / "other_build.vcf"
    elsewhere.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\t"
                         "INFO\nchrUn_x\t100\t.\tA\tG\t50\tPASS\t.\n")
    page.goto(web + "/annotate")
    page.set_input_files("#file", str(elsewhere))
    page.click("#upload-button")
    # The upload page held it back first (its contigs match no installed bundle).
    expect(page.locator("#build-warning")).to_contain_text("matches no installed reference")
    page.click("#submit-anyway")
    expect(page).to_have_url(re.compile(r"/annotations/[0-9a-f-]{36}$"), timeout=30_000)
    badge = page.locator("#job-status [data-status-badge]")
    expect(badge).to_have_text(re.compile("Not annotated|Failed"), timeout=90_000)
    if badge.inner_text() == "Not annotated":
        expect(page.locator("#not-annotated")).to_contain_text("Lift the file over")
    shots("24-not-annotated")

    # A free user's results show when they go cold (once the archiver has scheduled them).
    vcf = tmp_path / "a_rather_long_file_name_from_the_sequencing_core_2024.vcf"
    vcf.write_text(VCF)
    job_id = submit(page, web, vcf)
    expect(page.locator("#download-results")).to_be_visible(timeout=90_000)

    def deadline_shown() -> bool:
        page.reload()
        return page.locator("#cold-deadline").count() > 0

    wait_for(deadline_shown, timeout=30, what="the cold-storage deadline on the job page")
    expect(page.locator("#cold-deadline")).to_contain_text("moves to cold storage in")
    shots("25-cold-deadline")

    # On a phone the list is a stack of cards: nothing cut off or scrolled sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(web + "/annotations")
    row = page.locator(f"tr[data-job-id='{job_id}']")
    expect(row).to_be_visible()
    assert row.evaluate("el => getComputedStyle(el).display") == "block"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    expect(row.locator("[data-cold-deadline]")).to_contain_text("cold storage in")
    shots("26-list-phone")
    page.set_viewport_size({"width": 1280, "height": 860})

    # Delete, after saying yes in the confirmation.
    page.goto(f"{web}/annotations/{job_id}")
    page.click("#delete-job")
    expect(page.locator("#confirm-delete")).to_be_visible()
    shots("27-delete-confirm")
    page.click("#confirm-delete-button")
    expect(page).to_have_url(re.compile(r"/annotations$"))
    expect(page.get_by_text("and its results were deleted")).to_be_visible()
    expect(page.locator(f"tr[data-job-id='{job_id}']")).to_have_count(0)
    assert stack.jobs.get(job_id) is None
