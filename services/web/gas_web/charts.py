"""What the job page's charts show: their numbers, axis titles, and why one is empty.

The page draws each chart from this (Chart.js) and writes the same numbers as a table for
screen readers, so a chart and its table cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from gas_common.consequences import IMPACT_OF, IMPACTS

# An impact the SO table does not give (a term from an older bundle) is shown as this.
OTHER = "other"


@dataclass
class Chart:
    """One chart: labelled counts, the share of each, and the reason when there are none."""

    id: str
    title: str
    kind: str  # bar, hbar, doughnut or pie
    x_title: str
    y_title: str
    labels: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    empty: str = ""  # why there is nothing to draw ('' when there is)
    note: str = ""  # what the numbers count
    width: str = "col-md-6"  # the page's grid column

    @property
    def rows(self) -> list[tuple[str, int, float]]:
        """(label, count, percent of the chart's total) for the table."""
        total = sum(self.counts)
        return [(label, n, 100.0 * n / total if total else 0.0)
                for label, n in zip(self.labels, self.counts, strict=True)]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _chart(chart: Chart, pairs: list[tuple[str, int]], empty: str,
           keep_zero: bool = False) -> Chart:
    pairs = [(str(k), int(v)) for k, v in pairs if keep_zero or int(v) > 0]
    chart.labels = [k.replace("_", " ") for k, _ in pairs]
    chart.counts = [v for _, v in pairs]
    if not pairs or not any(chart.counts):
        chart.labels, chart.counts, chart.empty = [], [], empty
    return chart


def _chromosome_order(name: str) -> tuple[int, str]:
    bare = re.sub(r"^chr", "", name, flags=re.I)
    if bare.isdigit():
        return int(bare), ""
    return {"X": 23, "Y": 24, "M": 25, "MT": 25}.get(bare.upper(), 100), bare


def impact_counts(by_region: dict[str, Any]) -> dict[str, int]:
    """Records by impact, from the records by their most severe SO term."""
    counts = dict.fromkeys(IMPACTS, 0)
    for term, n in by_region.items():
        impact = IMPACT_OF.get(term, OTHER)
        counts[impact] = counts.get(impact, 0) + int(n)
    return counts


def summary_charts(summary: dict[str, Any] | None) -> list[Chart]:
    """The charts of a job's summary (the job item's copy of summary.json)."""
    s = summary or {}
    total = int(s.get("total") or 0)
    annotated = int(s.get("annotated") or 0) if s.get("annotated") is not None else total
    nothing = "The file has no variant records." if not total else ""
    unannotated = nothing or ("No variant was annotated: the file's chromosomes match none of "
                              "the reference's." if not annotated else "")
    by_region = s.get("by_region") or {}
    charts = [
        _chart(Chart("chart-impact", "Impact", "bar", "Impact of the most severe consequence",
                     "Variants", note="Each variant once, at its most severe consequence."),
               list(impact_counts(by_region).items()),
               unannotated or "No variant has a consequence term.", keep_zero=True),
        _chart(Chart("chart-class", "Variant classes", "doughnut", "", "",
                     note="ALT alleles by class."),
               sorted((s.get("by_class") or {}).items(), key=lambda kv: -int(kv[1])),
               nothing or "No ALT allele could be classed."),
        _chart(Chart("chart-region", "Consequences", "bar", "Most severe consequence",
                     "Variants", note="Each variant once, at its most severe consequence."),
               list(by_region.items()), unannotated or "No variant has a consequence term."),
        _chart(Chart("chart-chromosome", "Variants per chromosome", "bar", "Chromosome",
                     "Variants", width="col-12"),
               sorted((s.get("by_chromosome") or {}).items(),
                      key=lambda kv: _chromosome_order(str(kv[0]))),
               nothing or "No record names a chromosome."),
    ]
    if s.get("known_source") is not False:  # None: a job from before this was recorded
        known = int(s.get("known_ids") or 0)
        charts[-1].width = "col-md-8"  # the known IDs sit beside the chromosomes
        charts.append(_chart(
            Chart("chart-known", "Known IDs", "pie", "", "", width="col-md-4",
                  note="Variants whose position and allele match a known variant."),
            [("known ID", known), ("novel", max(total - known, 0))],
            nothing or "No variant was compared with known variants."))
    return charts
