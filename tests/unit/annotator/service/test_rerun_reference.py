"""A re-run names its reference: the annotator uses that installed bundle as told (the
real engine), and fails, with a reason, a name that is a path or is not installed."""

from __future__ import annotations

import pytest
from gas_annotator import child
from gas_common.jobstates import COMPLETED, FAILED

from tests.factories import settings_with
from tests.unit.annotator.service.test_runner import run_to_end

pytestmark = pytest.mark.usefixtures("published")  # nothing is sent over SNS here

# No build in the header: on its own the job gets the default bundle, gas-test.
VCF = (b"##fileformat=VCFv4.2\n##contig=<ID=chr1>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
       b"chr1\t10300\t.\tA\tG\t.\t.\t.\n")


@pytest.fixture
def installed(aws_mock, test_reference):
    """The test bundles installed side by side: gas-test (no build) and gas-test37 (GRCh37)."""
    return settings_with(aws_mock, reference=str(test_reference),
                         reference_dir=str(test_reference.parent))


def run(settings, **fields):
    return run_to_end(settings, child.annotate, VCF, **fields)[1]


def test_without_a_request_the_default_bundle_annotates(installed):
    assert run(installed)["reference"] == "gas-test"


def test_a_rerun_uses_the_bundle_it_names(installed):
    done = run(installed, requested_reference="gas-test37")
    assert done["job_status"] == COMPLETED
    assert done["reference"] == "gas-test37 (GRCh37)"


@pytest.mark.parametrize("name, reason", [
    ("../gas-test37", "is not a reference name"),
    ("grch99", "not installed"),
])
def test_a_reference_that_cannot_be_used_fails_the_job_with_the_reason(installed, name, reason):
    done = run(installed, requested_reference=name)
    assert done["job_status"] == FAILED
    assert reason in done["error"]
