"""Archive and restore over real HTTP: real archiver and thawer processes, real moto server.

Every scenario runs against both cold storage back ends (the services are
restarted with GAS_COLD_STORAGE for each) with the retention window shortened.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import re
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from gas_common import retention
from gas_common.jobstates import COMPLETED, FAILED, PREMIUM
from gas_common.messages import JobCompleted, ThawRequested
from gas_common.stores import now
from gas_tools.provision import provision
from gas_web.auth import local_user_id

from tests.harness import messages_in, wait_for

pytestmark = pytest.mark.xdist_group("archive")

# The lease must outlast one claim's AWS calls on a busy CI machine: at 3 s, a claim
# whose Expedited refusal and Standard start took longer was taken again by the next
# poller pass (a second Expedited request in the fallback test).
FAST = {"free_retention_seconds": "2", "archive_poll_seconds": "1",
        "restore_poll_seconds": "1", "archive_lease_seconds": "8",
        "cold_storage_class": "GLACIER"}
SERVICES = ("archiver", "thawer")


def restart_together(gas_stack, services: tuple[str, ...], **values: str) -> None:
    """Restart several services at once (faster than one by one) with `values` set."""
    for name in services:
        gas_stack.stack.stop(name)
    gas_stack.stack.env.update({f"GAS_{k.upper()}": v for k, v in values.items()})
    for name in services:
        gas_stack.stack.start(name)
    gas_stack.stack.wait_ready(list(services))


@contextlib.contextmanager
def configured(gas_stack, services: tuple[str, ...], **values: str) -> Iterator[None]:
    """Restart `services` with settings `values`; put the previous ones back afterwards."""
    env = gas_stack.stack.env
    saved = {f"GAS_{k.upper()}": env.get(f"GAS_{k.upper()}") for k in values}
    restart_together(gas_stack, services, **values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        restart_together(gas_stack, services)


class RefusingProxy:
    """An HTTP proxy to the emulator that refuses Expedited retrievals as AWS does
    when it has no capacity (S3: 503 GlacierExpeditedRetrievalNotAvailable, Glacier:
    InsufficientCapacityException); everything else passes through."""

    def __init__(self, target: str):
        self.target = target.rstrip("/")
        self.refusing = False
        self.refused = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                refusal = proxy.refusal(self.command, self.path, body)
                if refusal:
                    proxy.refused += 1
                    status, headers, payload = refusal
                else:
                    status, headers, payload = proxy.forward(self, body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any  # noqa: N815

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a service killed mid-request: nothing to report

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def refusal(self, method: str, path: str, body: bytes) -> tuple | None:
        if not self.refusing or method != "POST" or b"Expedited" not in body:
            return None
        if "restore" in path.partition("?")[2]:
            xml = (b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>"
                   b"GlacierExpeditedRetrievalNotAvailable</Code><Message>Glacier expedited "
                   b"retrievals are currently not available</Message></Error>")
            return 503, {"Content-Type": "application/xml"}, xml
        if "/vaults/" in path and path.rstrip("/").endswith("/jobs"):
            payload = json.dumps({"code": "InsufficientCapacityException", "type": "Client",
                                  "message": "no expedited capacity"}).encode()
            return 400, {"Content-Type": "application/json",
                         "x-amzn-ErrorType": "InsufficientCapacityException"}, payload
        return None

    def forward(self, handler: Any, body: bytes) -> tuple[int, dict, bytes]:
        headers = {k: v for k, v in handler.headers.items()
                   if k.lower() not in ("host", "expect")}
        response = requests.request(handler.command, self.target + handler.path, data=body,
                                    headers=headers, timeout=30, allow_redirects=False)
        skip = {"transfer-encoding", "connection", "content-encoding"}
        if handler.command != "HEAD":
            skip.add("content-length")  # set again from the body we send
        return (response.status_code,
                {k: v for k, v in response.headers.items() if k.lower() not in skip},
                response.content)

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="module", params=["s3-glacier", "glacier-vault"])
def backend(request, gas_stack) -> Iterator[str]:
    """Archiver and thawer on one back end with a 2 s retention window, reaching the
    emulator through a proxy that can refuse Expedited retrievals."""
    proxy = RefusingProxy(gas_stack.url("emulator"))
    gas_stack.proxy = proxy
    # the services are ready only when their cold storage answers
    provision(gas_stack.settings.model_copy(update={"cold_storage": request.param}),
              echo=lambda line: None)
    try:
        with configured(gas_stack, SERVICES, cold_storage=request.param,
                        aws_endpoint_url=proxy.url, **FAST):
            yield str(request.param)
    finally:
        proxy.close()


@pytest.fixture
def gas(stack, backend) -> Any:
    """The emptied stack, provisioned for the back end; S3 restores take 2 s."""
    settings = stack.settings.model_copy(update={"cold_storage": backend,
                                                 "cold_storage_class": "GLACIER"})
    provision(settings, echo=lambda line: None)
    s3_restore_takes(stack, 2)
    stack.backend = backend
    stack.proxy.refused = 0
    return stack


# --- helpers ------------------------------------------------------------------------------


def two_poller_passes(gas) -> None:
    """Wait until the thawer's restore poller has made two more passes (a late duplicate
    notice would have come by then)."""
    passes = gas.metric("thawer", "gas_thawer_poll_passes_total")
    wait_for(lambda: gas.metric("thawer", "gas_thawer_poll_passes_total") >= passes + 2,
             what="two more restore poller passes")


def s3_restore_takes(gas, seconds: int) -> None:
    """How long the emulator takes to restore an S3 Glacier object."""
    requests.post(gas.url("emulator") + "/moto-api/state-manager/set-transition", timeout=10,
                  json={"model_name": "s3::keyrestore",
                        "transition": {"progression": "time", "seconds": seconds}},
                  ).raise_for_status()


def add_user(gas, user_id: str, role: str = "free_user") -> None:
    gas.users.create(user_id, user_id.title(), f"{user_id}@example.org", "GAS tests")
    if role == PREMIUM:
        gas.users.set_role(user_id, PREMIUM)


def complete_job(gas, job_id: str, user_id: str, body: bytes, status: str = COMPLETED,
                 later: int = 0) -> str:
    """A finished job as the annotator leaves it, announced with job.completed
    (`later`: its complete_time that many seconds from now, to widen its window)."""
    key = f"{user_id}/{job_id}~sample.annot.vcf"
    done = now() + later
    gas.client("s3").put_object(Bucket=gas.settings.results_bucket, Key=key, Body=body)
    gas.jobs.create({
        "job_id": job_id, "user_id": user_id, "input_file_name": "sample.vcf",
        "s3_inputs_bucket": gas.settings.inputs_bucket,
        "s3_key_input_file": f"{user_id}/{job_id}~sample.vcf", "submit_time": done - 5,
        "job_status": status, "complete_time": done,
        "s3_results_bucket": gas.settings.results_bucket, "s3_key_result_file": key,
        "s3_key_log_file": f"{user_id}/{job_id}~sample.vcf.count.log"})
    if status == COMPLETED:
        gas.publish(JobCompleted(job_id=job_id, user_id=user_id, complete_time=done,
                                 s3_results_bucket=gas.settings.results_bucket,
                                 s3_key_result_file=key, s3_key_log_file="log"),
                    "job_results_topic")
    return key


def signed_in(gas, user_id: str) -> requests.Session:
    """A browser session of the web service, signed in (local sign-in) as `user_id`'s
    email; the user must have been created with `web_user_id(email)`."""
    browser = requests.Session()
    form = browser.get(gas.url("web") + "/auth/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    assert token, "no CSRF token on the sign-in form"
    answer = browser.post(gas.url("web") + "/auth/local", timeout=10, allow_redirects=False,
                          data={"name": "Test", "email": f"{user_id}@example.org",
                                "csrf_token": token.group(1)})
    assert answer.status_code == 302, answer.text[:200]
    return browser


def web_user_id(name: str) -> str:
    """The id the web service's local sign-in gives `<name>@example.org`."""
    return local_user_id(f"{name}@example.org")


