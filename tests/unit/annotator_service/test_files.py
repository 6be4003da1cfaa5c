"""Result naming, input limits and what goes on the job item."""

from __future__ import annotations

import pytest
from gas_annotator.files import ResultKeys, item_summary, result_name, safe_file_name
from gas_annotator.process import death_reason
from gas_annotator.refdata import reference_path

from .conftest import settings_with


@pytest.mark.parametrize("name, safe, result", [
    ("sample.vcf", "sample.vcf", "sample"),
    ("sample.vcf.gz", "sample.vcf.gz", "sample"),
    ("my sample (1).vcf", "my_sample_1_.vcf", "my_sample_1_"),
    ("../../etc/passwd", "passwd", "passwd"),
    ("..\\evil.vcf", "evil.vcf", "evil"),
    ("..", "input.vcf", "input"),
    ("$(rm -rf ~).vcf", "_rm_-rf_.vcf", "_rm_-rf_"),
])
def test_file_names_are_reduced_to_one_harmless_component(name, safe, result):
    assert safe_file_name(name) == safe
    assert result_name(name) == result


def test_result_keys_follow_the_design_with_the_prefix(local_settings):
    s = settings_with(local_settings, key_prefix="gas/")
    keys = ResultKeys.of({"user_id": "u", "job_id": "j", "input_file_name": "a.vcf"}, s)
    assert keys == ResultKeys("gas/u/j~a.annot.vcf", "gas/u/j~a.vcf.count.log",
                              "gas/u/j~a.summary.json", "gas/u/j~a.variants.parquet",
                              "gas/u/j~a.genes.parquet")


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
