"""`gas up` as a person runs it: it restarts a dead service and keeps data across restarts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from gas_common import aws
from gas_common.jobstates import COMPLETED, PENDING, RUNNING
from gas_common.messages import JobRequested
from gas_common.publish import publish
from gas_common.settings import Settings
from gas_common.stores import JobStore, UserStore

from tests.harness import wait_for
from tests.integration.test_foundation import _children, _described, _pids_alive, _up_env

pytestmark = pytest.mark.xdist_group("gas-up")

HEADER = ("##fileformat=VCFv4.2\n##contig=<ID=chr1>\n"
          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")


class GasUp:
    """One `gas up` child process; its output is collected as it comes."""

    def __init__(self, env: dict[str, str], *args: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "gas_tools.cli", "up", *args],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def wait_up(self) -> None:
        wait_for(lambda: self.said("GAS is up") or self.proc.poll() is not None, timeout=120,
                 what="gas up to start")
        assert self.said("GAS is up"), "".join(self.lines[-40:])

    def stop(self, sig: int = signal.SIGINT) -> None:
        family = _children(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(timeout=90)
        try:
            wait_for(lambda: not _pids_alive(family), timeout=90, what="every child to exit")
        except AssertionError as e:  # say which ones, and in what state
            raise AssertionError(f"{e}: {_described(_pids_alive(family))}") from None
        print("".join(line for line in self.lines if " HTTP/1.1" not in line))  # on failure


@contextmanager
def gas_up(env: dict[str, str], *args: str) -> Iterator[GasUp]:
    up = GasUp(env, *args)
    try:
        up.wait_up()
        yield up
    finally:
        up.stop()


@pytest.fixture
def env(tmp_path: Path, test_reference: Path) -> dict[str, str]:
    env = _up_env(tmp_path, test_reference)
    env.update({"GAS_SNAPSHOT_SECONDS": "1", "GAS_LOG_LEVEL": "WARNING"})
    return env


def settings_of(env: dict[str, str]) -> Settings:
    """Settings to reach that stack's emulator from the test."""
    return Settings(env="local",
                    aws_endpoint_url=f"http://127.0.0.1:{env['GAS_EMULATOR_PORT']}")


def new_job(s: Settings, body: str, user_id: str = "u-1") -> str:
    """A user, an input and a PENDING job, announced the way the web service does it."""
    aws.reset_clients()
    UserStore(s).create(user_id, "Ada", "ada@example.org")
    job_id = str(uuid.uuid4())
    key = f"{user_id}/{job_id}~in.vcf"
    aws.client("s3", s).put_object(Bucket=s.inputs_bucket, Key=key, Body=body.encode())
    item = {"job_id": job_id, "user_id": user_id, "input_file_name": "in.vcf",
            "s3_inputs_bucket": s.inputs_bucket, "s3_key_input_file": key,
            "submit_time": int(time.time()), "job_status": PENDING}
    JobStore(s).create(item)
    publish(JobRequested(**{k: v for k, v in item.items() if k != "job_status"}), s)
    return job_id


def test_a_killed_service_is_restarted_while_a_job_completes(env):
    env.update({"GAS_JOB_LEASE_SECONDS": "4", "GAS_RECONCILE_INTERVAL_SECONDS": "1",
                "GAS_JOB_PROGRESS_SECONDS": "1", "GAS_ANNOTATOR_THROTTLE_SECONDS": "1"})
    with gas_up(env) as up:
        s = settings_of(env)
        vcf = HEADER + "".join(f"chr1\t{1000 + 7 * i}\t.\tA\tG\t50\tPASS\t.\n"
                               for i in range(20_000))  # 20 s a run
        job_id = new_job(s, vcf)
        jobs = JobStore(s)
        wait_for(lambda: (jobs.get(job_id) or {}).get("job_status") == RUNNING,
                 timeout=60, what="the job to be running")
        state = json.loads((Path(env["GAS_STATE_DIR"]) / "up.json").read_text())
        killed = state["children"]["annotator"]
        os.killpg(killed, signal.SIGKILL)  # the annotator and its job, mid-way
        wait_for(lambda: up.said("annotator restarted"), timeout=60,
                 what="gas up to restart the annotator")
        done = wait_for(lambda: (j := jobs.get(job_id)) and j["job_status"] == COMPLETED and j,
                        timeout=120, what="the job to complete after the restart")
        # a second attempt: the first was killed mid-way and taken over after the restart
        assert done["attempts"] == 2 and done["progress_variants"] == 20_000
        assert up.proc.poll() is None, "gas up stopped"
        assert up.said("annotator exited with code")
        now = json.loads((Path(env["GAS_STATE_DIR"]) / "up.json").read_text())
        assert now["children"]["annotator"] != killed
    assert up.proc.returncode == 0


@pytest.mark.parametrize("how", ["ctrl-c", "kill-9"])
def test_data_survives_a_restart_of_gas_up(env, how):
    s = settings_of(env)
    with gas_up(env) as first:
        UserStore(s).create("u-9", "Grace", "grace@example.org")
        JobStore(s).create({"job_id": "kept-1", "user_id": "u-9", "submit_time": 7,
                            "job_status": COMPLETED, "summary": {"ti_tv": 2.1}})
        aws.client("s3", s).put_object(Bucket=s.results_bucket, Key="u-9/kept-1~a.annot.vcf",
                                       Body=b"annotated")
        if how == "kill-9":
            data = Path(env["GAS_STATE_DIR"]) / "data"
            wait_for(lambda: "kept-1" in (data / "tables.json").read_text()
                     and "u-9/kept-1" in (data / "objects.json").read_text(),
                     timeout=60, what="a periodic snapshot with the new data")
            first.stop(signal.SIGKILL)  # no chance to save on the way out
    with gas_up(env) as second:
        aws.reset_clients()
        assert second.said("restored")
        assert JobStore(s).get("kept-1")["summary"] == {"ti_tv": 2.1}
        assert UserStore(s).get("u-9")["email"] == "grace@example.org"
        body = aws.client("s3", s).get_object(Bucket=s.results_bucket,
                                              Key="u-9/kept-1~a.annot.vcf")["Body"].read()
        assert body == b"annotated"
    with gas_up(env, "--fresh"):
        aws.reset_clients()
        assert JobStore(s).get("kept-1") is None
        assert UserStore(s).get("u-9") is None


def test_jobs_left_running_by_a_crash_finish_after_the_restart(env):
    env.update({"GAS_JOB_LEASE_SECONDS": "3", "GAS_RECONCILE_INTERVAL_SECONDS": "1",
                "GAS_ANNOTATOR_THROTTLE_SECONDS": "2"})  # 40 s a run: still running at kill
    s = settings_of(env)
    with gas_up(env) as first:
        job_id = new_job(s, HEADER + "".join(f"chr1\t{1000 + i}\t.\tA\tG\t.\t.\t.\n"
                                             for i in range(20_000)))
        data = Path(env["GAS_STATE_DIR"]) / "data"
        wait_for(lambda: '"RUNNING"' in (data / "tables.json").read_text(), timeout=60,
                 what="a snapshot with the job running")
        first.stop(signal.SIGKILL)
    env["GAS_ANNOTATOR_THROTTLE_SECONDS"] = "0"  # the second run goes at full speed
    with gas_up(env):
        aws.reset_clients()
        assert JobStore(s).get(job_id)["job_status"] in (RUNNING, PENDING, COMPLETED)
        wait_for(lambda: JobStore(s).get(job_id)["job_status"] == COMPLETED, timeout=120,
                 what="the restored job to be re-driven to completion")
