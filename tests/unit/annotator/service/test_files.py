"""Input limits and what goes on the job item."""

from __future__ import annotations

import pytest
from gas_annotator.files import item_summary
from gas_annotator.process import death_reason
from gas_annotator.refdata import reference_path

from tests.factories import settings_with


def test_item_summary_keeps_counts_and_bounds_chromosomes():
    summary = {"total": 5, "by_chromosome": {f"c{i}": i for i in range(300)} | {"": 1},
               "by_region": {"intron_variant": 5}, "warnings": ["x"] * 1000, "ti_tv": 2.5}
    kept = item_summary(summary)
    assert kept["total"] == 5 and kept["ti_tv"] == 2.5 and "warnings" not in kept
    assert len(kept["by_chromosome"]) == 100 and kept["by_chromosome"]["c299"] == 299


@pytest.mark.parametrize("code, reason", [
    (-9, "the annotation process was killed (SIGKILL), most likely out of memory"),
    (-11, "the annotation process died (SIGSEGV)"),
    (1, "the annotation process stopped unexpectedly (exit code 1)"),
])
def test_death_reasons_are_one_readable_line(code, reason):
    assert death_reason(code) == reason


def test_reference_by_name_or_path(local_settings, tmp_path):
    s = settings_with(local_settings, reference="grch38", reference_dir=str(tmp_path))
    assert reference_path(s) == tmp_path / "grch38"
    s = settings_with(local_settings, reference=str(tmp_path / "mine"))
    assert reference_path(s) == tmp_path / "mine"
