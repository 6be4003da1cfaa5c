"""Stand-in engine processes for runner tests (imported by name in the child process)."""

from __future__ import annotations

import json
import os
import signal
import time
from multiprocessing.connection import Connection
from pathlib import Path


def succeed(conn: Connection, input_path: str, out_dir: str, base: str, reference: object,
            throttle: float, limits: tuple = ()) -> None:
    """Write the outputs (the input as its own "annotation") and report them."""
    from gas_annotator.tables import write_tables

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = Path(input_path).read_text().count("\n")
    paths = {"result": out / f"{base}.annot.vcf", "log": out / f"{base}.vcf.count.log",
             "summary_path": out / f"{base}.summary.json"}
    paths["result"].write_text(Path(input_path).read_text())
    paths["log"].write_text(f"Total: {lines}\n")
    summary = {"total": lines, "by_class": {"SNV": lines}, "by_chromosome": {"1": lines}}
    paths["summary_path"].write_text(json.dumps(summary))
    tables = write_tables(paths["result"], out, base)
    paths.update(variants_table=tables.variants_path, genes_table=tables.genes_path)
    conn.send(("progress", lines))
    conn.send(("done", {"summary": summary, "variants": lines,
                        **{k: str(v) for k, v in paths.items()}}))


def gated(conn: Connection, *args: object) -> None:
    """Succeed once the file named by GAS_TEST_GATE is gone (the test opens the gate)."""
    while os.path.exists(os.environ["GAS_TEST_GATE"]):
        time.sleep(0.05)
    succeed(conn, *args)  # type: ignore[arg-type]


def die(conn: Connection, *args: object) -> None:
    """Be killed the way the out-of-memory killer does it."""
    conn.send(("progress", 10))
    os.kill(os.getpid(), signal.SIGKILL)


def hang(conn: Connection, *args: object) -> None:
    """Report some progress, then never finish (and ignore SIGTERM, as the real one does)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    conn.send(("progress", 42))
    while True:
        time.sleep(1)


def bad_input(conn: Connection, input_path: str, out_dir: str, *args: object) -> None:
    """Fail the way the engine does on bad input: one line and a log."""
    log = Path(out_dir) / "x.vcf.count.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("ERROR: line 3: POS 'x' is not a non-negative integer\n")
    conn.send(("error", "line 3: POS 'x' is not a non-negative integer", str(log)))
