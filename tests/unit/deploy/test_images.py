"""`make images` (deploy/images.sh) on a machine with no container engine to use."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.unit.deploy.conftest import ROOT


def test_without_an_engine_or_a_way_to_install_one_it_says_what_to_install(
        tmp_path: Path) -> None:
    # A PATH with a shell and nothing else: no docker, no podman, no apt-get, no sudo.
    for tool in ("sh", "id", "dirname", "printf"):
        found = shutil.which(tool)
        assert found, tool
        os.symlink(found, tmp_path / tool)
    out = subprocess.run(["sh", str(ROOT / "deploy" / "images.sh")], capture_output=True,
                         text=True, env={"PATH": str(tmp_path)}, timeout=60, check=False,
                         executable=str(tmp_path / "sh"))
    assert out.returncode == 1
    assert "no container engine found" in out.stderr
    assert "apt-get install podman" in out.stderr and "Docker" in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
