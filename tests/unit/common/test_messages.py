"""The message schema: every type round-trips; bad bodies fail with a one-line reason."""

from __future__ import annotations

import json

import pytest
from gas_common import messages as m

VALID = [
    m.JobRequested(job_id="j", user_id="u", input_file_name="a.vcf", s3_inputs_bucket="b",
                   s3_key_input_file="u/j~a.vcf", submit_time=1),
    m.JobCompleted(job_id="j", user_id="u", complete_time=2, s3_results_bucket="r",
                   s3_key_result_file="u/j~a.annot.vcf", s3_key_log_file="u/j~a.vcf.count.log"),
    m.JobFailed(job_id="j", user_id="u", complete_time=2, reason="line 3: POS is not a number"),
    m.JobRestored(job_id="j", user_id="u"),
    m.ThawRequested(user_id="u"),
]


@pytest.mark.parametrize("message", VALID, ids=lambda msg: msg.type)
def test_round_trip(message):
    body = m.dumps(message)
    assert json.loads(body)["version"] == 1
    assert m.parse(body) == message


def test_extra_fields_are_kept():
    body = json.dumps({"type": "job.restored", "version": 1, "job_id": "j", "user_id": "u",
                       "input_file_name": "a.vcf"})
    assert m.parse(body).model_extra == {"input_file_name": "a.vcf"}


@pytest.mark.parametrize("body, fragment", [
    ("{", "not JSON"),
    ("[]", "not a JSON object"),
    ('{"type": "job.exploded", "version": 1}', "job.exploded"),
    ('{"version": 1, "user_id": "u"}', "type"),
    ('{"type": "thaw.requested", "version": 2, "user_id": "u"}', "version"),
    ('{"type": "thaw.requested", "version": 1}', "user_id"),
    ('{"type": "thaw.requested", "version": 1, "user_id": ""}', "user_id"),
    ('{"type": "job.failed", "version": 1, "job_id": "j", "user_id": "u", '
     '"complete_time": "soon", "reason": "x"}', "complete_time"),
])
def test_bad_messages_say_what_is_wrong(body, fragment):
    with pytest.raises(m.MessageError) as err:
        m.parse(body)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)
