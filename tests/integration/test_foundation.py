"""The foundation over real HTTP: moto server, SNS delivery, auth, provisioning, gas up."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from gas_common.messages import JobCompleted, JobFailed, JobRequested, JobRestored, ThawRequested
from gas_common.settings import SERVICES
from gas_tools.provision import provision

from tests.harness import free_port, wait_for

REQUEST = JobRequested(job_id="j-1", user_id="u-1", input_file_name="a.vcf",
                       s3_inputs_bucket="gas-inputs", s3_key_input_file="u-1/j-1~a.vcf",
                       submit_time=1)
COMPLETED = JobCompleted(job_id="j-1", user_id="u-1", complete_time=2, s3_results_bucket="r",
                         s3_key_result_file="k", s3_key_log_file="l")

# (message, topic setting, the (service, endpoint) that must accept it)
ROUTES = [
    (REQUEST, "job_requests_topic", [("annotator", "/sns/job-requests")]),
    (COMPLETED, "job_results_topic", [("archiver", "/sns/job-results"),
                                       ("notifier", "/sns/job-results")]),
    (JobFailed(job_id="j-1", user_id="u-1", complete_time=2, reason="bad"),
     "job_results_topic", [("notifier", "/sns/job-results")]),
    (JobRestored(job_id="j-1", user_id="u-1"), "job_results_topic",
     [("notifier", "/sns/job-results")]),
    (ThawRequested(user_id="u-1"), "thaw_requests_topic", [("thawer", "/sns/thaw-requests")]),
    (json.dumps({"Records": [{"eventName": "ObjectRestore:Completed"}]}),
     "restore_results_topic", [("thawer", "/sns/restore-results")]),
]


def accepted(stack, service: str, endpoint: str, outcome: str = "accepted") -> float:
    return stack.metric(service, "gas_sns_requests_total", endpoint=endpoint, outcome=outcome)


@pytest.mark.parametrize("message, topic, receivers", ROUTES,
                         ids=[r[1] + ":" + getattr(r[0], "type", "aws-notice") for r in ROUTES])
def test_each_topic_reaches_its_services_signed_and_authenticated(stack, message, topic,
                                                                  receivers):
    before = {r: accepted(stack, *r) for r in receivers}
    stack.publish(message, topic)
    for receiver in receivers:
        wait_for(lambda r=receiver: accepted(stack, *r) == before[r] + 1,
                 what=f"{receiver} to accept the message")
    # the signature path, not just the secret, was exercised
    assert stack.settings.sns_verify_signature and stack.settings.sns_basic_auth


def _auth(secret: str) -> str:
    return "Basic " + base64.b64encode(f"gas:{secret}".encode()).decode()


def _genuine_envelope(stack) -> dict:
    """A real signed delivery, captured by a subscriber of our own."""
    with stack.capture("job_requests_topic") as envelopes:
        stack.publish(REQUEST, "job_requests_topic")
        wait_for(lambda: envelopes, what="a captured delivery")
    return envelopes[0]


def test_forged_deliveries_are_refused_and_change_nothing(stack):
    url = stack.url("annotator") + "/sns/job-requests"
    secret = stack.settings.sns_shared_secret
    envelope = _genuine_envelope(stack)
    before = accepted(stack, "annotator", "/sns/job-requests")

    def send(body, secret=secret):
        data = body if isinstance(body, str) else json.dumps(body)
        return requests.post(url, data=data, timeout=10,
                             headers={"Content-Type": "text/plain", "Authorization": _auth(secret)})

    # the genuine envelope is accepted when replayed by its rightful sender
    assert send(envelope).status_code == 200
    tampered = dict(envelope, Message=envelope["Message"].replace("j-1", "j-2"))
    wrong_topic = dict(envelope, TopicArn=stack.topic_arn("job_results_topic"))
    wrong_host = dict(envelope, SigningCertURL="https://example.com/cert.pem")
    cases = [
        (send(tampered), 403),
        (send(wrong_topic), 403),
        (send(wrong_host), 403),
        (send(envelope, secret="wrong"), 403),
        (requests.post(url, data=json.dumps(envelope), timeout=10), 403),
        (send("garbage"), 400),
        (send(""), 400),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        assert "\n" not in response.json()["error"]
    assert accepted(stack, "annotator", "/sns/job-requests") == before + 1


def test_every_endpoint_answers_malformed_input_with_a_one_line_4xx(stack):
    paths = {"annotator": ["/sns/job-requests"], "archiver": ["/sns/job-results"],
             "thawer": ["/sns/thaw-requests", "/sns/restore-results"],
             "notifier": ["/sns/job-results"]}
    for service, endpoints in paths.items():
        for path in endpoints:
            for body in ["", "{", "\x00\xff", json.dumps({"Type": 7})]:
                r = requests.post(stack.url(service) + path, data=body, timeout=10)
                assert 400 <= r.status_code < 500, (service, path, body, r.text)
                assert "Traceback" not in r.text
            assert requests.get(stack.url(service) + path, timeout=10).status_code == 405
        assert requests.get(stack.url(service) + "/no-such-page", timeout=10).status_code == 404


def test_health_ready_and_metrics_on_every_service(stack):
    for service in SERVICES:
        assert requests.get(stack.url(service) + "/healthz", timeout=5).json()["status"] == "ok"
        assert requests.get(stack.url(service) + "/readyz", timeout=5).json()["status"] == "ready"
        metrics = requests.get(stack.url(service) + "/metrics", timeout=5)
        assert "gas_http_requests_total" in metrics.text


def test_provision_twice_reports_no_changes(stack):
    lines: list[str] = []
    assert provision(stack.settings, echo=lines.append) == 0
    assert lines[-1].startswith("no changes")
    assert provision(stack.settings, dry_run=True, echo=lines.append) == 0


def test_provision_cli_dry_run_then_real_then_nothing(stack):
    requests.post(stack.url("emulator") + "/moto-api/reset", timeout=10).raise_for_status()
    env = {**os.environ, **stack.env}
    gas = [sys.executable, "-m", "gas_tools.cli", "provision"]
    dry = subprocess.run([*gas, "--dry-run"], env=env, capture_output=True, text=True, check=True)
    assert "(dry run)" in dry.stdout and "to create" in dry.stdout
    first = subprocess.run(gas, env=env, capture_output=True, text=True, check=True)
    assert "created table gas-annotations" in first.stdout
    second = subprocess.run(gas, env=env, capture_output=True, text=True, check=True)
    assert "created" not in second.stdout and "no changes" in second.stdout


Process = tuple[int, str]  # (pid, start time): a pid the system reuses is another process


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat fields from the state on (state, ppid, ...), or None when gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def _pids_alive(family: list[Process]) -> list[Process]:
    """The processes of family still running: not gone, not a zombie (exited, waiting to
    be reaped), not a new process that got a reused pid."""
    alive = []
    for pid, start in family:
        fields = _stat(pid)
        if fields is not None and fields[0] != "Z" and fields[19] == start:
            alive.append((pid, start))
    return alive


def _described(family: list[Process]) -> str:
    """Each process's pid, state and command line, for a failure message."""
    out = []
    for pid, _ in family:
        fields = _stat(pid) or ["gone"]
        with_args = Path(f"/proc/{pid}/cmdline")
        cmd = with_args.read_bytes().replace(b"\0", b" ").decode(errors="replace")[:160] \
            if with_args.exists() else ""
        out.append(f"{pid} [{fields[0]}] {cmd}")
    return "; ".join(out)


