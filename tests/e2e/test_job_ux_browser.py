"""The job pages in a real browser: live views, charts, rename and re-run, the cold-storage
emails, a restore that finishes on an open page, the navbar after an upgrade, and a
cancellation of premium that asks first."""

from __future__ import annotations

import re

import pytest
import requests
from gas_common.jobstates import ARCHIVED, COMPLETED, PREMIUM, SCHEDULED
from gas_common.stores import now
from playwright.sync_api import expect

from tests.e2e.test_explorer_browser import VCF, sign_in, submit
from tests.harness import wait_for

pytestmark = pytest.mark.xdist_group("web-e2e")


def mark(page) -> None:
    """Tag the document: a page that is still tagged later was not reloaded in between."""
    page.evaluate("() => { window.gasMark = 'untouched'; }")


def still_marked(page) -> bool:
    return bool(page.evaluate("() => window.gasMark === 'untouched'"))


def chart(page, chart_id: str) -> dict:
    """What Chart.js drew for one chart: type, labels, axis titles, data labels on?"""
    return page.evaluate("""(id) => {
        const c = Chart.getChart(id);
        if (!c) return null;
        const s = c.options.scales || {};
        return {type: c.config.type, labels: c.data.labels, data: c.data.datasets[0].data,
                x: s.x && s.x.title.display ? s.x.title.text : null,
                y: s.y && s.y.title.display ? s.y.title.text : null,
                datalabels: Boolean(Chart.registry.plugins.get("datalabels")) &&
                            c.options.plugins.datalabels.display === "auto"};
    }""", chart_id)


def test_live_list_charts_rename_and_rerun(stack, page, shots, tmp_path):
    web = stack.url("web")
    sign_in(page, web, "Dorothy Hodgkin", "dorothy@example.org")
    page.goto(web + "/annotations")
    expect(page.get_by_text("No annotations yet.")).to_be_visible()
    mark(page)

    # A job submitted in another tab appears on the open list, which was not reloaded.
    other = page.context.new_page()
    vcf = tmp_path / "trio_proband.vcf"
    vcf.write_text(VCF)
    job_id = submit(other, web, vcf)
    row = page.locator(f"tr[data-job-id='{job_id}']")
    expect(row).to_be_visible(timeout=30_000)
    expect(row.locator("[data-status-badge]")).to_have_text("Completed", timeout=90_000)
    assert still_marked(page)
    shots("40-list-live")
    other.close()

    # Charts: axis titles, numbers on the bars, impact and top genes, tables for screen
    # readers; the test bundle has no known-variant source, so no known-ID chart.
    page.goto(f"{web}/annotations/{job_id}")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-genes')")
    impact = chart(page, "chart-impact")
    assert impact["labels"] == ["HIGH", "MODERATE", "LOW", "MODIFIER"]
    assert impact["x"] == "Impact of the most severe consequence" and impact["y"] == "Variants"
    assert impact["datalabels"] and sum(impact["data"]) == 7
    genes = chart(page, "chart-genes")
    assert set(genes["labels"]) == {"ALPHA", "DELTA"} and genes["y"] == "Gene"
    assert chart(page, "chart-chromosome")["x"] == "Chromosome"
    assert chart(page, "chart-class")["labels"][0].startswith("SNV: 5 (")  # in the legend
    expect(page.locator("#chart-known-card")).to_have_count(0)
    expect(page.locator("#stat-known")).to_have_count(0)
    expect(page.locator("#chart-impact-table tbody tr")).to_have_count(4)
    expect(page.locator("#chart-genes-table tbody tr")).to_have_count(2)
    box = page.locator("#chart-impact-table").locator("xpath=..").bounding_box()
    assert box and box["width"] <= 1 and box["height"] <= 1  # there for screen readers only
    shots("41-charts")

    # Rename: the page and the list show the label.
    page.click("#manage-job summary")
    page.fill("#label", "Proband, first run")
    page.click("#rename-button")
    expect(page.locator("#job-label")).to_have_text("Proband, first run")

    # Re-run with the other installed reference: a new job; the first one stays.
    page.click("#manage-job summary")
    page.select_option("#rerun-reference", "gas-test37")
    shots("42-rerun-form")
    page.click("#rerun-button")
    expect(page).not_to_have_url(re.compile(job_id))
    rerun_id = page.url.rsplit("/", 1)[-1]
    expect(page.locator("#rerun-of")).to_contain_text("gas-test37")
    expect(page.locator("#download-results")).to_be_visible(timeout=90_000)
    expect(page.locator("#job-reference")).to_have_text("gas-test37 (GRCh37)")
    shots("43-rerun-completed")
    page.goto(web + "/annotations")
    expect(page.locator(f"tr[data-job-id='{job_id}']")).to_contain_text("Proband, first run")
    expect(page.locator(f"tr[data-job-id='{rerun_id}']")).to_be_visible()
    assert stack.jobs.get(job_id)["job_status"] == COMPLETED
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


