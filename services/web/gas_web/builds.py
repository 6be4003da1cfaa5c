"""Which installed reference an upload fits, told before its job is queued.

The web reads the installed bundles' manifests (gas_common.bundles, GAS_REFERENCE_DIR:
each bundle's build and contigs with their lengths) and the upload's first bytes (its
header's ##contig lines and its first records). The annotator decides for real
(gas_annotator.engine.choose, with REF alleles too); this only warns early when the
file's contigs match no installed bundle, by name or by length.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gas_common import aws, bundles
from gas_common.contigs import canonical_contig
from gas_common.settings import Settings

HEAD_BYTES = 1024 * 1024  # a header with every GRCh38 alt contig is about 250 KB
MAX_TEXT = 8 * 1024 * 1024  # decompressed: a bound on what a crafted gzip can expand to
_CONTIG = re.compile(r"^##contig=<(.*)>\s*$")
_ATTR = re.compile(r'([A-Za-z_]+)=("(?:[^"\\]|\\.)*"|[^,]*)')
LIFT_OVER = "lift it over to GRCh38, e.g. with CrossMap or Picard LiftoverVcf"


@dataclass(frozen=True)
class Bundle:
    """An installed bundle as the web sees it: contig (canonical name) -> length (0: unknown)."""

    name: str
    build: str
    contigs: dict[str, int]

    @property
    def label(self) -> str:
        return f"{self.build} ({self.name})" if self.build else self.name


def installed(s: Settings) -> list[Bundle]:
    """The bundles installed where the annotator finds them (empty when the web cannot see
    that folder, as in a deployment that does not mount it)."""
    out = []
    for m in bundles.list_bundles(Path(s.reference_dir).expanduser()):
        if "error" in m or not isinstance(m.get("contigs"), dict):
            continue
        contigs = {canonical_contig(str(c)): int(v.get("length") or 0) if isinstance(v, dict)
                   else 0 for c, v in m["contigs"].items()}
        out.append(Bundle(str(m.get("name") or Path(m["path"]).name), str(m.get("build") or ""),
                          contigs))
    return out


def file_contigs(text: str) -> dict[str, int]:
    """Contigs named by a VCF's ##contig lines (with their lengths) and its records (0), as
    the file names them."""
    found: dict[str, int] = {}
    for line in text.splitlines():
        if line.startswith("##"):
            m = _CONTIG.match(line)
            if m:
                attrs = {k: v.strip('"') for k, v in _ATTR.findall(m.group(1))}
                if attrs.get("ID"):
                    length = attrs.get("length", "")
                    found[attrs["ID"]] = int(length) if length.isdigit() else 0
        elif line and not line.startswith("#"):
            found.setdefault(line.split("\t", 1)[0], 0)
    return found


def fits(bundle: Bundle, contigs: dict[str, int]) -> bool:
    """Whether the file names contigs of the bundle and none with another length (MT aside:
    hg19's chrM is not GRCh37's MT, and both builds share the rCRS length)."""
    shared = [(canonical_contig(c), n) for c, n in contigs.items()
              if canonical_contig(c) in bundle.contigs]
    return bool(shared) and not any(
        c != "MT" and n and bundle.contigs[c] and n != bundle.contigs[c] for c, n in shared)


def mismatch(contigs: dict[str, int], installed_bundles: list[Bundle]) -> str | None:
    """Why the file fits no installed bundle, or None when one fits (or nothing can be told)."""
    if not contigs or not installed_bundles or any(fits(b, contigs) for b in installed_bundles):
        return None
    names = ", ".join(list(contigs)[:5]) + (", ..." if len(contigs) > 5 else "")
    have = ", ".join(b.label for b in installed_bundles)
    named = any(canonical_contig(c) in b.contigs for b in installed_bundles for c in contigs)
    why = ("its contig lengths are those of another build" if named
           else f"its contigs ({names}) are not in any of them")
    return (f"This file matches no installed reference ({have}): {why}. Its job would "
            f"annotate nothing and fail. You can {LIFT_OVER}, then upload it again.")


def upload_text(s3: Any, bucket: str, key: str) -> str:
    """The first part of an upload as text (plain, gzip or bgzip), bounded both ways."""
    body = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{HEAD_BYTES - 1}")["Body"]
    data = bytes(body.read())
    if data[:2] != b"\x1f\x8b":
        return data.decode("utf-8", "replace").rsplit("\n", 1)[0]  # the last line may be cut
    out: list[bytes] = []
    size = 0
    while data[:2] == b"\x1f\x8b" and size < MAX_TEXT:  # bgzip: one gzip member per block
        inflate = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        try:
            chunk = inflate.decompress(data, MAX_TEXT - size)
        except zlib.error:
            break  # the range cut the last member short: what came before is enough
        out.append(chunk)
        size += len(chunk)
        if not inflate.eof:
            break
        data = inflate.unused_data
    text = b"".join(out).decode("utf-8", "replace")
    return text.rsplit("\n", 1)[0]  # the last line may be cut


def upload_warning(bucket: str, key: str, s: Settings) -> str | None:
    """The warning for an upload whose contigs match no installed bundle, else None."""
    found = installed(s)
    if not found:
        return None
    text = upload_text(aws.client("s3", s), bucket, key)
    if not text.lstrip("\ufeff").startswith("##fileformat=VCF"):
        return None  # not a VCF: submit refuses it with that reason
    return mismatch(file_contigs(text), found)