def hot(gas, job_id: str) -> bytes | None:
    job = gas.jobs.get(job_id)
    try:
        obj = gas.client("s3").get_object(Bucket=job["s3_results_bucket"],
                                          Key=job["s3_key_result_file"])
    except gas.client("s3").exceptions.NoSuchKey:
        return None
    return bytes(obj["Body"].read())


def status(gas, job_id: str) -> str | None:
    return gas.jobs.get(job_id).get("archive_status")


def wait_status(gas, job_ids: list[str], wanted: str | None, timeout: float = 30) -> None:
    wait_for(lambda: all(status(gas, j) == wanted for j in job_ids), timeout=timeout,
             what=f"{job_ids} to be {wanted or 'hot'} ({gas.backend})")


def upgrade(gas, user_id: str) -> None:
    """What the web service does on upgrade: set the role, then ask for a thaw."""
    gas.users.set_role(user_id, PREMIUM)
    gas.publish(ThawRequested(user_id=user_id), "thaw_requests_topic")


def cold_copies(gas) -> int:
    """How many results files are in cold storage right now (the vault: by inventory)."""
    if gas.backend == "s3-glacier":
        listing = gas.client("s3").list_objects_v2(Bucket=gas.settings.archive_bucket)
        return int(listing.get("KeyCount", 0))
    glacier, vault = gas.client("glacier"), gas.settings.glacier_vault
    job_id = glacier.initiate_job(vaultName=vault, jobParameters={
        "Type": "inventory-retrieval", "Tier": "Expedited"})["jobId"]
    wait_for(lambda: glacier.describe_job(vaultName=vault, jobId=job_id)["Completed"],
             what="the vault inventory")
    output = glacier.get_job_output(vaultName=vault, jobId=job_id)["body"].read()
    return len(json.loads(output)["ArchiveList"])


