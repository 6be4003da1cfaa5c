"""A small GRCh38 example input, for people with no VCF at hand (the example-data button).

Generated, always the same: 300 variants spread over 15 well-known genes (GRCh38
coordinates from Ensembl) and a little around them, two samples' genotypes, a header
that names the build and the contigs with their GRCh38 lengths. The REF bases are not
the genome's: the ready-made bundles annotate by location and known variants, and a
bundle with a genome reports such mismatches as warnings.
"""

from __future__ import annotations

import random

NAME = "example_grch38.vcf"
# gene: (chromosome, start, end) on GRCh38
GENES = {
    "MTHFR": ("1", 11_785_723, 11_806_455), "MLH1": ("3", 36_993_332, 37_050_918),
    "APC": ("5", 112_707_498, 112_846_239), "EGFR": ("7", 55_019_017, 55_211_628),
    "CFTR": ("7", 117_480_025, 117_668_665), "PTEN": ("10", 87_863_113, 87_971_930),
    "HBB": ("11", 5_225_464, 5_229_395), "KRAS": ("12", 25_205_246, 25_250_936),
    "BRCA2": ("13", 32_315_508, 32_400_268), "TP53": ("17", 7_661_779, 7_687_550),
    "BRCA1": ("17", 43_044_295, 43_125_483), "LDLR": ("19", 11_089_462, 11_133_820),
    "APOE": ("19", 44_905_796, 44_909_393), "DMD": ("X", 31_097_677, 33_339_441),
    "F8": ("X", 154_835_788, 155_026_940),
}
LENGTHS = {"1": 248_956_422, "3": 198_295_559, "5": 181_538_259, "7": 159_345_973,
           "10": 133_797_422, "11": 135_086_622, "12": 133_275_309, "13": 114_364_328,
           "17": 83_257_441, "19": 58_617_616, "X": 156_040_895}
PER_GENE = 20
TRANSITION = {"A": "G", "G": "A", "C": "T", "T": "C"}
ORDER = ["1", "3", "5", "7", "10", "11", "12", "13", "17", "19", "X"]


def example_vcf() -> bytes:
    """The example input: a valid VCF 4.2 on GRCh38, sorted, 300 records."""
    rng = random.Random(38)  # noqa: S311 - the same example every time, not a secret
    sites: list[tuple[str, int]] = []
    for chrom, start, end in GENES.values():
        flank = max(2_000, (end - start) // 20)  # a few land up- or downstream
        sites += [(chrom, rng.randint(start - flank, end + flank)) for _ in range(PER_GENE)]
    sites.sort(key=lambda s: (ORDER.index(s[0]), s[1]))
    lines = ["##fileformat=VCFv4.2", "##reference=GRCh38",
             "##source=GAS example data (generated)",
             *(f"##contig=<ID=chr{c},length={LENGTHS[c]},assembly=GRCh38>" for c in ORDER),
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tsample_a\tsample_b"]
    last = ("", 0)
    for chrom, pos in sites:
        if (chrom, pos) == last:
            continue
        last = (chrom, pos)
        ref = rng.choice("ACGT")
        kind = rng.random()
        if kind < 0.85:  # SNV: two transitions to a transversion, as in real calls
            alt = TRANSITION[ref] if rng.random() < 2 / 3 else rng.choice(
                [b for b in "ACGT" if b not in (ref, TRANSITION[ref])])
        elif kind < 0.93:  # insertion
            alt = ref + "".join(rng.choice("ACGT") for _ in range(rng.randint(1, 3)))
        else:  # deletion
            ref, alt = ref + "".join(rng.choice("ACGT") for _ in range(rng.randint(1, 3))), ref
        gts = [rng.choice(["0/1", "0/1", "1/1", "0/0"]) for _ in range(2)]
        lines.append(f"chr{chrom}\t{pos}\t.\t{ref}\t{alt}\t{rng.randint(30, 99)}\tPASS\t.\t"
                     f"GT\t{gts[0]}\t{gts[1]}")
    return ("\n".join(lines) + "\n").encode()