def _children(pid: int) -> list[Process]:
    """Every descendant of pid now, with its start time."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,pgid="], capture_output=True, text=True)
    rows = [tuple(map(int, line.split())) for line in out.stdout.splitlines() if line.strip()]
    family, frontier = set(), {pid}
    while frontier:
        parent = frontier.pop()
        for child, ppid, _ in rows:
            if ppid == parent and child not in family:
                family.add(child)
                frontier.add(child)
    known = ((p, _stat(p)) for p in sorted(family))
    return [(p, fields[19]) for p, fields in known if fields is not None]


def _up_env(tmp_path: Path, reference: Path) -> dict[str, str]:
    """The environment of a `gas up` on free ports with the test reference bundle."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAS_")}
    for name in (*SERVICES, "emulator"):
        env[f"GAS_{name.upper()}_PORT"] = str(free_port())
    env["GAS_STATE_DIR"] = str(tmp_path / "state")
    env["GAS_REFERENCE"] = str(reference)
    return env


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_gas_up_starts_everything_and_leaves_nothing_behind(tmp_path: Path, sig, test_reference):
    env = _up_env(tmp_path, test_reference)
    proc = subprocess.Popen([sys.executable, "-m", "gas_tools.cli", "up"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "GAS is up" in line or not line:
            break
    assert any("GAS is up" in line for line in lines), "".join(lines[-30:])
    family = _children(proc.pid)
    assert len(family) >= 6  # the emulator and five gunicorn masters (plus workers)
    for name in SERVICES:
        port = env[f"GAS_{name.upper()}_PORT"]
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    state = json.loads((tmp_path / "state" / "up.json").read_text())
    assert set(state["children"]) == {"emulator", *SERVICES}

    proc.send_signal(sig)
    proc.stdout.read()
    assert proc.wait(timeout=60) == 0
    wait_for(lambda: not _pids_alive(family), timeout=10, what="every child to exit")
    assert not (tmp_path / "state" / "up.json").exists()
