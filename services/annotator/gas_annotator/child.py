"""What runs inside a job's own process: the engine, reporting back over a pipe.

The process touches no AWS and no job state: the service process that started
it owns the claim, so a crash here can only ever lose this one attempt.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import time
from multiprocessing.connection import Connection
from pathlib import Path

PR_SET_PDEATHSIG = 1
THROTTLE_EVERY = 1_000
OOM_SCORE_ADJ = 500


def _detach_from_signals() -> None:
    """Ignore SIGTERM/SIGINT (the service decides when we stop) but die with our parent."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # When memory runs out, the kernel should kill this job, not the service.
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as f:
        f.write(str(OOM_SCORE_ADJ))


def annotate(conn: Connection, input_path: str, out_dir: str, base_name: str,
             reference: tuple[str, str | None], throttle: float = 0.0,
             limits: tuple[int | None, int | None, int | None] = (None, None, None)) -> None:
    """Annotate one input; send ("progress", n)... then ("done", result) or ("error", ...).

    reference: (bundle folder, None) to use that bundle, or (default bundle folder,
    installed-bundles folder) to pick the bundle of the input's build.
    `limits` are the job's (expanded, header, output) byte bounds.
    """
    _detach_from_signals()
    from gas_annotator.engine import AnnotationError, Auto, Limits, annotate_file
    from gas_annotator.tables import write_tables

    default, installed = reference
    ref = Auto(Path(default), Path(installed)) if installed else Path(default)

    def progress(done: int) -> None:
        conn.send(("progress", done))
        if throttle:
            time.sleep(throttle)

    try:
        result = annotate_file(
            Path(input_path), Path(out_dir), reference=ref, base_name=base_name,
            progress=progress, progress_every=THROTTLE_EVERY if throttle else 50_000,
            limits=Limits(*limits),
        )
        tables = write_tables(result.annot_path, Path(out_dir), base_name)
        conn.send(("done", {"summary": result.summary, "variants": result.variants,
                            "result": str(result.annot_path), "log": str(result.log_path),
                            "summary_path": str(result.summary_path),
                            "variants_table": str(tables.variants_path),
                            "genes_table": str(tables.genes_path)}))
    except AnnotationError as exc:
        conn.send(("error", str(exc), str(exc.log_path) if exc.log_path else None))
    except MemoryError:
        conn.send(("error", "the job ran out of memory", None))
    finally:
        conn.close()