def restored_ids(envelopes: list[dict]) -> list[str]:
    """Job ids of the job.restored messages among captured SNS deliveries."""
    return sorted(m["job_id"] for m in messages_in(envelopes) if m.get("type") == "job.restored")


# --- scenarios ----------------------------------------------------------------------------


def test_free_results_archived_after_the_window_premium_and_upgraded_kept_hot(gas):
    free = web_user_id("free")
    for user, role in ((free, "free_user"), ("prem", PREMIUM), ("upgrader", "free_user")):
        add_user(gas, user, role)
    complete_job(gas, "j-free", free, b"##free\n")
    complete_job(gas, "j-failed", free, b"##failed\n", status=FAILED)
    complete_job(gas, "j-prem", "prem", b"##prem\n")
    complete_job(gas, "j-up", "upgrader", b"##up\n", later=2)  # due in 4 s: time to upgrade
    wait_for(lambda: status(gas, "j-up") == "SCHEDULED", what="j-up scheduled")
    upgrade(gas, "upgrader")  # inside the 2 s window

    wait_status(gas, ["j-free"], "ARCHIVED")
    job = gas.jobs.get("j-free")
    assert hot(gas, "j-free") is None
    assert job["archive_backend"] == gas.backend and job["results_file_archive_id"]
    assert job["archived_time"] >= job["archive_due_at"] >= job["complete_time"] + 2
    if gas.backend == "s3-glacier":
        head = gas.client("s3").head_object(Bucket=gas.settings.archive_bucket,
                                            Key=job["results_file_archive_id"])
        assert head["StorageClass"] == "GLACIER"
    page = signed_in(gas, "free").get(gas.url("web") + "/annotations/j-free", timeout=10)
    assert page.status_code == 200 and "Archived" in page.text
    assert 'id="download-results"' not in page.text

    wait_for(lambda: time.time() > gas.jobs.get("j-prem")["complete_time"] + 6,
             what="well past every window")  # and a few scheduler passes
    for job_id, body in (("j-prem", b"##prem\n"), ("j-up", b"##up\n"),
                         ("j-failed", b"##failed\n")):
        assert status(gas, job_id) is None, job_id
        assert hot(gas, job_id) == body
    assert cold_copies(gas) == 1


