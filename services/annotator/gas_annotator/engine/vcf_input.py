"""Stream VCF text from plain, gzip or bgzip files, with line numbers and one-line errors."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from .errors import AnnotationError
from .limits import Limits, bounded_text_input


class VcfReader:
    """Line reader over a (possibly compressed) VCF that never loads the whole file."""

    def __init__(self, path: Path, limits: Limits | None = None) -> None:
        self.path = Path(path)
        self.limits = limits or Limits()
        self.lineno = 0  # number of the last line handed out
        try:
            raw = open(self.path, "rb")  # noqa: SIM115 - closed in close()
        except OSError as e:
            raise AnnotationError(f"cannot open input {self.path.name}: {e.strerror}") from None
        magic = raw.read(2)
        raw.seek(0)
        self.compressed = magic == b"\x1f\x8b"
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if self.compressed else raw
        self._raw = raw
        self._text = bounded_text_input(stream, self.limits)
        self._pushed: list[str] = []
        self._ahead: list[str] = []  # lines read by peek(), handed out again in order

    def _fail(self, e: Exception) -> AnnotationError:
        where = f"after line {self.lineno}" if self.lineno else "at the start"
        if isinstance(e, EOFError):
            return AnnotationError(f"the gzip input is truncated ({where}): the file ends "
                                   "before the end of its compressed stream")
        return AnnotationError(f"the input is not a valid gzip file ({where}): {e}")

    def readline(self, size: int = -1) -> str:
        """Next line, or its first `size` characters ('' at end of file)."""
        if self._pushed:
            self.lineno += 1
            return self._pushed.pop()
        if self._ahead:
            self.lineno += 1
            return self._ahead.pop(0)
        try:
            line = self._text.readline(size)
        except (EOFError, OSError, zlib.error) as e:
            raise self._fail(e) from None
        if line:
            self.lineno += 1
        return line

    def push_back(self, line: str) -> None:
        """Return one line so the next read gives it again."""
        self._pushed.append(line)
        self.lineno -= 1

    def readlines(self, hint: int = 1 << 20) -> list[str]:
        """About hint characters of whole lines ([] at end of file)."""
        lines = []
        if self._pushed:
            lines.append(self._pushed.pop())
        if self._ahead:  # peeked lines: handed out hint characters at a time too
            n, size = 0, 0
            while n < len(self._ahead) and size < hint:
                size += len(self._ahead[n])
                n += 1
            lines.extend(self._ahead[:n])
            del self._ahead[:n]
        else:
            lines.extend(self._read(hint))
        self.lineno += len(lines)
        return lines

    def read_block(self, hint: int = 1 << 20) -> str:
        """About hint characters of whole lines, each ended by its newline except perhaps
        the file's last ('' at end of file).

        One read per block, split by vcf_columns.parse: much cheaper than a str per line.
        """
        if self._pushed or self._ahead:
            return "".join(self.readlines(hint))
        try:
            text = self._text.read(hint)
            if text and not text.endswith("\n"):
                text += self._text.readline()  # the rest of the last line
        except (EOFError, OSError, zlib.error) as e:
            raise self._fail(e) from None
        self.lineno += text.count("\n") + (bool(text) and not text.endswith("\n"))
        return text

    def peek(self, hint: int = 1 << 20) -> list[str]:
        """About hint characters of the next lines, which later reads hand out again."""
        if not self._ahead:
            self._ahead = self._read(hint)
        return list(self._ahead)

    def _read(self, hint: int) -> list[str]:
        try:
            return self._text.readlines(hint)
        except (EOFError, OSError, zlib.error) as e:
            raise self._fail(e) from None

    def close(self) -> None:
        """Close the file."""
        self._text.close()
        self._raw.close()
