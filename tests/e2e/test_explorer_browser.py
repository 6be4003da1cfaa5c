"""Browsing a finished job in a real browser: filter, open a variant, export, genes."""

from __future__ import annotations

import csv
import re

import pytest
from playwright.sync_api import expect

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


def sign_in_and_annotate(page, web: str, vcf_path) -> str:
    """Sign in as a new local user, upload the VCF and wait for the job; its id."""
    page.goto(web + "/auth/login")
    page.fill("#name", "Rosalind Franklin")
    page.fill("#email", "rosalind@example.org")
    page.click("#local-signin button[type=submit]")
    expect(page).to_have_url(re.compile(r"/profile/edit"))
    page.fill("#institution", "King's College")
    page.click("button:has-text('Save')")
    page.goto(web + "/annotate")
    page.set_input_files("#file", str(vcf_path))
    page.click("#upload-button")
    expect(page).to_have_url(re.compile(r"/annotations/[0-9a-f-]{36}$"), timeout=30_000)
    expect(page.locator("#download-results")).to_be_visible(timeout=90_000)
    return page.url.rsplit("/", 1)[-1]


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
