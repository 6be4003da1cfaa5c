"""The S3 key layout of DESIGN.md ("Data") and the one file-name sanitiser.

Inputs:  <prefix><user_id>/<job_id>~<file name>                (inputs bucket)
Results: <prefix><user_id>/<job_id>~<name>.annot.vcf, .vcf.count.log, .summary.json,
         .variants.parquet, .genes.parquet (results bucket), where <name> is the file
         name without .vcf/.gz.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import astuple, dataclass
from typing import Any

from gas_common.settings import Settings

SEPARATOR = "~"  # between the job id and the file name
MAX_FILENAME = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def sanitise_filename(name: str) -> str:
    """A safe base name: no path parts, control characters, odd symbols or huge length."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # drop any path, Windows or POSIX
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip("._-") or "upload.vcf"
    if len(name) > MAX_FILENAME:
        # Keep the extension (.vcf / .vcf.gz) so the type survives truncation.
        ext = ".vcf.gz" if name.lower().endswith(".vcf.gz") else "." + name.rsplit(".", 1)[-1]
        ext = ext if len(ext) <= 10 else ""
        name = name[: MAX_FILENAME - len(ext)] + ext
    return name


def base_name(file_name: str) -> str:
    """x.vcf, x.vcf.gz, x.txt -> x: the `<name>` of a job's result keys."""
    name = sanitise_filename(file_name)
    for ext in (".gz", ".bgz"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return stem or "input"


def user_prefix(user_id: str, settings: Settings) -> str:
    """Where every key of one user starts."""
    return f"{settings.key_prefix}{user_id}/"


def input_key(user_id: str, job_id: str, file_name: str, settings: Settings) -> str:
    """The inputs-bucket key of an upload (file_name already sanitised)."""
    return f"{user_prefix(user_id, settings)}{job_id}{SEPARATOR}{file_name}"


def split_key(key: str) -> tuple[str, str]:
    """(job_id, file name) of any input or result key; ('', '') when it has no job id."""
    job_id, sep, name = key.rpartition("/")[2].partition(SEPARATOR)
    return (job_id, name) if sep else ("", "")


def file_name_of(key: str) -> str:
    """The file name a download of `key` gets: what follows the job id."""
    return key.rsplit(SEPARATOR, 1)[-1]


@dataclass(frozen=True)
class ResultKeys:
    """Where a job's outputs go in the results bucket."""

    result: str
    log: str
    summary: str
    variants: str  # the browsable tables (docs/web.md)
    genes: str

    @classmethod
    def of(cls, job: dict[str, Any], settings: Settings) -> ResultKeys:
        stem = (f"{user_prefix(job['user_id'], settings)}{job['job_id']}{SEPARATOR}"
                f"{base_name(job['input_file_name'])}")
        return cls(f"{stem}.annot.vcf", f"{stem}.vcf.count.log", f"{stem}.summary.json",
                   f"{stem}.variants.parquet", f"{stem}.genes.parquet")

    def all(self) -> tuple[str, ...]:
        return astuple(self)