def restore_takes(stack, seconds: int | None) -> None:
    """How long the emulator takes to restore an S3 Glacier object (None: at once)."""
    transition = {"progression": "time", "seconds": seconds} if seconds else {
        "progression": "immediate"}
    requests.post(stack.url("emulator") + "/moto-api/state-manager/set-transition",
                  json={"model_name": "s3::keyrestore", "transition": transition},
                  timeout=10).raise_for_status()


def mail_about(stack, words: str) -> list[dict]:
    return [m for m in stack.sent_mail() if words in m["subject"]]


RESTORE_SECONDS = 15


@pytest.fixture
def slow_restores(stack):
    """Restores that take a while (the emulator's clock starts when the cold copy is made)."""
    restore_takes(stack, RESTORE_SECONDS)
    yield
    restore_takes(stack, None)


@pytest.mark.usefixtures("slow_restores")
def test_cold_storage_emails_restore_on_an_open_page_and_cancel(stack, page, shots, tmp_path):
    web = stack.url("web")
    sign_in(page, web, "Rita Levi-Montalcini", "rita@example.org")
    vcf = tmp_path / "tumour.vcf"
    vcf.write_text(VCF)
    job_id = submit(page, web, vcf)
    expect(page.locator("#download-results")).to_be_visible(timeout=90_000)

    # The completion email says when the results go cold.
    done = wait_for(lambda: mail_about(stack, "results ready"), what="the completion email")
    assert "move to cold storage on" in done[0]["body"]

    # Make the results due now and let the archiver take them; one email says so.
    wait_for(lambda: stack.jobs.get(job_id).get("archive_status") == SCHEDULED,
             what="the archive schedule")
    stack.jobs.update(job_id, set={"archive_due_at": now() - 1})
    wait_for(lambda: stack.jobs.get(job_id).get("archive_status") == ARCHIVED, timeout=60,
             what="the results to be archived")
    archived = wait_for(lambda: mail_about(stack, "moved to cold storage"),
                        what="the archived email")
    assert len(archived) == 1 and "/subscribe" in archived[0]["body"]

    # The emulator's restore clock runs from the cold copy's making: a restore asked for
    # in the first RESTORE_SECONDS comes back at once, one asked later takes that long.
    archived_at = int(stack.jobs.get(job_id)["archived_time"])
    wait_for(lambda: now() > archived_at + RESTORE_SECONDS + 1, timeout=RESTORE_SECONDS + 5,
             what="the emulator's restore clock")

    # An open page of the archived job notices the restore an upgrade elsewhere starts.
    job_page = page.context.new_page()
    job_page.goto(f"{web}/annotations/{job_id}")
    expect(job_page.locator("#results")).to_contain_text("Archived")
    page.goto(web + "/subscribe")
    expect(page.get_by_role("link", name="Go premium")).to_be_visible()
    page.click("#upgrade")
    expect(page.get_by_text("You are now a premium user")).to_be_visible()
    expect(page.get_by_role("link", name="Go premium")).to_have_count(0)
    expect(page.locator("nav .badge", has_text="Premium")).to_be_visible()
    shots("44-premium-navbar")
    user_id = stack.jobs.get(job_id)["user_id"]
    assert stack.users.get(user_id)["role"] == PREMIUM

    expect(job_page.locator("#restore-tier")).to_have_text(
        "Standard retrieval: typically up to 12 hours.", timeout=30_000)
    job_page.close()
    page.goto(f"{web}/annotations/{job_id}")
    expect(page.locator("#restore-tier")).to_have_text(
        "Standard retrieval: typically up to 12 hours.")
    shots("45-restoring")
    # The open page leaves "Restoring" by itself when the files are back.
    expect(page.locator("#download-results")).to_be_visible(timeout=60_000)
    expect(page.locator("#restoring")).to_have_count(0)
    shots("46-restored")

    # Cancelling premium asks first and says what will happen.
    page.goto(web + "/profile")
    page.click("#cancel-premium")
    dialog = page.locator("#confirm-cancel")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("move to cold storage in 5 minutes")
    # The dialog fades in: take the picture once it is fully there.
    page.wait_for_function("() => getComputedStyle(document.getElementById('confirm-cancel'))"
                           ".opacity === '1'")
    shots("47-cancel-premium-confirm")
    page.get_by_role("button", name="Keep premium").click()
    expect(dialog).to_be_hidden()
    assert stack.users.get(user_id)["role"] == PREMIUM
    page.click("#cancel-premium")
    page.click("#confirm-cancel-button")
    expect(page.get_by_text("Premium cancelled.")).to_be_visible()
    expect(page.get_by_role("link", name="Go premium")).to_be_visible()
    assert stack.users.get(user_id)["role"] == "free_user"
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
