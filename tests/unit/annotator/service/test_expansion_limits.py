"""The annotator applies the owner's tier bounds to what a job expands to (real engine)."""

from __future__ import annotations

import gzip

import pytest
from gas_annotator import child
from gas_common.jobstates import COMPLETED, FAILED
from gas_common.stores import UserStore

from tests.factories import settings_with
from tests.unit.annotator.service.test_runner import run_to_end

pytestmark = pytest.mark.usefixtures("published")  # nothing is sent over SNS here

MB = 1024**2
HEADER = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
RECORD = b"chr1\t10100\t.\tC\tA\t.\t.\t.\n"


def expanding_to(size: int) -> bytes:
    """A small gzip upload that decompresses to about `size` bytes of valid VCF."""
    chunk = RECORD * (MB // len(RECORD))
    member = gzip.compress(chunk, compresslevel=9)
    return gzip.compress(HEADER) + member * (size // len(chunk))


@pytest.fixture
def tiered(aws_mock, test_reference):
    """Settings with small bounds: 2 MB expanded for free users, 8 MB for premium."""
    return settings_with(aws_mock, reference=str(test_reference),
                         free_max_expanded_bytes=2 * MB, premium_max_expanded_bytes=8 * MB)


def owner_is(settings, role):
    UserStore(settings).table.put_item(Item={"user_id": "u-1", "email": "u@example.org",
                                             "name": "U", "role": role})


@pytest.mark.parametrize("role, bound", [("free_user", "2 MB"), ("premium_user", "8 MB")])
def test_a_gzip_bomb_fails_at_the_tier_bound(tiered, published, role, bound):
    owner_is(tiered, role)
    bomb = expanding_to(1024 * MB)  # 1 GB of records in under 3 MB
    assert len(bomb) < 3 * MB
    _, done = run_to_end(tiered, child.annotate, bomb)
    assert done["job_status"] == FAILED
    assert done["error"] == f"the input expands to more than {bound}"
    assert [(m.type, m.reason) for m in published] == [("job.failed", done["error"])]


@pytest.mark.parametrize("role, status", [("free_user", FAILED), ("premium_user", COMPLETED)])
def test_the_bound_follows_the_owner_s_tier(tiered, role, status):
    owner_is(tiered, role)
    # The premium job annotates every record: slow on a busy machine.
    _, done = run_to_end(tiered, child.annotate, expanding_to(3 * MB), timeout=180)
    assert done["job_status"] == status, done.get("error")
