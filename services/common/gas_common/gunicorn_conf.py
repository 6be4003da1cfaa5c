"""Gunicorn settings for one GAS service in a container, read from the GAS_* settings.

The image runs every service the same way, shell-free:

    gunicorn --config python:gas_common.gunicorn_conf 'gas_<service>:create_app()'

The app target names the service, so this module knows which port to bind
(`GAS_<SERVICE>_PORT` on `GAS_HOST`). Workers, threads and timeouts come from
`GAS_GUNICORN_*`, like `gas up` (gas_tools.stack) starts them. Run as
`python -m gas_common.gunicorn_conf` it is the image's HEALTHCHECK: it asks the
service running in this container for `/healthz`.
"""

from __future__ import annotations

import re
import sys
import urllib.request
from typing import Any

from gas_common.settings import SERVICES, Settings, get_settings

APP_TARGET = re.compile(r"^gas_([a-z]+):create_app\(\)$")
# Longer than the annotator's drain (GAS_JOB_DRAIN_SECONDS) and shorter than the
# orchestrators' grace period (30 s by default in Kubernetes and compose's stop_grace_period).
GRACEFUL_TIMEOUT = 20
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def service_of(argv: list[str]) -> str | None:
    """The GAS service whose app target is on this command line, if any."""
    for arg in argv[1:]:
        match = APP_TARGET.match(arg)
        if match and match.group(1) in SERVICES:
            return match.group(1)
    return None


def options(service: str, s: Settings) -> dict[str, Any]:
    """Gunicorn's settings for `service` (names as in a gunicorn config file)."""
    return {
        "bind": [f"{s.host}:{s.port_of(service)}"],
        "workers": s.gunicorn_workers,
        "threads": s.gunicorn_threads,
        "worker_class": "gthread",
        "timeout": s.gunicorn_timeout,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "proc_name": f"gas-{service}",
        # The root filesystem is read-only; /tmp is the writable emptyDir/tmpfs.
        "worker_tmp_dir": "/tmp",  # noqa: S108 - a private tmpfs in the container
        # Gunicorn 23+ opens a control socket under $HOME, which is read-only here.
        "control_socket_disable": True,
    }


def probe(s: Settings, path: str = "/healthz", timeout: float = 3) -> int:
    """Exit status for a HEALTHCHECK: 0 when the service in this container answers `path`.

    One service runs per container, so the first port that answers is this container's.
    """
    for service in SERVICES:
        url = f"http://127.0.0.1:{s.port_of(service)}{path}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
                return 0 if response.status == 200 else 1
        except OSError:
            continue  # nothing listens on that port here (or it is not healthy)
    return 1


# Loaded by gunicorn as its config file: publish the settings as module globals.
_service = service_of(sys.argv)
if _service is not None:
    globals().update(options(_service, get_settings()))

if __name__ == "__main__":
    sys.exit(probe(get_settings()))
