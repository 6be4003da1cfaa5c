"""The S3 key layout and the one file-name sanitiser (web keys and annotator names agree)."""

from __future__ import annotations

import pytest
from gas_common.keys import (
    MAX_FILENAME,
    ResultKeys,
    base_name,
    file_name_of,
    input_key,
    sanitise_filename,
    split_key,
)

from tests.factories import settings_with


@pytest.mark.parametrize("raw, clean, name", [
    ("sample.vcf", "sample.vcf", "sample"),
    ("sample.vcf.gz", "sample.vcf.gz", "sample"),
    ("../../etc/passwd.vcf", "passwd.vcf", "passwd"),
    ("..\\evil.vcf", "evil.vcf", "evil"),
    ("C:\\Users\\me\\calls.vcf.gz", "calls.vcf.gz", "calls"),
    ("bad\x00name\x1b[31m.vcf", "badname_31m.vcf", "badname_31m"),
    ("my sample (1).vcf", "my_sample_1_.vcf", "my_sample_1_"),
    ("my sample+1.vcf", "my_sample+1.vcf", "my_sample+1"),
    ("", "upload.vcf", "upload"),
    ("..", "upload.vcf", "upload"),
    ("~$;rm -rf.vcf", "rm_-rf.vcf", "rm_-rf"),
    ("$(rm -rf ~).vcf", "rm_-rf_.vcf", "rm_-rf_"),
])
def test_file_names_become_one_harmless_component_and_results_keep_it(raw, clean, name):
    assert sanitise_filename(raw) == clean
    assert base_name(raw) == name


def test_very_long_names_keep_their_extension():
    name = sanitise_filename("x" * 5000 + ".vcf.gz")
    assert len(name) == MAX_FILENAME and name.endswith(".vcf.gz")


def test_keys_follow_the_design_with_the_prefix(local_settings):
    s = settings_with(local_settings, key_prefix="gas/")
    job = {"user_id": "u", "job_id": "j", "input_file_name": "my sample+1.vcf"}
    keys = ResultKeys.of(job, s)
    assert keys == ResultKeys("gas/u/j~my_sample+1.annot.vcf", "gas/u/j~my_sample+1.vcf.count.log",
                              "gas/u/j~my_sample+1.summary.json",
                              "gas/u/j~my_sample+1.variants.parquet",
                              "gas/u/j~my_sample+1.genes.parquet")
    assert input_key("u", "j", "a.vcf", s) == "gas/u/j~a.vcf"
    assert split_key(keys.result) == ("j", "my_sample+1.annot.vcf")
    assert split_key("gas/u/no-separator.vcf") == ("", "")
    assert file_name_of(keys.log) == "my_sample+1.vcf.count.log"
