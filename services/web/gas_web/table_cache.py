"""A bounded local disk cache of jobs' results tables, least recently used out first.

The web service queries a job's parquet files on local disk (DuckDB reads only the
row groups and columns a query needs). A file is fetched from the results bucket on
first use, kept under GAS_TABLE_CACHE_DIR, and the oldest-used files are deleted
when the cache grows past GAS_TABLE_CACHE_BYTES. Downloads go to a temporary name
and are renamed into place, so a reader never sees half a file, even across workers.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
import time
from pathlib import Path

from gas_common import aws
from gas_common.settings import Settings

_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def cache_dir(settings: Settings) -> Path:
    path = Path(settings.table_cache_dir or Path(tempfile.gettempdir()) / "gas-table-cache")
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_copy(bucket: str, key: str, settings: Settings) -> Path:
    """The object as a local file, fetched once and then reused (its use time refreshed)."""
    name = hashlib.sha256(f"{bucket}/{key}".encode()).hexdigest() + Path(key).suffix
    path = cache_dir(settings) / name
    with _guard:
        lock = _locks.setdefault(name, threading.Lock())
    with lock:
        if path.exists():
            with contextlib.suppress(FileNotFoundError):
                os.utime(path)  # the access time is unreliable (noatime mounts): use mtime
                return path
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                aws.client("s3", settings).download_fileobj(bucket, key, out)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    evict(settings, keep=path)
    return path


def evict(settings: Settings, keep: Path | None = None) -> int:
    """Delete least recently used files until the cache fits its limit; bytes freed."""
    limit = settings.table_cache_bytes
    files = []
    for entry in cache_dir(settings).iterdir():
        with contextlib.suppress(FileNotFoundError):
            st = entry.stat()
            stale_part = entry.name.startswith(".part-") and st.st_mtime < time.time() - 3600
            if stale_part or not entry.name.startswith(".part-"):
                files.append((st.st_mtime, st.st_size, entry))
    total = sum(size for _, size, _ in files)
    freed = 0
    for _, size, entry in sorted(files, key=lambda f: f[0]):
        if total <= limit:
            break
        if entry == keep:
            continue
        with contextlib.suppress(FileNotFoundError):
            entry.unlink()  # an open reader keeps its file until it closes it
            total -= size
            freed += size
    return freed
