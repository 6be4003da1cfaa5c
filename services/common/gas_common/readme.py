"""Keep README.md's configuration table in step with the settings module (`make docs`)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from gas_common.cli import settings_table

BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"
_BLOCK = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)


def render(text: str) -> str:
    """README text with the table between the markers regenerated."""
    if not _BLOCK.search(text):
        raise ValueError(f"README has no {BEGIN} ... {END} block")
    return _BLOCK.sub(lambda _: f"{BEGIN}\n{settings_table()}\n{END}", text)


def main(path: str = "README.md") -> int:
    readme = Path(path)
    readme.write_text(render(readme.read_text()))
    print(f"updated the configuration table in {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
