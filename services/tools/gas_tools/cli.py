"""The `gas` command: up, status, provision, settings, and the services' own commands
(annotate, reference) found through the `gas.commands` entry points."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import click
import requests
from gas_common.settings import SERVICES, Settings, SettingsError, get_settings

from gas_tools.readme import settings_table

# Service packages offer their own subcommands through this entry-point group in
# pyproject.toml (`[project.entry-points."gas.commands"]`), so this package names none of them.
COMMANDS = "gas.commands"


class ServiceCommands(click.Group):
    """`gas`'s own commands plus those the `gas.commands` entry points offer, each imported
    only when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_offered()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        own = super().get_command(ctx, name)
        entry = _offered().get(name)
        if own is not None or entry is None:
            return own
        try:
            command: click.Command = entry.load()
        except ImportError as exc:
            return _unavailable(name, entry, exc)
        return command


def _offered() -> dict[str, EntryPoint]:
    return {entry.name: entry for entry in entry_points(group=COMMANDS)}


def _unavailable(name: str, entry: EntryPoint, exc: ImportError) -> click.Command:
    """A stand-in that says which extra to install (gas_annotator -> the annotator extra)."""
    extra = entry.module.split(".")[0].removeprefix("gas_")

    def fail() -> None:
        raise click.ClickException(f"`gas {name}` needs the {extra} extra ({exc}): "
                                   f"pip install -e '.[{extra}]'")
    return click.Command(name, callback=fail, help=f"(needs the {extra} extra)")


@click.group(cls=ServiceCommands)
def main() -> None:
    """GAS, the Genomics Annotation Service."""


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@main.command()
@click.option("--dry-run", is_flag=True, help="Print what would be created; change nothing.")
def provision(dry_run: bool) -> None:
    """Create or verify every AWS resource (idempotent)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from gas_tools.provision import provision as run

    s = _settings()
    if not dry_run:
        try:
            s.require_sns_auth()  # the secret goes into every subscription URL
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None
    where = f"the emulator at {s.aws_endpoint_url}" if s.aws_endpoint_url else "AWS"
    click.echo(f"provisioning {where} ({s.aws_region})")
    try:
        run(s, dry_run=dry_run, echo=click.echo)
    except (BotoCoreError, ClientError) as exc:
        raise click.ClickException(f"AWS refused: {exc}") from None


@main.command()
@click.option("--fresh", is_flag=True, help="Start empty: forget the data kept from last time.")
def up(fresh: bool) -> None:
    """Start the embedded stack: moto on 127.0.0.1, provision, the five services.

    Data is kept under GAS_STATE_DIR across restarts; a service that dies is restarted.
    """
    from gas_common import aws

    from gas_tools import embedded
    from gas_tools.provision import provision as run_provision
    from gas_tools.stack import ServiceDied, Stack, embedded_env
    from gas_tools.supervise import Supervisor

    started = time.monotonic()
    env = embedded_env(dict(os.environ))
    os.environ.update(env)  # this process provisions against the same emulator
    get_settings.cache_clear()
    aws.reset_clients()
    s = _settings()
    busy = [f"{name} ({port})" for name, port in
            [("emulator", s.emulator_port), *[(n, s.port_of(n)) for n in SERVICES]]
            if not _port_free(s.host, port)]
    if busy:
        raise click.ClickException(
            f"port(s) in use: {', '.join(busy)}; is GAS already running? try `gas status`")

    if fresh:
        embedded.forget(s)
    stack = Stack(env, log=_print_child_line, keep_data=embedded.data_dir(s))
    state = Path(s.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    stopping = False

    def on_signal(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    def record_pids() -> None:
        (state / "up.json").write_text(json.dumps({"pid": os.getpid(), "children": stack.pids()}))

    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    supervisor = Supervisor(stack, echo=lambda line: click.echo(f"{'gas up':<9} | {line}"),
                            on_restart=record_pids)
    try:
        stack.start_emulator()
        click.echo(f"emulator ready at {s.aws_endpoint_url}; provisioning")
        run_provision(s, echo=lambda line: click.echo(f"{'provision':<9} | {line}"))
        embedded.restore(stack)
        stack.start_services()
        record_pids()
        click.echo(
            f"\nGAS is up in {time.monotonic() - started:.1f} s: open {s.public_url}\n"
            "Sign in with any name and email (local mode). Ctrl-C stops everything.\n")
        while True:
            supervisor.check()
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("stopping GAS")
    except (ServiceDied, TimeoutError) as exc:
        click.echo(f"gas up: {exc}; stopping", err=True)
        code = 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop_all()  # services first; the emulator saves its data as it stops
        (state / "up.json").unlink(missing_ok=True)
    sys.exit(code)


def _print_child_line(name: str, line: str) -> None:
    """Print a child's line behind its name; the emulator's request lines are noise."""
    if name == "emulator" and " HTTP/1.1" in line:
        return
    click.echo(f"{name:<9} | {line}")


@main.command()
def status() -> None:
    """Say which services answer their readiness probe."""
    s = _settings()
    down = 0
    for name in SERVICES:
        url = f"http://{s.host}:{s.port_of(name)}/readyz"
        try:
            response = requests.get(url, timeout=2)
            code = response.status_code
            state = "ready" if code == 200 else f"not ready ({code})"
        except requests.RequestException:
            state = "down"
        down += state != "ready"
        click.echo(f"{name:<10} {url:<36} {state}")
    sys.exit(1 if down else 0)


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print the README configuration table.")
def show_settings(markdown: bool) -> None:
    """List every GAS_* variable with its default and meaning."""
    click.echo(settings_table() if markdown else "\n".join(
        f"GAS_{name.upper()}" for name in Settings.model_fields))


if __name__ == "__main__":
    main()
