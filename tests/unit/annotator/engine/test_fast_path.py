"""The per-batch fast path (engine/fast_path.py) gives the same bytes as the per-allele code.

A random genome with random transcripts (both strands, coding and non-coding, partial
first codons, introns of every size, overlapping genes) and random SNVs everywhere on it,
plus a few records the fast path must hand over (REF mismatch, multi-allelic, indels).
The VCF is annotated twice, with the fast path (and the per-batch intergenic entries) and
with them switched off.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gas_annotator.engine import annotate_file
from gas_annotator.engine.annotate import _Annotator
from gas_annotator.engine.coding_snv import TERMS, CodingSnvs, Effects
from gas_annotator.engine.fast_path import (
    CDS,
    DOWNSTREAM,
    INTRON,
    NC_EXON,
    SLOW,
    SPLICE,
    UPSTREAM,
    UTR3,
    ContigTables,
    Done,
    FastPath,
)
from gas_annotator.engine.splice_sites import TERM_LISTS
from gas_annotator.engine.transcript_ann import TranscriptAnnotator
from gas_annotator.reference.bundle import Reference
from gas_annotator.reference.custom import build_custom

LENGTH = 60_000


def _transcripts(rnd: random.Random, spots: set[int]) -> list[str]:
    """GFF3 rows of 40 random transcripts (some genes with several); adds the bases where
    rules change (intron middles, 0-9 bases from exon ends) to spots."""
    rows = []
    for g in range(25):
        strand = rnd.choice("+-")
        gstart = rnd.randint(200, LENGTH - 9_000)
        rows.append(f"chr1\tt\tgene\t{gstart}\t{gstart + 8000}\t.\t{strand}\t.\t"
                    f"ID=gene:G{g};Name=GENE{g};gene_id=G{g}\n")
        for k in range(rnd.choice([1, 1, 2, 3])):
            tid = f"T{g}x{k}"
            exons, p = [], gstart + rnd.randint(0, 300)
            for _ in range(rnd.randint(1, 6)):
                length = rnd.choice([2, 5, 30, 90, 200, 400])
                exons.append((p, p + length - 1))
                p += length + rnd.choice([3, 11, 12, 13, 14, 17, 18, 40, 300, 900])
            coding = rnd.random() < 0.6 and len(exons) > 1
            kind, biotype = ("mRNA", "protein_coding") if coding else ("lnc_RNA", "lncRNA")
            tags = rnd.choice(["", ";tag=basic,MANE_Select", ";tag=Ensembl_canonical"])
            rows.append(f"chr1\tt\t{kind}\t{exons[0][0]}\t{exons[-1][1]}\t.\t{strand}\t.\t"
                        f"ID=transcript:{tid};Parent=gene:G{g};transcript_id={tid};version=1;"
                        f"biotype={biotype}{tags}\n")
            for (_, e), (s, _) in zip(exons, exons[1:], strict=False):
                spots.update(range(e - 9, e + 11))
                spots.update(range(s - 10, s + 10))
                spots.update(((e + s) // 2, (e + s + 1) // 2))
            for s, e in exons:
                rows.append(f"chr1\tt\texon\t{s}\t{e}\t.\t{strand}\t.\tParent=transcript:{tid}\n")
            if coding:  # CDS from inside the first exon to inside the last one
                lo = exons[0][0] + rnd.randint(0, exons[0][1] - exons[0][0])
                hi = exons[-1][1] - rnd.randint(0, exons[-1][1] - exons[-1][0])
                pieces = [(max(s, lo), min(e, hi)) for s, e in exons if e >= lo and s <= hi]
                for s, e in pieces:
                    rows.append(f"chr1\tt\tCDS\t{s}\t{e}\t.\t{strand}\t{rnd.choice('0012')}\t"
                                f"Parent=transcript:{tid}\n")
    return rows


@pytest.fixture(scope="module")
def random_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, set[int]]:
    rnd = random.Random(2024)
    d = tmp_path_factory.mktemp("fastpath")
    genome = "".join(rnd.choice("ACGT") for _ in range(LENGTH))
    spots: set[int] = set()
    (d / "g.gff3").write_text("##gff-version 3\n" + "".join(_transcripts(rnd, spots)))
    # poly-A runs over some exon ends: indels there shift from the exon deep into the intron
    ends = sorted(p for p in spots if p + 1 in spots and p - 1 not in spots)[::7]
    for e in ends:
        genome = genome[:e] + "A" * 24 + genome[e + 24:]
    (d / "g.fa").write_text(">chr1\n" + "\n".join(genome[i:i + 60]
                                                 for i in range(0, LENGTH, 60)) + "\n")
    return build_custom(d / "g.gff3", "gff3", d / "seq", "rnd", "", None, None, d / "g.fa"), \
        genome, spots


def _vcf(path: Path, genome: str, spots: set[int], rnd: random.Random) -> None:
    recs = []
    chosen = spots.union(rnd.sample(range(2, LENGTH - 10), 6_000))
    for p in sorted(x for x in chosen if 2 <= x < LENGTH - 10):
        if genome[p - 1:p + 3] == "AAAA" and rnd.random() < 0.5:  # in a poly-A run
            recs.append(f"chr1\t{p}\t.\t{rnd.choice(['AA', 'AAA'])}\tA\t.\t.\t.\n")
            recs.append(f"chr1\t{p}\t.\tA\t{rnd.choice(['AA', 'AAA'])}\t.\t.\t.\n")
            continue
        ref = genome[p - 1]
        alt = rnd.choice([b for b in "ACGT" if b != ref])
        roll = rnd.random()
        if roll < 0.03:
            ref = rnd.choice([b for b in "ACGT" if b != genome[p - 1]])  # REF mismatch
        elif roll < 0.06:
            alt += "," + rnd.choice([b for b in "ACGT" if b not in (ref, alt)])
        elif roll < 0.09:
            ref, alt = genome[p - 1:p + rnd.randint(1, 4)], genome[p - 1]  # deletion
        elif roll < 0.11:  # insertion, half of them repeating the next bases (shifted 3')
            ins = genome[p:p + rnd.randint(1, 3)] if roll < 0.10 else \
                "".join(rnd.choices("ACGT", k=rnd.randint(1, 5)))
            ref, alt = genome[p - 1], genome[p - 1] + ins
        elif roll < 0.13:
            ref, alt = ref.lower(), alt.lower()
        info = "DP=7;AF=0.5" if roll > 0.8 else "."  # our keys follow the input's
        recs.append(f"chr1\t{p}\t.\t{ref}\t{alt}\t.\t.\t{info}\n")
    path.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                    + "".join(recs))


def test_fast_path_gives_the_same_bytes(random_bundle: tuple[Path, str, set[int]],
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle, genome, spots = random_bundle
    vcf = tmp_path / "in.vcf"
    _vcf(vcf, genome, spots, random.Random(7))
    handled: list[int] = []
    indels: list[int] = []
    gene_level: list[int] = []
    real, real_intergenic = FastPath.annotate, _Annotator.intergenic

    def counting(self: FastPath, *args: Any) -> Done:
        got = real(self, *args)
        handled.append(len(got.ks))
        recs = args[2]
        indels.append(sum(len(recs.refs[k]) != len(recs.alts[k]) for k in got.ks.tolist()))
        return got

    mixed: list[int] = []
    real_mixed = FastPath.mixed
    coding: list[tuple[str, bool]] = []  # (term or 'slow', + strand) of the CDS pairs
    real_effects = CodingSnvs.effects

    def counting_effects(self: CodingSnvs, *args: Any) -> Effects:
        got = real_effects(self, *args)
        coding.extend((TERMS[t] if t >= 0 else "slow", bool(p))
                      for t, p in zip(got.term.tolist(), args[5].tolist(), strict=True))
        return got

    def counting_mixed(self: FastPath, *args: Any) -> Done:
        got = real_mixed(self, *args)
        mixed.append(len(got.ks))
        return got

    def counting_intergenic(self: _Annotator, *args: Any) -> np.ndarray:
        got = real_intergenic(self, *args)
        gene_level.append(len(got))
        return got

    utr5: list[tuple[int, bool]] = []  # (new ATG, + strand) of the 5' UTR pairs
    real_utr5 = CodingSnvs.utr5_gain

    def counting_utr5(self: CodingSnvs, *args: Any) -> np.ndarray:
        got = real_utr5(self, *args)
        utr5.extend(zip(got.tolist(), args[4].tolist(), strict=True))
        return got

    grouped: list[np.ndarray] = []  # kinds of the pairs written here
    indel_kinds: list[np.ndarray] = []  # those of indels
    real_group, real_indels = FastPath.group, FastPath.annotate_indels
    in_indels = [False]

    def counting_group(self: FastPath, *args: Any) -> Any:
        (indel_kinds if in_indels[0] else grouped).append(args[3])
        return real_group(self, *args)

    def flag_indels(self: FastPath, *args: Any) -> Done:
        in_indels[0] = True
        try:
            return real_indels(self, *args)
        finally:
            in_indels[0] = False

    monkeypatch.setattr(FastPath, "annotate", counting)
    monkeypatch.setattr(_Annotator, "intergenic", counting_intergenic)
    monkeypatch.setattr(FastPath, "mixed", counting_mixed)
    monkeypatch.setattr(CodingSnvs, "effects", counting_effects)
    monkeypatch.setattr(CodingSnvs, "utr5_gain", counting_utr5)
    monkeypatch.setattr(FastPath, "group", counting_group)
    monkeypatch.setattr(FastPath, "annotate_indels", flag_indels)
    fast = annotate_file(vcf, tmp_path / "fast", bundle)
    monkeypatch.setattr(FastPath, "annotate", lambda self, *a: Done.empty())
    monkeypatch.setattr(_Annotator, "intergenic", lambda self, *a: np.zeros(0, np.int64))
    slow = annotate_file(vcf, tmp_path / "slow", bundle)
    assert sum(handled) > 1_500  # the fast path did take most transcript-side SNVs
    assert sum(indels) > 40  # and intronic/flanking indels
    assert sum(gene_level) > 300  # records with no transcript near: intergenic, per batch
    assert sum(mixed) > 100  # SNVs with entries from consequence.py and from the fast path
    # SNVs in a CDS, on both strands: protein effects here, stop_lost in consequence.py
    for plus in (True, False):
        terms = [t for t, p in coding if p == plus]
        assert terms.count("missense_variant") > 100, plus
        assert terms.count("synonymous_variant") > 30, plus
        assert terms.count("stop_gained") > 3, plus
        assert terms.count("slow") > 0, plus
        assert utr5.count((0, plus)) > 20 and utr5.count((1, plus)) > 1, plus  # 1: new ATG
    # SNVs near intron ends: every list of splice terms
    near = np.bincount(np.concatenate(grouped), minlength=CDS)[SPLICE:CDS]
    assert near.min() > 5, list(zip(TERM_LISTS, near.tolist(), strict=True))
    # indels: deep intron, flanks, and inside non-coding and 3' UTR exons
    kinds = np.bincount(np.concatenate(indel_kinds), minlength=SLOW)
    assert min(kinds[k] for k in (INTRON, UPSTREAM, DOWNSTREAM, NC_EXON, UTR3)) > 5, kinds
    fast_lines = fast.annot_path.read_text().splitlines()
    slow_lines = slow.annot_path.read_text().splitlines()
    assert len(fast_lines) == len(slow_lines)
    for a, b in zip(fast_lines, slow_lines, strict=True):
        assert a == b
    for key in ("annotated", "by_region", "by_class", "ti", "tv", "ref_mismatches"):
        assert fast.summary[key] == slow.summary[key], key
    assert fast.summary["ref_mismatches"] > 0


def test_tables_agree_with_transcript_models(random_bundle: tuple[Path, str, set[int]]
                                             ) -> None:
    """cDNA length, c.1 and the last coding base of every transcript, as TxModel has them."""
    ref = Reference(random_bundle[0])
    tx = TranscriptAnnotator(ref)
    r0, r1 = ref.contigs["1"]["transcript_rows"]
    tab = ContigTables(tx.num, tx.exon, r0, r1)
    for row in range(r0, r1):
        m = tx.model(row, "1")
        t = row - r0
        assert (tab.length[t], bool(tab.coding[t])) == (m.length, m.coding), m.feature_id
        if m.coding:
            assert (tab.c1[t], tab.c2[t]) == (m.c1, m.c2), m.feature_id
        probe = np.arange(m.start, m.end + 1, dtype=np.int64)
        got = tab.cdna(np.full(len(probe), t, np.int64), probe).tolist()
        assert got == [m.cdna(g) for g in probe.tolist()], m.feature_id


# A 40-codon CDS (ATG, AAA CCC GGG, TGG GCT GAA, GCA x 32, TAA) after a 20-base 5' UTR
# (with an AT at cDNA 11-12), in exons 1001-1060 and 1161-1260 (+ strand; cDNA c at
# 1000 + c, then 1100 + c) and 2001-2100 and 2201-2260 (- strand; 2261 - c, then 2161 - c):
# cDNA length 160, CDS 21-140, protein 39 residues. The intron (1061-1160, 2101-2200) is
# GTAAGA, 84 Cs, TTTTTTTTAG.
_UTR5 = "GCGCGCGCGCATCGCGCGCG"
_INTRON = "GTAAGA" + "C" * 84 + "TTTTTTTTAG"
_CDS = "ATG" + "AAACCCGGG" + "TGGGCTGAA" + "GCA" * 32 + "TAA"
_COMP = str.maketrans("ACGT", "TGCA")


def _cds_bundle(d: Path, contig: str = "chr1") -> Path:
    rnd = random.Random(5)
    genome = list(rnd.choice("ACGT") for _ in range(3000))
    cdna = _UTR5 + _CDS  # the first 140 bases
    genome[1000:1060], genome[1160:1240] = cdna[:60], cdna[60:]
    minus = cdna.translate(_COMP)
    genome[2200:2260], genome[2020:2100] = minus[:60][::-1], minus[60:][::-1]
    genome[1060:1160], genome[2100:2200] = _INTRON, _INTRON.translate(_COMP)[::-1]
    rows = []
    for tid, strand, exons, cds in (("TP", "+", [(1001, 1060), (1161, 1260)],
                                     [(1021, 1060, 0), (1161, 1240, 2)]),
                                    ("TM", "-", [(2001, 2100), (2201, 2260)],
                                     [(2021, 2100, 2), (2201, 2240, 0)])):
        lo, hi = exons[0][0], exons[-1][1]
        rows.append(f"{contig}\tt\tgene\t{lo}\t{hi}\t.\t{strand}\t.\tID=gene:G{tid};Name=G{tid};"
                    f"gene_id=G{tid}\n")
        rows.append(f"{contig}\tt\tmRNA\t{lo}\t{hi}\t.\t{strand}\t.\tID=transcript:{tid};"
                    f"Parent=gene:G{tid};transcript_id={tid};version=1;biotype=protein_coding\n")
        rows += [f"{contig}\tt\texon\t{s}\t{e}\t.\t{strand}\t.\tParent=transcript:{tid}\n"
                 for s, e in exons]
        rows += [f"{contig}\tt\tCDS\t{s}\t{e}\t.\t{strand}\t{p}\tParent=transcript:{tid}\n"
                 for s, e, p in cds]  # phase: 40 bases before exon 2's CDS
    (d / "g.gff3").write_text("##gff-version 3\n" + "".join(rows))
    text = "".join(genome)
    (d / "g.fa").write_text(f">{contig}\n" + "\n".join(text[i:i + 60] for i in range(0, 3000, 60))
                            + "\n")
    return build_custom(d / "g.gff3", "gff3", d / "seq", "cds", "", None, None, d / "g.fa")


def _entries_of_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bundle: Path,
                     records: str) -> tuple[list[list[list[str]]], int]:
    """Annotate records (VCF lines) with bundle: per record, the fields of its entries
    for TP.1 and TM.1 (record 1 for TP, record 2 for TM), and the consequence.py calls."""
    vcf = tmp_path / "in.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   + records)
    calls: list[int] = []
    real_entry = TranscriptAnnotator.entry

    def counting_entry(self: TranscriptAnnotator, *args: Any) -> Any:
        calls.append(1)
        return real_entry(self, *args)

    monkeypatch.setattr(TranscriptAnnotator, "entry", counting_entry)
    out = annotate_file(vcf, tmp_path / "out", bundle)
    lines = [ln for ln in out.annot_path.read_text().splitlines() if not ln.startswith("#")]
    mine = []
    for line, tid in zip(lines, ("TP", "TM"), strict=True):
        ann = line.split("ANN=")[1].split(";")[0].split(",")
        mine.append([e.split("|") for e in ann if e.split("|")[6] == f"{tid}.1"])
    return mine, len(calls)


@pytest.mark.parametrize("c, off, alt_t, fields", [
    (35, 0, "A", "stop_gained|HIGH|c.15G>A|p.Trp5Ter|35/160|15/120|5/39"),
    (38, 0, "C", "synonymous_variant|LOW|c.18T>C|p.Ala6=|38/160|18/120|6/39"),
    (40, 0, "T", "missense_variant|MODERATE|c.20A>T|p.Glu7Val|40/160|20/120|7/39"),
    (22, 0, "C", "start_lost|HIGH|c.2T>C|p.Met1?|22/160|2/120|1/39"),
    (83, 0, "G", "synonymous_variant|LOW|c.63A>G|p.Ala21=|83/160|63/120|21/39"),  # exon 2
    (13, 0, "G", "5_prime_UTR_premature_start_codon_gain_variant&5_prime_UTR_variant|LOW|"
                 "c.-8C>G||13/160||"),  # ATC -> ATG
    (18, 0, "A", "5_prime_UTR_variant|MODIFIER|c.-3G>A||18/160||"),
    (60, 5, "A", "splice_donor_5th_base_variant&intron_variant|LOW|c.40+5G>A||||"),
    (61, -1, "C", "splice_acceptor_variant&intron_variant|HIGH|c.41-1G>C||||"),
    (61, -10, "C", "splice_polypyrimidine_tract_variant&intron_variant|LOW|c.41-10T>C||||"),
])
def test_snvs_by_hand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, c: int, off: int,
                      alt_t: str, fields: str) -> None:
    """SNVs in a CDS (stop_gained, synonymous, missense, start_lost), in a 5' UTR (with and
    without a new ATG) and near the intron's ends (off bases from cDNA base c) on each
    strand, with their fields worked out by hand, made by the fast path (not
    consequence.py)."""
    bundle = _cds_bundle(tmp_path)
    ref_t = (_UTR5 + _CDS)[c - 1] if not off else _INTRON[off - 1 if off > 0 else off]
    g_plus = (1000 + c if c <= 60 else 1100 + c) + off
    g_minus = (2261 - c if c <= 60 else 2161 - c) - off
    comp = {"A": "T", "C": "G", "G": "C", "T": "A"}
    both, calls = _entries_of_both(
        tmp_path, monkeypatch, bundle, f"chr1\t{g_plus}\t.\t{ref_t}\t{alt_t}\t.\t.\t.\n"
        f"chr1\t{g_minus}\t.\t{comp[ref_t]}\t{comp[alt_t]}\t.\t.\t.\n")
    assert not calls  # both written by the fast path
    for mine, tid in zip(both, ("TP", "TM"), strict=True):
        assert len(mine) == 1, (tid, mine)
        e = mine[0]
        assert "|".join([*e[1:3], *e[9:14]]) == fields, tid
        rank = "1/1" if off else "1/2" if c <= 60 else "2/2"
        assert e[8] == rank and e[14:] == ["", ""], tid


def test_mitochondrial_snvs_use_their_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    """TGG -> TGA is stop_gained with the standard code but Trp again on chrM: the fast
    path leaves MT codons to consequence.py, which reads them with the mitochondrial code."""
    both, calls = _entries_of_both(
        tmp_path, monkeypatch, _cds_bundle(tmp_path, "chrM"),
        "chrM\t1035\t.\tG\tA\t.\t.\t.\nchrM\t2226\t.\tC\tT\t.\t.\t.\n")
    assert calls == 2  # both by consequence.py
    for mine, tid in zip(both, ("TP", "TM"), strict=True):
        assert [e[1] for e in mine] == ["synonymous_variant"], tid
        assert mine[0][9:11] == ["c.15G>A", "p.Trp5="], tid


def test_input_bytes_that_are_not_utf8_come_back_as_they_were(
        random_bundle: tuple[Path, str, set[int]], tmp_path: Path) -> None:
    """INFO text read with surrogateescape (odd bytes) through every per-transcript path:
    fast-path SNVs and indels, consequence.py, the intergenic entries."""
    bundle, genome, spots = random_bundle
    vcf = tmp_path / "in.vcf"
    _vcf(vcf, genome, spots, random.Random(3))
    head, *records = vcf.read_bytes().split(b"\n#CHROM")[1].split(b"\n")[:-1]
    odd = b"NOTE=\xff\xfeX\xe9"
    records = [b"\t".join([*r.split(b"\t")[:7], odd]) for r in records]
    vcf.write_bytes(b"##fileformat=VCFv4.2\n#CHROM" + head + b"\n" + b"\n".join(records) + b"\n")
    result = annotate_file(vcf, tmp_path / "out", bundle)
    out = [ln for ln in result.annot_path.read_bytes().split(b"\n") if ln and ln[:1] != b"#"]
    assert len(out) == len(records) and result.summary["annotated"] > 0
    assert all(ln.split(b"\t")[7].startswith(odd + b";VC=") for ln in out)
