"""The original GAS sample files (../shared/data/gas-samples), when that folder is present."""

from __future__ import annotations

from pathlib import Path

import pytest
from gas_annotator.engine import AnnotationError, annotate_file

SAMPLES = Path(__file__).resolve().parents[4] / "../shared/data/gas-samples"
FILES = sorted(p.name for p in SAMPLES.glob("*.vcf")) if SAMPLES.is_dir() else []
# What each file's header says about its build; the test bundle is GRCh38.
MISMATCHED = {"free_2.vcf": "NCBI36", "premium_1.vcf": "NCBI36", "premium_2.vcf": "GRCh37",
              "premium_3.vcf": "NCBI36"}


@pytest.mark.skipif(not FILES, reason=f"{SAMPLES} is not present")
@pytest.mark.parametrize("name", FILES or ["none"])
def test_sample_is_processed_and_log_says_what_was_not_annotated(name, tmp_path, bundle) -> None:
    src = SAMPLES / name
    records = sum(1 for ln in src.open() if ln.strip() and not ln.startswith("#"))
    if name in MISMATCHED:  # another build than the bundle: a failure that says what to do
        with pytest.raises(AnnotationError) as e:
            annotate_file(src, tmp_path, bundle)
        assert str(e.value).startswith(f"the input is on {MISMATCHED[name]} (header ")
        assert "lift it over to GRCh38, e.g. with CrossMap or Picard LiftoverVcf" in str(e.value)
        assert not list(tmp_path.glob("*.annot.vcf"))
        return
    res = annotate_file(src, tmp_path, bundle)
    s = res.summary
    assert s["error"] is None
    assert s["total"] == records == res.variants
    out = [ln for ln in res.annot_path.read_text().splitlines() if not ln.startswith("#")]
    assert len(out) == records
    assert s["annotated"] + sum(s["unannotated"].values()) >= records
    log = res.log_path.read_text()
    assert f"Total: {records}" in log
    # MT on rCRS, the mitochondrial sequence GRCh38 uses too
    assert "build mismatch" not in s["unannotated"]
    assert s["annotated"] + sum(s["unannotated"].values()) == records
    assert s["annotated"] >= records - 2  # free_1 has one record whose ALT is '.'
    assert set(s["by_chromosome"]) == {"MT"}
