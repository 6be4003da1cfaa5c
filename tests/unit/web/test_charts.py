"""The job page's charts: numbers, axis titles, impact from the consequence terms, the
known-ID chart only where the bundle knows variants, reasons for empty charts, and a table
of every chart's numbers for screen readers."""

from __future__ import annotations

import html
import json
import re

from gas_common.jobstates import ARCHIVED
from gas_web.charts import impact_counts, summary_charts

from tests.unit.web.conftest import SUMMARY, completed_job, explorer_job


def by_id(summary):
    return {c.id: c for c in summary_charts(summary)}


def test_impact_is_counted_from_each_variants_most_severe_term():
    counts = impact_counts({"missense_variant": 3, "stop_gained": 1, "intron_variant": 7,
                            "synonymous_variant": 2, "made_up_term": 1})
    assert counts == {"HIGH": 1, "MODERATE": 3, "LOW": 2, "MODIFIER": 7, "other": 1}


def test_every_bar_chart_has_axis_titles_and_shares():
    charts = by_id({**SUMMARY, "by_region": {"missense_variant": 3, "intron_variant": 1}})
    for chart in charts.values():
        if chart.kind == "bar":
            assert chart.x_title and chart.y_title, chart.id
    impact = charts["chart-impact"]
    assert impact.labels == ["HIGH", "MODERATE", "LOW", "MODIFIER"]
    assert impact.counts == [0, 3, 0, 1]
    assert impact.rows[1] == ("MODERATE", 3, 75.0)
    assert charts["chart-chromosome"].labels == ["1", "X"]  # chromosome order, not count


def test_the_known_id_chart_is_only_there_when_the_bundle_knows_variants():
    assert "chart-known" not in by_id({**SUMMARY, "known_source": False})
    assert by_id({**SUMMARY, "known_source": True})["chart-known"].counts == [4, 6]
    assert "chart-known" in by_id(SUMMARY)  # older jobs did not record it: keep the chart


def test_an_empty_chart_says_why():
    nothing = by_id({"total": 0, "annotated": 0})
    assert {c.empty for c in nothing.values()} == {"The file has no variant records."}
    unmatched = by_id({**SUMMARY, "total": 5, "annotated": 0, "by_region": {}})
    assert "match none of the reference" in unmatched["chart-impact"].empty
    assert "match none of the reference" in unmatched["chart-region"].empty
    assert unmatched["chart-class"].empty == ""  # classes are counted either way
    for chart in nothing.values():
        assert chart.labels == [] and chart.counts == [] and chart.rows == []


def tables(page: str) -> dict[str, list[list[str]]]:
    """Every screen-reader table on the page: id -> rows of cell texts."""
    found = {}
    for table_id, body in re.findall(
            r'<div class="visually-hidden"><table id="([^"]+)">(.*?)</table></div>', page, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
        found[table_id] = [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)]
                           for r in rows]
    return found


def test_the_page_has_a_table_for_every_drawn_chart(client, auth, settings):
    summary = {**SUMMARY, "known_source": True,
               "by_region": {"missense_variant": 3, "intron_variant": 7}}
    job = completed_job(settings, auth.login(), summary=summary)
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    found = tables(page)
    assert set(found) == {"chart-impact-table", "chart-class-table", "chart-region-table",
                          "chart-chromosome-table", "chart-known-table"}
    assert found["chart-impact-table"][0] == ["Impact of the most severe consequence",
                                              "Variants", "Percent"]
    assert ["MODERATE", "3", "30.0%"] in found["chart-impact-table"]
    assert ["known ID", "4", "40.0%"] in found["chart-known-table"]
    assert ["missense variant", "3", "30.0%"] in found["chart-region-table"]
    drawn = json.loads(html.unescape(re.search(
        r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S).group(1)))
    assert [c["id"] for c in drawn] == ["chart-impact", "chart-class", "chart-region",
                                        "chart-chromosome", "chart-known"]
    assert "chartjs-plugin-datalabels.min.js" in page


def test_the_page_hides_the_known_id_chart_and_figure_without_a_source(client, auth, settings):
    job = completed_job(settings, auth.login(), summary={**SUMMARY, "known_source": False})
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert 'id="chart-known' not in page and 'id="stat-known"' not in page


def test_an_empty_chart_shows_its_reason_instead_of_a_canvas(client, auth, settings):
    job = completed_job(settings, auth.login(),
                        summary={**SUMMARY, "total": 5, "annotated": 0, "by_region": {}})
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert re.search(r'id="chart-region-empty">No variant was annotated', page)
    assert '<canvas id="chart-region">' not in page and "chart-region-table" not in page


def test_the_top_genes_chart_reads_the_gene_table_or_says_why_not(client, auth, settings,
                                                                 tmp_path):
    user_id = auth.login()
    browsable = explorer_job(settings, user_id, tmp_path)
    page = client.get(f"/annotations/{browsable['job_id']}").get_data(as_text=True)
    url = html.unescape(re.search(r'id="top-genes" data-url="([^"]+)"', page).group(1))
    genes = client.get(url).get_json()
    assert 0 < len(genes["rows"]) <= 10
    assert genes["rows"][0]["variants"] >= genes["rows"][-1]["variants"]
    old = completed_job(settings, user_id)  # from before the tables
    assert "before GAS counted variants per gene" in client.get(
        f"/annotations/{old['job_id']}").get_data(as_text=True)
    cold = completed_job(settings, user_id, archive_status=ARCHIVED,
                         results_file_archive_id="cold-1", s3_key_genes_file="x.parquet")
    cold_page = client.get(f"/annotations/{cold['job_id']}").get_data(as_text=True)
    assert re.search(r'id="chart-genes-empty">The results are in cold storage', cold_page)
    assert 'id="top-genes"' not in cold_page