def test_upgrade_after_archive_restores_every_job_and_identical_files_stay_apart(gas):
    same = b"##fileformat=VCFv4.2\n#identical results\n"
    ann = web_user_id("ann")
    add_user(gas, ann)
    add_user(gas, "bob")
    complete_job(gas, "a-1", ann, same)
    complete_job(gas, "a-2", ann, b"##other\n")
    complete_job(gas, "b-1", "bob", same)
    wait_status(gas, ["a-1", "a-2", "b-1"], "ARCHIVED")
    ids = {j: gas.jobs.get(j)["results_file_archive_id"] for j in ("a-1", "a-2", "b-1")}
    assert len(set(ids.values())) == 3  # identical files, distinct archives

    with gas.capture("job_results_topic") as messages:
        upgrade(gas, ann)
        gas.publish(ThawRequested(user_id=ann), "thaw_requests_topic")  # a repeated request
        wait_for(lambda: gas.jobs.get("a-1").get("restore_tier"), what="a-1 retrieval")
        assert gas.jobs.get("a-1")["restore_tier"] == "Expedited"
        wait_status(gas, ["a-1", "a-2"], None, timeout=40)
        wait_for(lambda: restored_ids(messages) == ["a-1", "a-2"], what="job.restored x2")
        assert hot(gas, "a-1") == same and hot(gas, "a-2") == b"##other\n"
        assert status(gas, "b-1") == "ARCHIVED"  # bob's identical archive untouched

        upgrade(gas, "bob")
        wait_status(gas, ["b-1"], None, timeout=40)
        wait_for(lambda: "b-1" in restored_ids(messages), what="job.restored b-1")
        assert hot(gas, "b-1") == same
        two_poller_passes(gas)  # later: still exactly one notice per job
        assert restored_ids(messages) == ["a-1", "a-2", "b-1"]
    for job_id in ids:
        job = gas.jobs.get(job_id)
        assert job["restored_time"] and "results_file_archive_id" not in job
        assert "restore_job_id" not in job
    # downloadable through the web service: its page offers it, its link serves it
    browser = signed_in(gas, "ann")
    page = browser.get(gas.url("web") + "/annotations/a-1", timeout=10).text
    assert 'id="download-results"' in page
    assert browser.get(gas.url("web") + "/annotations/a-1/results", timeout=10).content == same
    if gas.backend == "s3-glacier":
        assert cold_copies(gas) == 0


def test_expedited_refused_falls_back_to_standard_and_records_it(gas):
    add_user(gas, "cat")
    complete_job(gas, "c-1", "cat", b"##cat\n")
    wait_status(gas, ["c-1"], "ARCHIVED")
    s3_restore_takes(gas, 5)  # as long as a Standard vault retrieval: time to cancel
    gas.proxy.refusing = True
    try:
        upgrade(gas, "cat")
        wait_for(lambda: gas.jobs.get("c-1").get("restore_tier"), what="a tier recorded")
    finally:
        gas.proxy.refusing = False
    assert gas.jobs.get("c-1")["restore_tier"] == "Standard"
    assert gas.proxy.refused == 1  # asked once, not retried: straight to Standard

    # The user cancels premium while the file is on its way back (what the web does).
    assert status(gas, "c-1") == "RESTORING"
    gas.users.set_role("cat", "free_user")
    assert retention.schedule_user("cat", gas.settings) == 0  # restoring: left alone
    job = wait_for(lambda: (lambda j: j if j.get("restored_time") and j.get("archive_status")
                            else None)(gas.jobs.get("c-1")),
                   timeout=40, what="restored, then scheduled again")  # Standard: 5 s in a vault
    assert job["archive_due_at"] >= job["restored_time"] + 2  # the window starts again
    wait_status(gas, ["c-1"], "ARCHIVED")  # and it is archived again when due
    assert hot(gas, "c-1") is None


def test_archiver_killed_mid_work_loses_nothing_and_archives_once(gas, gas_stack):
    add_user(gas, "dan")
    count = 10
    bodies = {f"d-{i}": f"##dan {i}\n".encode() * 50 for i in range(count)}
    for job_id, body in bodies.items():
        complete_job(gas, job_id, "dan", body)
    # kill -9 as soon as the first claim is taken: the rest are mid-flight or waiting
    wait_for(lambda: any(status(gas, j) in ("ARCHIVING", "ARCHIVED") for j in bodies),
             interval=0.02, what="the first archive claim")
    snapshot = [status(gas, j) for j in bodies]
    gas_stack.restart("archiver", signal.SIGKILL)
    print("archive states at kill -9:", snapshot)
    wait_status(gas, list(bodies), "ARCHIVED", timeout=60)
    assert all(hot(gas, j) is None for j in bodies)
    assert cold_copies(gas) == count  # one cold copy per job, none twice

    with gas.capture("job_results_topic") as messages:
        upgrade(gas, "dan")
        wait_for(lambda: any(status(gas, j) == "RESTORING" for j in bodies), interval=0.02,
                 what="the first restore claim")
        snapshot = [status(gas, j) for j in bodies]
        gas_stack.restart("thawer", signal.SIGKILL)
        print("restore states at kill -9:", snapshot)
        wait_status(gas, list(bodies), None, timeout=90)
        wait_for(lambda: len(restored_ids(messages)) >= count, what="every job.restored")
        two_poller_passes(gas)
        assert restored_ids(messages) == sorted(bodies)  # each exactly once
    for job_id, body in bodies.items():
        assert hot(gas, job_id) == body
    if gas.backend == "s3-glacier":
        assert cold_copies(gas) == 0
