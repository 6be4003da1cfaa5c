"""Bounds on what one job reads and writes: expanded input, header, annotated output.

Upload limits count compressed bytes; a small gzip file can expand a thousandfold.
The counters sit under the text layers, so a job stops at the chunk that crosses a
bound (whatever its lines look like) instead of after reading everything.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TextIO

from .errors import AnnotationError

CHUNK = 1 << 20


class Readable(Protocol):
    """A byte stream (a file, or a gzip stream over one)."""

    def read(self, size: int = -1, /) -> bytes: ...


def megabytes(limit: int) -> str:
    """A limit in MB as people write it (64, 0.5, 16384)."""
    return f"{limit / 1024**2:.4g}"


@dataclass(frozen=True)
class Limits:
    """Byte bounds for one job; None = unbounded (the local `gas annotate`)."""

    expanded_bytes: int | None = None
    header_bytes: int | None = None
    output_bytes: int | None = None

    def expanded_error(self) -> AnnotationError:
        return AnnotationError(
            f"the input expands to more than {megabytes(self.expanded_bytes or 0)} MB")

    def header_error(self) -> AnnotationError:
        return AnnotationError(
            f"the input's header is larger than {megabytes(self.header_bytes or 0)} MB")

    def output_error(self) -> AnnotationError:
        return AnnotationError(
            f"the annotated output would be larger than {megabytes(self.output_bytes or 0)} MB")


class CountingReader(io.RawIOBase):
    """Pass bytes through from `source`, raising once more than `limit` have been read."""

    def __init__(self, source: Readable, limit: int | None, error: AnnotationError):
        self._source, self._limit, self._error = source, limit, error
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._source.read(len(buffer))
        self.count += len(data)
        if self._limit is not None and self.count > self._limit:
            raise self._error
        buffer[: len(data)] = data
        return len(data)


class CountingWriter(io.RawIOBase):
    """Write bytes to `sink`, raising once more than `limit` would have been written."""

    def __init__(self, sink: BinaryIO, limit: int | None, error: AnnotationError):
        self._sink, self._limit, self._error = sink, limit, error
        self.count = 0
        self.exceeded = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:  # bytes-like, as RawIOBase.write takes
        if self.exceeded:
            return len(data)  # already failed: the flush on close must not fail again
        self.count += len(data)
        if self._limit is not None and self.count > self._limit:
            self.exceeded = True
            raise self._error
        return self._sink.write(data)

    def close(self) -> None:
        if not self.closed:
            self._sink.close()
        super().close()


def bounded_text_input(source: Readable, limits: Limits) -> TextIO:
    """Text lines from a decompressed byte stream, failing past the expanded-size bound."""
    counted = CountingReader(source, limits.expanded_bytes, limits.expanded_error())
    # surrogateescape: odd bytes pass through to the output instead of failing.
    # utf-8-sig: a byte-order mark (spreadsheet exports) is dropped, not an error.
    return io.TextIOWrapper(io.BufferedReader(counted, CHUNK), encoding="utf-8-sig",
                            errors="surrogateescape", newline=None)


def bounded_text_output(path: Path, limits: Limits) -> TextIO:
    """A text file that fails once more than the output bound is written to it."""
    counted = CountingWriter(open(path, "wb"), limits.output_bytes,  # noqa: SIM115
                             limits.output_error())
    return io.TextIOWrapper(io.BufferedWriter(counted, CHUNK), encoding="utf-8",
                            errors="surrogateescape")
