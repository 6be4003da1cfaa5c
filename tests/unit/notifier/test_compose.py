"""The email templates: escaping, the failure reason, the link, plain text without HTML."""

from __future__ import annotations

import re

import pytest
from gas_notifier.compose import EVENTS, compose, utc

JOB = {"job_id": "job-42", "user_id": "u", "input_file_name": "sample.vcf",
       "submit_time": 1_763_790_000, "complete_time": 1_763_790_125}
USER = {"email": "ann@example.org", "name": "Ann"}
URL = "https://gas.example.org/"
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@pytest.mark.parametrize("event", EVENTS)
def test_html_escapes_the_file_name(event):
    job = {**JOB, "input_file_name": "<script>alert(1)</script>.vcf"}
    email = compose(event, job, USER, URL, reason="<b>bad</b> line 3")
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.vcf" in email.html
    assert "<b>bad</b>" not in email.html


@pytest.mark.parametrize("event", EVENTS)
def test_plain_text_has_no_html_and_both_bodies_carry_the_facts(event):
    email = compose(event, JOB, USER, URL)
    assert not TAG.search(email.text), email.text
    assert TAG.search(email.html)
    for body in (email.text, email.html):
        assert "https://gas.example.org/annotations/job-42" in body
        assert "sample.vcf" in body
        assert "Sat 22 Nov 2025, 05:40 UTC" in body  # submitted
        assert "Sat 22 Nov 2025, 05:42 UTC" in body  # completed / failed
    assert email.to == "ann@example.org"
    assert "sample.vcf" in email.subject


def test_failure_email_gives_the_reason_in_both_bodies():
    reason = "line 7: not a VCF record (expected 8 tab-separated columns)"
    email = compose("failed", JOB, USER, URL, reason=reason)
    assert reason in email.text
    assert reason in email.html
    assert "failed" in email.subject


def test_subjects_differ_by_event():
    subjects = {compose(event, JOB, USER, URL).subject for event in EVENTS}
    assert len(subjects) == len(EVENTS)


def test_subject_is_one_line_even_for_a_hostile_file_name():
    job = {**JOB, "input_file_name": "a.vcf\r\nBcc: victim@example.org"}
    subject = compose("completed", job, USER, URL).subject
    assert "\n" not in subject and "\r" not in subject


def test_restored_email_shows_when_it_came_back():
    email = compose("restored", {**JOB, "restored_time": 1_763_800_000}, USER, URL)
    assert "Sat 22 Nov 2025, 08:26 UTC" in email.text
    assert "Sat 22 Nov 2025, 08:26 UTC" in email.html


def test_missing_times_read_unknown():
    email = compose("completed", {"job_id": "j", "input_file_name": "x.vcf"}, USER, URL)
    assert "unknown" in email.text
    assert utc(None) == ""
