"""Counts gathered while annotating, the summary.json dict and the human count log."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..reference.model import TERMS
from .so_terms import RANK
from .variant_class import TITV


@dataclass
class Stats:
    """Running counts; the engine increments them in its hot loop."""

    total: int = 0
    annotated: int = 0
    known_ids: int = 0
    ti: int = 0
    tv: int = 0
    by_chromosome: Counter = field(default_factory=Counter)
    by_region: Counter = field(default_factory=Counter)
    by_class: Counter = field(default_factory=Counter)
    unannotated: Counter = field(default_factory=Counter)
    unknown_contigs: Counter = field(default_factory=Counter)
    ref_mismatches: int = 0  # records whose REF differs from the bundle's genome
    warnings: list[str] = field(default_factory=list)

    def add_titv(self, pair: str, n: int = 1) -> None:
        """Count n SNV alleles REF+ALT ('AG') as transitions or transversions."""
        kind = TITV.get(pair)
        if kind is not None:
            if kind:
                self.ti += n
            else:
                self.tv += n

    def summary(self, reference: dict, input_name: str, fileformat: str, samples: int,
                error: str | None = None) -> dict:
        """The summary.json content (key names are a stable contract, see docs/engine.md)."""
        rate = self.known_ids / self.total if self.total else 0.0
        return {
            "total": self.total,
            "annotated": self.annotated,
            "known_ids": self.known_ids,
            "known_id_rate": round(rate, 6),
            "by_chromosome": dict(self.by_chromosome),
            "by_region": {t: self.by_region[t] for t in _region_order(self.by_region)},
            "by_class": dict(self.by_class.most_common()),
            "ti": self.ti,
            "tv": self.tv,
            "ti_tv": round(self.ti / self.tv, 4) if self.tv else None,
            "unannotated": dict(self.unannotated.most_common()),
            "unknown_contigs": dict(self.unknown_contigs.most_common(100)),  # the top 100
            "ref_mismatches": self.ref_mismatches,
            "warnings": list(self.warnings),
            "reference": reference,
            "input": {"name": input_name, "fileformat": fileformat, "samples": samples},
            "error": error,
        }


def _region_order(counts: Counter) -> list[str]:
    # gene-level terms first (the order the log has always had), then per-transcript ones
    rest = sorted((t for t in counts if t not in TERMS and counts[t]),
                  key=lambda t: RANK.get(t, len(RANK)))
    return [t for t in TERMS if counts[t]] + rest


def count_log(s: dict) -> str:
    """The human-readable count log, in the spirit of the original GAS one."""
    ref = s["reference"]
    pct = 100.0 * s["known_ids"] / s["total"] if s["total"] else 0.0
    lines = [
        "## GAS annotation count log",
        f"## Input: {s['input']['name']} ({s['input']['fileformat'] or 'unknown format'}, "
        f"{s['input']['samples']} samples)",
        f"## Reference: {ref['name']} (build {ref['build'] or 'unknown'}, "
        f"version {ref['version'] or 'unknown'})",
        *([f"## Reference cannot give: {', '.join(ref['cannot_give'])} (no genome sequence "
            "in the bundle; rebuild it with gas reference build --fasta)"]
          if ref.get("cannot_give") else []),
        "## Region counts give each variant once, under its most severe term over all genes",
        f"Total: {s['total']}",
        f"In dbSNP: {s['known_ids']} ({pct:.10g}%)",
        f"Annotated: {s['annotated']}",
        "Variants located: ",
    ]
    lines += [f"In {t} {s['by_region'].get(t, 0)}" for t in TERMS]
    lines += [f"In {t} {n}" for t, n in s["by_region"].items() if t not in TERMS]
    lines.append("Variant classes: ")
    lines += [f"{k} {v}" for k, v in s["by_class"].items()]
    ratio = "n/a" if s["ti_tv"] is None else f"{s['ti_tv']:.4f}"
    lines.append(f"Ti/Tv: {s['ti']}/{s['tv']} = {ratio}")
    lines.append("Not annotated: " + ("none" if not s["unannotated"] else ""))
    lines += [f"  {reason}: {n}" for reason, n in s["unannotated"].items()]
    if s["unknown_contigs"]:
        names = ", ".join(f"{c} ({n})" for c, n in list(s["unknown_contigs"].items())[:20])
        lines.append(f"Contigs not in the reference: {names}")
    if s.get("ref_mismatches"):
        lines.append(f"REF differs from the reference genome: {s['ref_mismatches']} records "
                     "(annotated, with WARNING_REF_DOES_NOT_MATCH_GENOME)")
    lines += [f"Warning: {w}" for w in s["warnings"]]
    if s.get("error"):
        lines.append(f"ERROR: {s['error']}")
    return "\n".join(lines) + "\n"
