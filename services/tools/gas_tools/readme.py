"""Keep README.md's configuration table in step with the settings module (`make docs`)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from gas_common.settings import Settings

BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"
_BLOCK = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)


def settings_table() -> str:
    """The README's configuration table, made from the settings module."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None:
            default = "number of cores"
        else:
            default = f"`{field.default}`" if field.default not in ("", None) else "(empty)"
        rows.append(f"| `GAS_{name.upper()}` | {default} | {field.description} |")
    return "\n".join(rows)


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
