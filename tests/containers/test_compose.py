"""compose.yaml brought up by Docker Compose on the engine, and the whole story of a user
driven over HTTP through the published ports only: nothing but the containers runs GAS.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from gas_common.jobstates import COMPLETED

from tests.containers.engine import Engine, http_status
from tests.containers.gas import CONTAINERS, ComposeStack
from tests.e2e.test_http_flow import VCF, csrf
from tests.harness import wait_for

pytestmark = CONTAINERS
S3_HOST = "moto:4566"  # the endpoint the web service presigns for, as browsers see it


@pytest.fixture(scope="module")
def stack(engine: Engine, reference_dir: Path) -> Iterator[ComposeStack]:
    with ComposeStack.new(engine, reference_dir).up(engine) as up:
        yield up


class Browser:
    """A user's HTTP client: the web UI on its published port, S3 at `moto:4566` (what
    the presigned form names) reached on the emulator's published port."""

    def __init__(self, stack: ComposeStack, email: str):
        self.stack = stack
        self.session = requests.Session()
        token = csrf(self.session, stack.web + "/auth/login")
        self.session.post(stack.web + "/auth/local", timeout=10, data={
            "name": "Compose User", "email": email, "csrf_token": token}).raise_for_status()
        self.token = csrf(self.session, stack.web + "/")

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.stack.web + "/api/v1" + path, timeout=30,
                                    headers={"X-CSRFToken": self.token}, **kwargs)

    def s3(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """A request to the presigned S3 URL, as a browser with `moto` in /etc/hosts."""
        assert f"//{S3_HOST}/" in url, url
        local = url.replace(f"http://{S3_HOST}", self.stack.moto, 1)
        return requests.request(method, local, headers={"Host": S3_HOST}, timeout=30, **kwargs)

    def job(self, job_id: str) -> dict[str, Any]:
        return dict(self.api("GET", f"/jobs/{job_id}").json())

    def form(self, path: str) -> requests.Response:
        return self.session.post(self.stack.web + path, data={"csrf_token": self.token},
                                 timeout=30)


def mail_to(stack: ComposeStack, email: str, subject: str) -> list[dict[str, Any]]:
    return [m for m in stack.sent_mail()
            if email in m.get("destinations", {}).get("ToAddresses", [])
            and m.get("subject", "").startswith(subject)]


def upload_and_submit(user: Browser, name: str, vcf: str) -> str:
    upload = user.api("POST", "/uploads", json={"filename": name})
    assert upload.status_code == 201, upload.text
    form = upload.json()
    posted = user.s3("POST", form["url"], data=form["fields"], files={"file": (name, vcf)})
    assert posted.status_code == 201, posted.text
    assert user.api("POST", "/jobs", json={"key": form["key"]}).status_code == 201
    return str(form["job_id"])


def test_compose_stack_is_healthy_and_hardened(stack: ComposeStack, engine: Engine) -> None:
    listed = stack.run("ps", "--all", "--format", "{{.Service}} {{.State}} {{.Health}}")
    states = dict(line.split(" ", 1) for line in listed.stdout.splitlines() if line)
    for name in ("web", "annotator", "archiver", "thawer", "notifier", "moto"):
        assert states.get(name, "").startswith("running") and "healthy" in states[name], states
    assert states["provision"].startswith("exited")
    host = stack.container(engine, "web").attrs["HostConfig"]
    assert host["ReadonlyRootfs"] is True
    assert http_status(stack.web + "/readyz") == 200


def test_the_whole_story_through_the_containers(stack: ComposeStack) -> None:
    email = "compose-user@example.org"
    user = Browser(stack, email)

    # Upload straight to S3 with the presigned form, then submit.
    job_id = upload_and_submit(user, "story.vcf", VCF)

    # The annotator container runs it; the notifier emails the user through SES (moto).
    wait_for(lambda: user.job(job_id)["job_status"] == COMPLETED, timeout=120, interval=1,
             what=f"job COMPLETED\n{stack.logs()}")
    download = user.api("GET", f"/jobs/{job_id}/download")
    assert download.status_code == 200, download.text
    results = user.s3("GET", download.json()["url"]).text
    assert results.startswith("##fileformat=VCF")
    wait_for(lambda: mail_to(stack, email, "GAS: results ready"), timeout=60, interval=1,
             what="the completion email")

    # A free user's results go to cold storage after the (shortened) retention.
    wait_for(lambda: user.job(job_id)["results"] == "archived", timeout=120, interval=1,
             what=f"results archived\n{stack.logs()}")
    assert user.api("GET", f"/jobs/{job_id}/download").status_code == 409

    # Upgrading restores them, and the user is told.
    page = user.form("/subscribe")
    assert page.status_code == 200 and "premium user" in page.text
    wait_for(lambda: user.job(job_id)["results"] == "hot", timeout=180, interval=1,
             what=f"results restored\n{stack.logs()}")
    restored = user.api("GET", f"/jobs/{job_id}/download")
    assert restored.status_code == 200
    assert user.s3("GET", restored.json()["url"]).text == results
    wait_for(lambda: mail_to(stack, email, "GAS: results restored"), timeout=60, interval=1,
             what="the restore email")
    assert len(mail_to(stack, email, "GAS: results ready")) == 1
    assert re.search(job_id, mail_to(stack, email, "GAS: results restored")[0]["body"])


def test_a_killed_annotator_container_is_restarted_and_the_job_completes_once(
        stack: ComposeStack, engine: Engine) -> None:
    email = "crash-user@example.org"
    user = Browser(stack, email)
    assert "premium user" in user.form("/subscribe").text  # a premium upload limit
    variants = 20_000  # 0.5 s per 1,000 (compose.test.yaml): about 10 s of work
    vcf = VCF.split("chr1")[0] + "".join(f"chr1\t{1000 + 7 * i}\t.\tA\tG\t50\tPASS\t.\n"
                                          for i in range(variants))
    job_id = upload_and_submit(user, "crash.vcf", vcf)
    wait_for(lambda: user.job(job_id).get("progress_variants", 0) >= 1000, timeout=60,
             interval=0.3, what="the job running with progress")
    assert user.job(job_id)["job_status"] != COMPLETED

    # A crash, not a stop: SIGKILL to the container's main process (as the OOM killer
    # would). The engine's restart policy (unless-stopped) must bring it back.
    annotator = stack.container(engine, "annotator")
    started = annotator.attrs["State"]["StartedAt"]
    os.kill(annotator.attrs["State"]["Pid"], signal.SIGKILL)

    def restarted() -> bool:
        annotator.reload()
        state = annotator.attrs["State"]
        return state["Running"] and state["StartedAt"] != started

    wait_for(restarted, timeout=60, interval=0.5, what="the annotator container restarted")
    job = wait_for(lambda: (lambda j: j if j["job_status"] == COMPLETED else None)(
        user.job(job_id)), timeout=120, interval=1, what=f"job COMPLETED\n{stack.logs()}")
    assert job["summary"]["total"] == variants and job["progress_variants"] == variants
    wait_for(lambda: mail_to(stack, email, "GAS: results ready"), timeout=60, interval=1,
             what="the completion email")
    assert len(mail_to(stack, email, "GAS: results ready")) == 1
