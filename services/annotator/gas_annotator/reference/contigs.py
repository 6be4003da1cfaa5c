"""Contig naming (1/chr1, MT/M/chrM) and the lengths of the standard human builds."""

from __future__ import annotations

import re

from gas_common.contigs import canonical_contig as canonical_contig  # the web names them so too


def _lengths(names: str, values: list[int]) -> dict[str, int]:
    return dict(zip(names.split(), values, strict=True))


_NAMES = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 X Y MT"

# Primary-assembly lengths (NCBI/UCSC); MT is rCRS (16569) in GRCh38 and GRCh37.
BUILD_LENGTHS: dict[str, dict[str, int]] = {
    "GRCh38": _lengths(_NAMES, [
        248956422, 242193529, 198295559, 190214555, 181538259, 170805979, 159345973,
        145138636, 138394717, 133797422, 135086622, 133275309, 114364328, 107043718,
        101991189, 90338345, 83257441, 80373285, 58617616, 64444167, 46709983, 50818468,
        156040895, 57227415, 16569]),
    "GRCh37": _lengths(_NAMES, [
        249250621, 243199373, 198022430, 191154276, 180915260, 171115067, 159138663,
        146364022, 141213431, 135534747, 135006516, 133851895, 115169878, 107349540,
        102531392, 90354753, 81195210, 78077248, 59128983, 63025520, 48129895, 51304566,
        155270560, 59373566, 16569]),
    "NCBI36": _lengths(_NAMES, [
        247249719, 242951149, 199501827, 191273063, 180857866, 170899992, 158821424,
        146274826, 140273252, 135374737, 134452384, 132349534, 114142980, 106368585,
        100338915, 88827254, 78774742, 76117153, 63811651, 62435964, 46944323, 49691432,
        154913754, 57772954, 16571]),
}

_BUILD_PATTERNS = [
    ("GRCh38", re.compile(r"grch38|hg38|\bb38\b|GCA_000001405\.(1[5-9]|2\d)"
                          r"|GCF_000001405\.(2[6-9]|[34]\d)", re.I)),
    ("GRCh37", re.compile(r"grch37|hg19|\bb37\b|g1k_v37|hs37d5|human_g1k"
                          r"|GCF_000001405\.(1[3-9]|2[0-5])", re.I)),
    ("NCBI36", re.compile(r"ncbi36|ncbi_?build_?36|hg18|\bb36\b|_b36_|b36_", re.I)),
]


def build_from_text(text: str) -> str | None:
    """Which build a ##reference or ##contig assembly value names, if any."""
    for build, pattern in _BUILD_PATTERNS:
        if pattern.search(text):
            return build
    return None


def build_from_lengths(lengths: dict[str, int]) -> str | None:
    """Which standard build every given (canonical) contig length agrees with, if exactly one."""
    candidates = []
    for build, table in BUILD_LENGTHS.items():
        known = [c for c in lengths if c in table and c != "MT"]
        if known and all(table[c] == lengths[c] for c in known):
            candidates.append(build)
    return candidates[0] if len(candidates) == 1 else None
