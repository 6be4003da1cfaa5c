"""The commands the Dockerfile, compose.yaml and k8s/ run name real modules and commands."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from importlib.metadata import entry_points
from typing import Any

import click
import pytest
import requests
from gas_common import gunicorn_conf
from gas_common.settings import SERVICES, Settings
from gas_tools.cli import main as gas_main
from gas_tools.stack import Stack, settings_from_env

from tests.harness import free_port
from tests.unit.deploy.conftest import DOCKERFILE, ROOT, objects

Docs = dict[str, list[dict[str, Any]]]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def exec_form(arguments: str) -> list[str]:
    """A JSON-array (exec form) instruction argument; shell form is refused."""
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), arguments
    return value


def all_commands(compose: dict[str, Any], rendered: Docs) -> dict[str, list[str]]:
    """Every command line the deployment runs, by where it comes from."""
    commands: dict[str, list[str]] = {}
    for word, rest in dockerfile_instructions():
        if word == "CMD":
            commands["Dockerfile CMD"] = exec_form(rest)
        if word == "HEALTHCHECK":
            commands["Dockerfile HEALTHCHECK"] = exec_form(rest.split(" CMD ", 1)[1])
    for name, svc in compose["services"].items():
        if "command" in svc:
            commands[f"compose {name}"] = svc["command"]
        if "entrypoint" in svc:
            commands[f"compose {name} entrypoint"] = svc["entrypoint"]
        test = svc.get("healthcheck", {}).get("test")
        if test:
            # Shell form: Podman's Docker API splits exec-form arguments at spaces
            # (compose.yaml). One command line, checked like the others below.
            assert test[0] == "CMD-SHELL" and len(test) == 2, f"compose {name}: {test}"
            commands[f"compose {name} healthcheck"] = shlex.split(test[1])
    for overlay, docs in rendered.items():
        for kind in ("Deployment", "Job"):
            for name, obj in objects(docs, kind).items():
                for container in obj["spec"]["template"]["spec"]["containers"]:
                    assert "command" in container, f"{overlay} {name}: say what runs"
                    commands[f"k8s {overlay} {name}"] = container["command"]
    return commands


def check_gas_command(args: list[str]) -> None:
    """`gas a b c`: each word is a real (sub)command or a valid argument of the last one."""
    command: click.Command = gas_main
    ctx = click.Context(gas_main, info_name="gas")
    words = list(args)
    while words and isinstance(command, click.Group):
        sub = command.get_command(ctx, words[0])
        assert sub is not None, f"gas has no command {' '.join(args)}"
        assert "needs the annotator extra" not in (sub.help or ""), sub.name
        command, words = sub, words[1:]
        ctx = click.Context(command, parent=ctx, info_name=command.name)
    command.make_context(command.name, list(words), parent=ctx)  # raises on bad arguments


def check_command(where: str, argv: list[str]) -> None:
    program = os.path.basename(argv[0])
    if program == "gunicorn":
        config = argv[argv.index("--config") + 1]
        assert config.startswith("python:"), where
        importlib.import_module(config.removeprefix("python:"))
        module, _, call = argv[-1].partition(":")
        assert call == "create_app()", where
        assert callable(importlib.import_module(module).create_app), where
    elif program == "gas":
        check_gas_command(argv[1:])
    elif program == "sh":
        assert argv[1] == "-c", where
        script = argv[2]
        gas = re.search(r"exec (gas [^;&|]+)$", script)
        assert gas, f"{where}: expected the script to exec a gas command"
        check_gas_command(shlex.split(gas.group(1))[1:])
    elif program == "python" and argv[1] == "-m":
        assert importlib.util.find_spec(argv[2]) is not None, where
    elif program == "python" and argv[1] == "-c":
        compile(argv[2], where, "exec")
    elif program == "moto_server":
        scripts = {ep.name for ep in entry_points(group="console_scripts")}
        assert "moto_server" in scripts, where
    else:
        pytest.fail(f"{where}: unexpected program {argv}")


def test_every_command_names_real_modules_and_commands(compose: dict[str, Any],
                                                       rendered: Docs) -> None:
    commands = all_commands(compose, rendered)
    assert len(commands) > 20
    for where, argv in commands.items():
        check_command(where, argv)


@pytest.mark.parametrize("bad", [
    ["gunicorn", "--config", "python:gas_common.gunicorn_conf", "gas_nothing:create_app()"],
    ["gas", "provison"],
    ["gas", "reference", "install", "grch99"],
    ["sh", "-c", "exec gas up --nonsense"],
])
def test_a_wrong_command_is_caught(bad: list[str]) -> None:
    with pytest.raises((ImportError, AssertionError, click.ClickException)):
        check_command("bad", bad)


def test_dockerfile_builds_a_pinned_slim_multi_stage_non_root_image() -> None:
    instructions = dockerfile_instructions()
    args = dict(rest.split("=", 1) for word, rest in instructions if word == "ARG" and "=" in rest)
    assert re.fullmatch(r"python:3\.1[1-9]\.\d+-slim-bookworm", args["PYTHON_IMAGE"])
    stages = [rest for word, rest in instructions if word == "FROM"]
    assert stages == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]
    runtime = instructions.index(("FROM", "${PYTHON_IMAGE} AS runtime"))
    runs = " ".join(rest for word, rest in instructions[:runtime] if word == "RUN")
    # Dependencies only from the hashed lock files, the build backend's too; GAS adds none.
    assert "pip install --require-hashes --no-deps -r requirements.lock" in runs
    assert "pip install --require-hashes --no-deps -r requirements-build.lock" in runs
    assert "pip wheel --no-deps --no-build-isolation" in runs
    assert "pip install --no-deps /tmp/wheel/gas-" in runs
    # The build stage has the compiler; the runtime stage gets only the virtualenv.
    assert "--no-install-recommends gcc libc6-dev" in runs
    runtime_runs = " ".join(rest for word, rest in instructions[runtime:] if word == "RUN")
    assert "apt-get" not in runtime_runs and "gcc" not in runtime_runs
    copied = [r for w, r in instructions[runtime:] if w == "COPY" and r.startswith("--from=build")]
    assert copied == ["--from=build /opt/gas /opt/gas"]
    user = [rest for word, rest in instructions if word == "USER"]
    assert user and user[-1].split(":")[0] not in ("0", "root")
    env = " ".join(rest for word, rest in instructions if word == "ENV")
    assert "PYTHONUNBUFFERED=1" in env and "GAS_HOST=0.0.0.0" in env


def test_dockerignore_keeps_only_what_the_build_copies() -> None:
    rules = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]

    def regex(pattern: str) -> str:
        # Docker's rules: `*` and `?` stop at a slash, `**/` is any number of directories.
        parts = re.split(r"(\*\*/?|\*|\?)", pattern)
        return "".join({"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part)
                       or re.escape(part) for part in parts)

    def ignored(path: str) -> bool:
        result = False
        for rule in rules:
            negate = rule.startswith("!")
            pattern = rule.lstrip("!").rstrip("/")
            if re.fullmatch(regex(pattern), path) or path.startswith(pattern + "/"):
                result = not negate
        return result

    engine = "services/annotator/gas_annotator/engine/"
    for wanted in ("requirements.lock", "requirements-build.lock", "pyproject.toml", "setup.py",
                   "README.md", "services/web/gas_web/__init__.py", engine + "entry_text.pyx"):
        assert not ignored(wanted), wanted
    # The image compiles its own modules: a local build of them stays out.
    for unwanted in (".venv", ".git", "tests", ".gas", "bench", engine + "entry_text.c",
                     engine + "entry_text.cpython-311-x86_64-linux-gnu.so",
                     "services/web/gas_web/__pycache__"):
        assert ignored(unwanted), unwanted


def test_gas_up_runs_services_with_the_image_gunicorn_config() -> None:
    env = {"GAS_ENV": "local", "GAS_GUNICORN_WORKERS": "3", "GAS_GUNICORN_THREADS": "5",
           "GAS_GUNICORN_TIMEOUT": "42", "GAS_ARCHIVER_PORT": "9123"}
    settings = settings_from_env(env)
    for service in SERVICES:
        argv = Stack(env).command(service)
        assert argv[argv.index("--config") + 1] == "python:gas_common.gunicorn_conf"
        assert gunicorn_conf.service_of(["gunicorn", *argv[1:]]) == service
        options = gunicorn_conf.options(service, settings)
        assert options["bind"] == [f"127.0.0.1:{settings.port_of(service)}"]
        assert (options["workers"], options["threads"], options["timeout"]) == (3, 5, 42)
        assert options["control_socket_disable"] is True
    assert gunicorn_conf.options("archiver", settings)["bind"] == ["127.0.0.1:9123"]
    assert gunicorn_conf.service_of(["gunicorn", "gas_nothing:create_app()"]) is None


def test_the_image_command_serves_a_service_and_the_healthcheck_sees_it() -> None:
    """Run the image's exact command for the notifier (no container) and probe it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAS_")}
    env.update({"GAS_ENV": "local", "GAS_HOST": "127.0.0.1", "GAS_NOTIFIER_PORT": str(port),
                "GAS_SNS_SHARED_SECRET": "test-only", "GAS_GUNICORN_THREADS": "2",
                "GAS_AWS_ENDPOINT_URL": "http://127.0.0.1:9", "PYTHONUNBUFFERED": "1"})
    # The other services' ports must not be answered by something else on this machine.
    for other in SERVICES:
        if other != "notifier":
            env[f"GAS_{other.upper()}_PORT"] = str(free_port())
    command = ["gunicorn", "--config", "python:gas_common.gunicorn_conf",
               "gas_notifier:create_app()"]
    proc = subprocess.Popen([sys.executable, "-m", *command], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except (requests.ConnectionError, requests.ReadTimeout):  # a slow worker boot
                assert time.monotonic() < deadline, "gunicorn did not listen"
                time.sleep(0.2)
        assert response.json() == {"service": "notifier", "status": "ok"}
        probe = subprocess.run([sys.executable, "-m", "gas_common.gunicorn_conf"], env=env,
                               capture_output=True, timeout=30, check=False)
        assert probe.returncode == 0, probe.stderr
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    probe = subprocess.run([sys.executable, "-m", "gas_common.gunicorn_conf"], env=env,
                           capture_output=True, timeout=30, check=False)
    assert probe.returncode == 1, "the healthcheck passed with nothing running"


def test_settings_used_by_the_image_parse() -> None:
    Settings(host="0.0.0.0", reference_dir="/var/lib/gas/reference", state_dir="/tmp/gas")
