"""Per-transcript consequences and HGVS on a small synthetic genome, answers worked by hand.

The genome (chr1, 20,000 bases) is filler with three transcripts written into it:

T1.1  GENE1 + strand, MANE_Select, protein coding
      exon 1 101-160 (5' UTR 101-120, CDS 121-160 = c.1-40), intron 1 161-260,
      exon 2 261-320 (c.41-100), intron 2 321-420,
      exon 3 421-500 (c.101-129, stop codon TAA c.127-129 = 447-449; 3' UTR 450-500)
      CDS ATG GCC GAG AAA AAA CTG GAG TTC TTT CGC TGG CAC GGT C|GT (GCT)x28 TAA
          M   A   E   K   K   L   E   F   F   R   W   H   G   R    A x28   *
      (codon 14 is split over exons 1 and 2); 3' UTR is CTAAGGTAG then C; 5' UTR has ACG at
      c.-10..-8 (111-113).
T1b.1 GENE1 + strand, retained_intron, one exon 101-500 (no tags).
T2.1  GENE2 - strand, Ensembl_canonical, protein coding, 5' end at 1500
      exon 1 1401-1500 (5' UTR 1500-1480, CDS 1479-1401 = c.1-79), intron 1 1301-1400,
      exon 2 1201-1300 (c.80-179), intron 2 1101-1200, exon 3 1001-1100 (c.180, 3' UTR)
      CDS ATG GAA TTT CTT CGC GCA GCA GCA TGG (GAT)x50 TA|A  (stop codon split over
          M   E   F   L   R   A   A   A   W    D x50   *    exons 2 and 3)
      3' UTR (transcript order) is GGCTAG then C.
T3.1  GENE3 + strand lncRNA, exons 2001-2100 and 2301-2400.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gas_annotator.engine import annotate_file
from gas_annotator.engine.codons import revcomp
from gas_annotator.reference.custom import build_custom

CDS1 = ("ATGGCCGAGAAAAAACTGGAGTTCTTTCGCTGGCACGGTCGT" + "GCT" * 28 + "TAA")
UTR3_1 = "CTAAGGTAG" + "C" * 42  # no stop in any frame after the first
CDS2 = "ATGGAATTTCTTCGCGCAGCAGCATGG" + "GAT" * 50 + "TAA"
UTR3_2 = "GGCTAG" + "C" * 93


def _genome() -> str:
    rnd = random.Random(11)
    g = [rnd.choice("ACGT") for _ in range(20_000)]

    def put(start: int, seq: str) -> None:
        g[start - 1:start - 1 + len(seq)] = list(seq)

    assert len(CDS1) == 129 and len(CDS2) == 180
    put(121, CDS1[:40])
    put(261, CDS1[40:100])
    put(421, CDS1[100:])
    put(450, UTR3_1)
    put(111, "ACG")
    put(161, "GTAAGT")
    put(250, "AAAAAAA")
    put(259, "AG")
    # minus strand: the transcript's sequence is the reverse complement of the genome
    rc = revcomp(CDS2)  # genome order, low to high
    put(1401, rc[-79:])  # c.1-79 at 1479..1401
    put(1201, rc[1:101])  # c.80-179 at 1300..1201
    put(1100, rc[0])  # c.180
    put(1001, revcomp(UTR3_2))  # 1099..1001
    return "".join(g)


GENOME = _genome()


def _gff3() -> str:
    rows = []

    def tx(gene: str, tid: str, strand: str, span: tuple[int, int], kind: str, attrs: str,
           exons: list[tuple[int, int]], cds: list[tuple[int, int]], phases: str = "") -> None:
        """A transcript's rows: its gene (when new), itself, exons and CDS (with phases)."""
        def row(feature: str, s: int, e: int, text: str, phase: str = ".") -> None:
            rows.append(f"chr1\ttest\t{feature}\t{s}\t{e}\t.\t{strand}\t{phase}\t{text}\n")

        if f"ID=gene:{gene};" not in "".join(rows):
            row("gene", *span, f"ID=gene:{gene};Name=GENE{gene[1:]};gene_id={gene}")
        row(kind, *span, f"ID=transcript:{tid};Parent=gene:{gene};transcript_id={tid};"
            f"version=1;{attrs}")
        for s, e in exons:
            row("exon", s, e, f"Parent=transcript:{tid}")
        for (s, e), ph in zip(cds, phases, strict=True):
            row("CDS", s, e, f"Parent=transcript:{tid}", ph)

    tx("G1", "T1", "+", (101, 500), "mRNA", "biotype=protein_coding;tag=basic,MANE_Select",
       [(101, 160), (261, 320), (421, 500)], [(121, 160), (261, 320), (421, 449)], "022")
    tx("G1", "T1b", "+", (101, 500), "transcript", "biotype=retained_intron", [(101, 500)], [])
    tx("G2", "T2", "-", (1001, 1500), "mRNA", "biotype=protein_coding;tag=basic,"
       "Ensembl_canonical", [(1401, 1500), (1201, 1300), (1001, 1100)],
       [(1401, 1479), (1201, 1300), (1100, 1100)], "021")
    tx("G3", "T3", "+", (2001, 2400), "lnc_RNA", "biotype=lncRNA", [(2001, 2100), (2301, 2400)],
       [])
    return "##gff-version 3\n##sequence-region chr1 1 20000\n" + "".join(rows)


@pytest.fixture(scope="module")
def seq_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("seqref")
    (d / "g.gff3").write_text(_gff3())
    (d / "g.fa").write_text(">chr1 synthetic\n" + "\n".join(
        GENOME[i:i + 60] for i in range(0, len(GENOME), 60)) + "\n")
    return build_custom(d / "g.gff3", "gff3", d / "seq", "seq", "", None, None, d / "g.fa")


def base(pos: int) -> str:
    return GENOME[pos - 1]


def annotate(bundle: Path, tmp_path: Path, *records: tuple[int, str, str]
             ) -> list[dict[str, list[str]]]:
    """Per record: {Feature_ID or Gene_ID: the 16 ANN fields of each ALT (first ALT first)}."""
    lines = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    lines += [f"chr1\t{p}\t.\t{r}\t{a}\t.\t.\t." for p, r, a in records]
    src = tmp_path / "in.vcf"
    src.write_text("\n".join(lines) + "\n")
    res = annotate_file(src, tmp_path / "out", bundle)
    out = []
    for ln in res.annot_path.read_text().splitlines():
        if ln.startswith("#"):
            continue
        info = dict(kv.split("=", 1) for kv in ln.split("\t")[7].split(";"))
        per: dict[str, list[str]] = {}
        for entry in info["ANN"].split(","):
            f = entry.split("|")
            assert len(f) == 16, entry
            per.setdefault(f[6] or f[4], []).extend(f)
        per["PICK"] = info.get("PICK", "").split(",")
        out.append(per)
    return out


def one(bundle: Path, tmp_path: Path, pos: int, ref: str, alt: str, tx: str) -> list[str]:
    return annotate(bundle, tmp_path, (pos, ref, alt))[0][tx][:16]


def _intronic(pos: int, terms: str, impact: str, where: str, minus: bool = False) -> tuple:
    """An SNV (base -> N) in intron 1 of T1.1 (or T2.1): its record and expected fields."""
    b = revcomp(base(pos)) if minus else base(pos)
    return (pos, base(pos), "N"), [terms, impact, "1/2", f"c.{where}{b}>N", "", "", "", "", ""]


# (POS, REF, ALT) -> expected fields of T1.1's entry:
# Annotation, Impact, Rank, HGVS.c, HGVS.p, cDNA, CDS, AA, Distance
PLUS_CASES = [
    ((140, "A", "T"), ["missense_variant", "MODERATE", "1/3", "c.20A>T", "p.Glu7Val",
                       "40/200", "20/129", "7/42", ""]),
    ((138, "G", "A"), ["synonymous_variant", "LOW", "1/3", "c.18G>A", "p.Leu6=",
                       "38/200", "18/129", "6/42", ""]),
    ((153, "G", "A"), ["stop_gained", "HIGH", "1/3", "c.33G>A", "p.Trp11Ter",
                       "53/200", "33/129", "11/42", ""]),
    ((122, "T", "C"), ["start_lost", "HIGH", "1/3", "c.2T>C", "p.Met1?",
                       "22/200", "2/129", "1/42", ""]),
    ((448, "A", "C"), ["stop_lost", "HIGH", "3/3", "c.128A>C", "p.Ter43SerextTer3",
                       "148/200", "128/129", "43/42", ""]),
    ((449, "A", "G"), ["stop_retained_variant", "LOW", "3/3", "c.129A>G", "p.Ter43=",
                       "149/200", "129/129", "43/42", ""]),
    # codon 14 is split: c.40 (exon 1, 160) and c.41-42 (exon 2, 261-262): CGT -> TGT
    ((160, "C", "T"), ["missense_variant&splice_region_variant", "MODERATE", "1/3",
                       "c.40C>T", "p.Arg14Cys", "60/200", "40/129", "14/42", ""]),
    ((261, "G", "A"), ["missense_variant&splice_region_variant", "MODERATE", "2/3",
                       "c.41G>A", "p.Arg14His", "61/200", "41/129", "14/42", ""]),
    ((161, "G", "A"), ["splice_donor_variant&intron_variant", "HIGH", "1/2", "c.40+1G>A", "",
                       "", "", "", ""]),
    ((260, "G", "C"), ["splice_acceptor_variant&intron_variant", "HIGH", "1/2", "c.41-1G>C",
                       "", "", "", "", ""]),
    # VEP's splice sub-terms: intron base +5, +3..+6, -3..-17; splice_region_variant for
    # exon bases 1-3 and intron bases 3-8 unless a donor sub-term applies
    _intronic(165, "splice_donor_5th_base_variant&intron_variant", "LOW", "40+5"),
    _intronic(164, "splice_donor_region_variant&intron_variant", "LOW", "40+4"),
    _intronic(167, "splice_region_variant&intron_variant", "LOW", "40+7"),
    _intronic(255, "splice_region_variant&splice_polypyrimidine_tract_variant&intron_variant",
              "LOW", "41-6"),
    _intronic(250, "splice_polypyrimidine_tract_variant&intron_variant", "LOW", "41-11"),
    _intronic(243, "intron_variant", "MODIFIER", "41-18"),
    ((210, base(210), "N"), ["intron_variant", "MODIFIER", "1/2", f"c.40+50{base(210)}>N", "",
                             "", "", "", ""]),
    ((107, base(107), "N"), ["5_prime_UTR_variant", "MODIFIER", "1/3", f"c.-14{base(107)}>N",
                             "", "7/200", "", "", ""]),
    # ACG -> ATG in the 5' UTR
    ((112, "C", "T"), ["5_prime_UTR_premature_start_codon_gain_variant&5_prime_UTR_variant",
                       "LOW", "1/3", "c.-9C>T", "", "12/200", "", "", ""]),
    ((470, base(470), "N"), ["3_prime_UTR_variant", "MODIFIER", "3/3", f"c.*21{base(470)}>N",
                             "", "170/200", "", "", ""]),
    ((90, base(90), "N"), ["upstream_gene_variant", "MODIFIER", "", f"c.-31{base(90)}>N", "",
                           "", "", "", "11"]),
    ((510, base(510), "N"), ["downstream_gene_variant", "MODIFIER", "", f"c.*61{base(510)}>N",
                             "", "", "", "", "10"]),
    # one A out of the AAAAAA of codons 4-5 (c.10-15): left-aligned in the VCF, shifted 3'
    ((129, "GA", "G"), ["frameshift_variant", "HIGH", "1/3", "c.15del", "p.Lys5AsnfsTer40",
                        "35/200", "15/129", "5/42", ""]),
    ((129, "G", "GA"), ["frameshift_variant", "HIGH", "1/3", "c.15dup", "p.Leu6ThrfsTer?",
                        "36/200", "16/129", "6/42", ""]),
    # last Ala codon loses its G (c.124): CTT AAC TAA
    ((443, "TG", "T"), ["frameshift_variant", "HIGH", "3/3", "c.124del", "p.Ala42LeufsTer3",
                        "144/200", "124/129", "42/42", ""]),
    # In-frame indels, SnpEff's rule: conservative when the 3'-most place starts between
    # two codons. CFTR-like: TTC TTT -> TTT removes one Phe; its 3'-most place c.24_26
    # (CTT) starts at codon 8's last base: disruptive, though deleting c.22_24 (a whole
    # TTC) gives the same protein
    ((143, "TCTT", "T"), ["disruptive_inframe_deletion", "MODERATE", "1/3", "c.24_26del",
                          "p.Phe9del", "44/200", "24/129", "8/42", ""]),
    # GCC (codon 2) deleted: GCC|G shifts 3' to c.5_7 (CCG), from codon 2's second base:
    # disruptive (GCC GAG becomes GAG, not GCC with a codon less)
    ((123, "GGCC", "G"), ["disruptive_inframe_deletion", "MODERATE", "1/3", "c.5_7del",
                          "p.Ala2del", "25/200", "5/129", "2/42", ""]),
    # CGC (c.28-30, Arg10) deleted; the next base (c.31 T) stops the shift: conservative
    ((147, "TCGC", "T"), ["conservative_inframe_deletion", "MODERATE", "1/3", "c.28_30del",
                          "p.Arg10del", "48/200", "28/129", "10/42", ""]),
    # CCC between CGC and TGG (c.30/c.31, codons 10/11): conservative
    ((150, "C", "CCCC"), ["conservative_inframe_insertion", "MODERATE", "1/3",
                          "c.30_31insCCC", "p.Arg10_Trp11insPro", "51/200", "31/129",
                          "11/42", ""]),
    # TTC after c.28 (TTC TTT C|GC): its places run from after c.25 to after c.28 (c.26_28dup);
    # one of them (after c.27) is between codons, but the 3'-most one is after codon 10's
    # first base: disruptive (TTT CTT CGC: p.Phe9_Arg10insLeu)
    ((148, "C", "CTTC"), ["disruptive_inframe_insertion", "MODERATE", "1/3", "c.26_28dup",
                          "p.Phe9_Arg10insLeu", "49/200", "29/129", "10/42", ""]),
    # GTC (c.38-40) and intron +1/+2 deleted: the exonic part starts inside codon 13, but
    # GGT CGT becomes GGT, i.e. the CDS could lose CGT (c.40_42, which the genome cannot
    # shift to: the intron is in the way): conservative, as SnpEff's codon test says
    ((157, GENOME[156:162], GENOME[156]), [
        "splice_donor_variant&conservative_inframe_deletion&splice_region_variant&"
        "intron_variant", "HIGH", "1/3", "c.38_40+2del", "p.Arg14del", "58/200", "38/129",
        "13/42", ""]),
    # an inserted GCT before the Ala run's end: a duplication of the last Ala
    ((446, "T", "TGCT"), ["conservative_inframe_insertion", "MODERATE", "3/3",
                          "c.124_126dup", "p.Ala42dup", "147/200", "127/129", "43/42",
                          ""]),
    # c.39-c.40 and intron +1/+2 deleted: over the exon/intron boundary; the protein is
    # predicted from the exonic part (GG|T C|GT GCT -> GGG TGC TGC ...), as SnpEff does
    ((158, GENOME[157:162], GENOME[157]), [
        "splice_donor_variant&frameshift_variant&splice_region_variant&intron_variant", "HIGH",
        "1/3", "c.39_40+2del", "p.Arg14CysfsTer?", "59/200", "39/129", "13/42", ""]),
    # deletions over the CDS start (5' UTR ...CCG CC|ATG GCC): c.-1_1 (CA) leaves CC TG..,
    # no start codon: frameshift (2 bases), start lost; c.-2_1 (CCA): in-frame, conservative
    ((119, "CCA", "C"), ["frameshift_variant&start_lost&5_prime_UTR_variant", "HIGH", "1/3",
                         "c.-1_1del", "p.Met1?", "20/200", "1/129", "1/42", ""]),
    ((118, "GCCA", "G"), ["start_lost&conservative_inframe_deletion&5_prime_UTR_variant",
                          "HIGH", "1/3", "c.-2_1del", "p.Met1?", "19/200", "1/129", "1/42",
                          ""]),
    # deletions over the CDS end (stop TAA, 3' UTR CTAAGGTAG): c.128_*1 (AAC) leaves T|TA
    # AGG TAG: Leu, Arg, stop; c.129_*1 (AC) leaves TA|T AAG GTA GCC CCC..., no stop before
    # the transcript ends
    ((447, "TAAC", "T"), ["stop_lost&conservative_inframe_deletion&3_prime_UTR_variant",
                          "HIGH", "3/3", "c.128_*1del", "p.Ter43LeuextTer2", "148/200",
                          "128/129", "43/42", ""]),
    # c.125_*1 (CTTAAC) leaves G|TA AGG TAG: Ala42 becomes Val, Arg, then the stop
    ((444, "GCTTAAC", "G"), ["stop_lost&conservative_inframe_deletion&3_prime_UTR_variant",
                             "HIGH", "3/3", "c.125_*1del", "p.Ala42delinsValArg", "145/200",
                             "125/129", "42/42", ""]),
    ((448, "AAC", "A"), ["frameshift_variant&stop_lost&3_prime_UTR_variant", "HIGH", "3/3",
                         "c.129_*1del", "p.Ter43TyrextTer?", "149/200", "129/129", "43/42",
                         ""]),
    # insertions count at the base after them (SnpEff): at the exon/intron junction (+1),
    # between +2/+3 (+3), between -9/-8 (-8)
    ((160, "C", "CT"), ["splice_donor_variant&intron_variant", "HIGH", "1/2", "c.40_40+1insT",
                        "", "", "", "", ""]),
    ((162, "T", "TC"), ["splice_donor_region_variant&intron_variant", "LOW", "1/2",
                        "c.40+2_40+3insC", "", "", "", "", ""]),
    ((252, base(252), base(252) + "CC"), [
        "splice_region_variant&splice_polypyrimidine_tract_variant&intron_variant", "LOW",
        "1/2", "c.41-9_41-8insCC", "", "", "", "", ""]),
    # ATG inserted after the ATG: one of its places is inside the start codon, which stays
    ((123, "G", "GATG"), ["conservative_inframe_insertion&start_retained_variant", "MODERATE",
                          "1/3", "c.1_3dup", "p.Met1dup", "24/200", "4/129", "2/42", ""]),
    # T before GAG (codon 3) makes TGA at once: the frameshift is a stop gained
    ((126, "C", "CT"), ["stop_gained&frameshift_variant", "HIGH", "1/3", "c.6_7insT",
                        "p.Glu3Ter", "27/200", "7/129", "3/42", ""]),
    # just past the transcript's last base (500): downstream, 1 base away
    ((500, base(500), base(500) + "GG"), ["downstream_gene_variant", "MODIFIER", "",
                                          "c.*51_*52insGG", "", "", "", "", "1"]),
]


def _m(cds_pos: int) -> int:
    """Genome position of T2.1's CDS base (minus strand)."""
    return 1480 - cds_pos if cds_pos <= 79 else 1380 - cds_pos if cds_pos <= 179 else 1100


MINUS_CASES = [
    # CGC -> CAC: c.14G>A on the transcript is C>T on the genome
    ((_m(14), "C", "T"), ["missense_variant", "MODERATE", "1/3", "c.14G>A", "p.Arg5His",
                          "35/300", "14/180", "5/59", ""]),
    # the split stop codon TA|A: c.180A>C (exon 3) makes TAC, read on into GGC TAG
    ((1100, "T", "G"), ["stop_lost&splice_region_variant", "HIGH", "3/3", "c.180A>C",
                        "p.Ter60TyrextTer2", "201/300", "180/180", "60/59", ""]),
    ((1201, "T", "C"), ["splice_region_variant&stop_retained_variant", "LOW", "2/3",
                        "c.179A>G", "p.Ter60=", "200/300", "179/180", "60/59", ""]),
    # an insertion just after the stop codon (c.180) changes no codon: 3' UTR (and splice
    # region: it counts at c.180, exon 3's first base)
    ((1099, base(1099), base(1099) + "G"), ["splice_region_variant&3_prime_UTR_variant", "LOW",
                                            "3/3",
                                            "c.180_*1insC", "", "202/300", "", "", ""]),
    ((1399, base(1399), "N"), ["splice_donor_variant&intron_variant", "HIGH", "1/2",
                               f"c.79+2{revcomp(base(1399))}>N", "", "", "", "", ""]),
    ((1301, base(1301), "N"), ["splice_acceptor_variant&intron_variant", "HIGH", "1/2",
                               f"c.80-1{revcomp(base(1301))}>N", "", "", "", "", ""]),
    ((1490, base(1490), "N"), ["5_prime_UTR_variant", "MODIFIER", "1/3",
                               f"c.-11{revcomp(base(1490))}>N", "", "11/300", "", "", ""]),
    # splice sub-terms on the - strand: donor +5, +3, +7 at 1396, 1398, 1394; acceptor -10
    _intronic(1396, "splice_donor_5th_base_variant&intron_variant", "LOW", "79+5", minus=True),
    _intronic(1398, "splice_donor_region_variant&intron_variant", "LOW", "79+3", minus=True),
    _intronic(1394, "splice_region_variant&intron_variant", "LOW", "79+7", minus=True),
    _intronic(1310, "splice_polypyrimidine_tract_variant&intron_variant", "LOW", "80-10",
              minus=True),
    _intronic(1318, "intron_variant", "MODIFIER", "80-18", minus=True),
    # CAT (ATG on the transcript) inserted after c.3: c.1_3dup keeps the start
    ((1476, "C", "CCAT"), ["conservative_inframe_insertion&start_retained_variant",
                           "MODERATE", "1/3", "c.1_3dup", "p.Met1dup", "25/300", "4/180",
                           "2/59", ""]),
    # A (T on the transcript) after c.3 makes codon 2 TGA: stop gained with the frameshift
    ((1476, "C", "CA"), ["stop_gained&frameshift_variant", "HIGH", "1/3", "c.3_4insT",
                         "p.Glu2Ter", "25/300", "4/180", "2/59", ""]),
    ((1510, base(1510), "N"), ["upstream_gene_variant", "MODIFIER", "",
                               f"c.-31{revcomp(base(1510))}>N", "", "", "", "", "10"]),
    ((990, base(990), "N"), ["downstream_gene_variant", "MODIFIER", "",
                             f"c.*110{revcomp(base(990))}>N", "", "", "", "", "11"]),
    # GCA GCA GCA (c.16-24): one GCA less is p.Ala8del at c.22_24 (3'-most), whether the
    # VCF gives it left-aligned (already 3' on this strand) or right-aligned
    ((1455, "ATGC", "A"), ["conservative_inframe_deletion", "MODERATE", "1/3", "c.22_24del",
                           "p.Ala8del", "43/300", "22/180", "8/59", ""]),
    ((1461, "CTGC", "C"), ["conservative_inframe_deletion", "MODERATE", "1/3", "c.22_24del",
                           "p.Ala8del", "43/300", "22/180", "8/59", ""]),
    # In-frame on the - strand (c.13-18 = CGC GCA at 1467-1462). AAA after c.13, codon
    # 5's first base: C|GC -> CAA AGC, disruptive (SnpEff 5.1 tests the base before an
    # insertion on this strand and says conservative: not followed)
    ((_m(14), "C", "CTTT"), ["disruptive_inframe_insertion", "MODERATE", "1/3",
                             "c.13_14insAAA", "p.Arg5delinsGlnSer", "35/300", "14/180",
                             "5/59", ""]),
    # AAA after c.15, between codons 5 and 6: conservative
    ((_m(16), "C", "CTTT"), ["conservative_inframe_insertion", "MODERATE", "1/3",
                             "c.15_16insAAA", "p.Arg5_Ala6insLys", "37/300", "16/180",
                             "6/59", ""]),
    # GCG (c.14-16) deleted: CGC GCA -> CCA, from codon 5's second base: disruptive
    ((_m(17), base(_m(17)) + "CGC", base(_m(17))), [
        "disruptive_inframe_deletion", "MODERATE", "1/3", "c.14_16del", "p.Arg5_Ala6delinsPro",
        "35/300", "14/180", "5/59", ""]),
    # 5' UTR ...GCA G|ATG GAA: deleting c.-1_1 (GA) leaves CA TG GAA: the A before it makes
    # the start codon again, in the same frame: the protein is unchanged
    ((1478, GENOME[1477:1480], base(1478)), [
        "start_retained_variant&5_prime_UTR_variant", "LOW", "1/3", "c.-1_1del", "p.Met1=",
        "21/300", "1/180", "1/59", ""]),
    # the stop codon TA|A (c.180 on exon 3), then 3' UTR GGCTAGC: c.180_*1 (AG) leaves TA|G:
    # a stop again; c.180_*2 (AGG) leaves TA|C TAG: Tyr, then a stop
    ((1098, GENOME[1097:1100], base(1098)), [
        "frameshift_variant&splice_region_variant&stop_retained_variant&3_prime_UTR_variant",
        "HIGH", "3/3", "c.180_*1del", "p.Ter60=", "201/300", "180/180", "60/59", ""]),
    ((1097, GENOME[1096:1100], base(1097)), [
        "stop_lost&conservative_inframe_deletion&splice_region_variant&3_prime_UTR_variant",
        "HIGH", "3/3", "c.180_*2del", "p.Ter60TyrextTer1", "201/300", "180/180", "60/59",
        ""]),
    # one T out of TTT (codon 3, c.7-9): frameshift, 3'-most T is c.9
    ((_m(9) - 1, base(_m(9) - 1) + "A", base(_m(9) - 1)), [
        "frameshift_variant", "HIGH", "1/3", "c.9del", "p.Leu4PhefsTer?", "30/300", "9/180",
        "3/59", ""]),
]


CASES = [("T1.1", *c) for c in PLUS_CASES] + [("T2.1", *c) for c in MINUS_CASES]


@pytest.mark.parametrize(("tx", "record", "want"), CASES,
                         ids=[f"{t}:{c[0]}{c[1]}>{c[2]}" for t, c, _ in CASES])
def test_transcript_entry(seq_bundle: Path, tmp_path: Path, tx: str, record: tuple,
                          want: list[str]) -> None:
    """T1.1 (+ strand) and T2.1 (- strand): the fields worked out by hand."""
    got = one(seq_bundle, tmp_path, *record, tx)
    assert [got[1], got[2], got[8], got[9], got[10], got[11], got[12], got[13],
            got[14]] == want
    gene = "1" if tx == "T1.1" else "2"
    assert got[3:8] == [f"GENE{gene}", f"G{gene}", "transcript", tx, "protein_coding"]


def test_multiallelic_each_alt_gets_its_own_entries_and_pick(seq_bundle: Path,
                                                              tmp_path: Path) -> None:
    rec = annotate(seq_bundle, tmp_path, (140, "A", "T,C"))[0]
    t1 = rec["T1.1"]
    assert [t1[0], t1[1], t1[10]] == ["T", "missense_variant", "p.Glu7Val"]
    assert [t1[16], t1[17], t1[26]] == ["C", "missense_variant", "p.Glu7Ala"]
    # the retained-intron isoform is non-coding: n. numbering, no protein
    t1b = rec["T1b.1"]
    assert [t1b[1], t1b[8], t1b[9], t1b[10]] == ["non_coding_transcript_exon_variant", "1/1",
                                                 "n.40A>T", ""]
    assert rec["PICK"] == ["T1.1", "T1.1"]  # MANE Select over the longer retained intron


def test_pick_prefers_canonical_then_longest_cds(seq_bundle: Path, tmp_path: Path) -> None:
    recs = annotate(seq_bundle, tmp_path, (_m(14), "C", "T"), (2050, base(2050), "N"))
    assert recs[0]["PICK"] == ["T2.1"]
    assert recs[1]["PICK"] == ["T3.1"]


def test_lncrna_exon_and_intron(seq_bundle: Path, tmp_path: Path) -> None:
    exon, intron = annotate(seq_bundle, tmp_path, (2050, base(2050), "N"),
                            (2150, base(2150), "N"))
    assert [exon["T3.1"][i] for i in (1, 7, 8, 9, 11)] == [
        "non_coding_transcript_exon_variant", "lncRNA", "1/2", f"n.50{base(2050)}>N", "50/200"]
    assert [intron["T3.1"][i] for i in (1, 8, 9)] == [
        "intron_variant", "1/1", f"n.100+50{base(2150)}>N"]


def test_intergenic_uses_the_nearest_genes(seq_bundle: Path, tmp_path: Path) -> None:
    rec = annotate(seq_bundle, tmp_path, (12000, base(12000), "N"))[0]
    (key,) = [k for k in rec if k != "PICK"]
    assert rec[key][1] == "intergenic_region"
    assert rec[key][3] == "GENE3"
    assert rec[key][14] == str(12000 - 2400)


def test_ref_mismatch_is_a_warning_and_a_count(seq_bundle: Path, tmp_path: Path) -> None:
    lines = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
             "chr1\t140\t.\tC\tT\t.\t.\t.", "chr1\t138\t.\tG\tA\t.\t.\t."]
    src = tmp_path / "mm.vcf"
    src.write_text("\n".join(lines) + "\n")
    res = annotate_file(src, tmp_path / "out", seq_bundle)
    recs = [ln.split("\t") for ln in res.annot_path.read_text().splitlines()
            if not ln.startswith("#")]
    first = [e.split("|") for e in recs[0][7].split("ANN=")[1].split(";")[0].split(",")]
    t1 = next(e for e in first if e[6] == "T1.1")
    # annotated against the genome's base (A): GAG -> GTG
    assert t1[10] == "p.Glu7Val"
    assert t1[15].split("&")[0] == "WARNING_REF_DOES_NOT_MATCH_GENOME"
    assert "WARNING_REF" not in recs[1][7]
    assert res.summary["ref_mismatches"] == 1
    assert "REF differs from the reference genome: 1 records" in res.log_path.read_text()


def test_manifest_says_what_a_bundle_can_give(seq_bundle: Path, bundle: Path) -> None:
    with_seq = json.loads((seq_bundle / "manifest.json").read_text())["annotations"]
    without = json.loads((bundle / "manifest.json").read_text())["annotations"]
    assert "HGVS.p" in with_seq["gives"] and not with_seq["cannot_give"]
    assert "HGVS.p" in without["cannot_give"] and "HGVS.c" not in without["gives"]


def test_bundle_without_genome_says_so_in_the_log(run: Callable[..., Any], vcf: Callable[..., str]
                                                  ) -> None:
    r = run(vcf("chr1 1060 . C T . . ."))
    log = r.result.log_path.read_text()
    assert "cannot give: one entry per transcript, protein consequences, HGVS.c" in log
    assert "HGVS.c" in r.result.summary["reference"]["cannot_give"]


def _build(tmp_path: Path, gff: str, fasta: str) -> subprocess.CompletedProcess:
    (tmp_path / "bad.gff3").write_text(gff)
    (tmp_path / "bad.fa").write_text(fasta)
    return subprocess.run(
        [sys.executable, "-m", "gas_annotator.cli", "reference", "build", "--gff3",
         str(tmp_path / "bad.gff3"), "--fasta", str(tmp_path / "bad.fa"), "--name", "bad",
         "--dir", str(tmp_path / "refs")], capture_output=True, text=True, timeout=120)


def test_build_reports_each_problem_and_keeps_what_fits(tmp_path: Path) -> None:
    gff = _gff3() + (
        "chr9\ttest\tmRNA\t10\t90\t.\t+\t.\tID=transcript:T9;biotype=protein_coding\n"
        "chr9\ttest\texon\t10\t90\t.\t+\t.\tParent=transcript:T9\n"
        "chr1\ttest\tmRNA\t3000\t3100\t.\t+\t.\tID=transcript:TNOEX;biotype=protein_coding\n"
        "chr1\ttest\tCDS\t3000\t3100\t.\t+\t0\tParent=transcript:TNOEX\n"
        "chr1\ttest\tmRNA\t4001\t4300\t.\t+\t.\tID=transcript:TPH;biotype=protein_coding\n"
        "chr1\ttest\texon\t4001\t4100\t.\t+\t.\tParent=transcript:TPH\n"
        "chr1\ttest\texon\t4201\t4300\t.\t+\t.\tParent=transcript:TPH\n"
        "chr1\ttest\tCDS\t4001\t4100\t.\t+\t0\tParent=transcript:TPH\n"
        "chr1\ttest\tCDS\t4201\t4250\t.\t+\t0\tParent=transcript:TPH\n")
    p = _build(tmp_path, gff, ">chr1\n" + GENOME + "\n")
    assert p.returncode == 0, p.stderr
    assert "problem: contig 9: not in the FASTA; its 1 transcripts get location terms only" \
        in p.stderr
    assert "problem: transcript TNOEX: no exons" in p.stderr
    assert "problem: transcript TPH: CDS 4201-4250 has phase 0, expected 2" in p.stderr
    manifest = json.loads((tmp_path / "refs/bad/manifest.json").read_text())
    assert manifest["problems"]["counts"] == {"contig not in FASTA": 1, "no exons": 1,
                                              "bad CDS": 1}


def test_build_fails_only_when_nothing_fits(tmp_path: Path) -> None:
    p = _build(tmp_path, _gff3(), ">chr7\nACGT\n")
    assert p.returncode != 0
    assert "no transcript of bad.gff3 fits bad.fa (contig not in FASTA: 1)" in p.stderr


def test_sources_on_the_per_transcript_path(tmp_path: Path) -> None:
    """A bundle with a genome takes its IDs and source fields from --source as well."""
    from gas_annotator.reference.sources import SourceSpec

    (tmp_path / "g.gff3").write_text(_gff3())
    (tmp_path / "g.fa").write_text(">chr1 synthetic\n" + "\n".join(
        GENOME[i:i + 60] for i in range(0, len(GENOME), 60)) + "\n")
    alt = "A" if base(1500) != "A" else "C"
    (tmp_path / "db.vcf").write_text(
        "##fileformat=VCFv4.2\n"
        '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        f"chr1\t1500\trs77\t{base(1500)}\t{alt}\t.\t.\tAF=0.002\n")
    bundle = build_custom(tmp_path / "g.gff3", "gff3", tmp_path / "b", "b", "",
                          [SourceSpec("db", tmp_path / "db.vcf", ["ID", "AF"])], None,
                          tmp_path / "g.fa")
    src = tmp_path / "in.vcf"
    src.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   f"chr1\t1500\t.\t{base(1500)}\t{alt}\t.\t.\t.\n")
    res = annotate_file(src, tmp_path / "o", bundle)
    rec = [ln for ln in res.annot_path.read_text().splitlines() if not ln.startswith("#")][0]
    f = rec.split("\t")
    assert f[2] == "rs77" and "GAS_DB_AF=0.002" in f[7] and "PICK=" in f[7]
    assert (res.summary["known_ids"], res.summary["rare"]) == (1, 1)


def _one_exon(tmp_path: Path, utr3: str, end: int) -> Path:
    """chr1: C x10, ATG GCC GCC TAG (CDS 11-22), then utr3; one + strand exon 1..end."""
    genome = ("C" * 10 + "ATGGCCGCCTAG" + utr3).ljust(100, "C")
    (tmp_path / "s.fa").write_text(f">chr1\n{genome}\n")
    (tmp_path / "s.gff3").write_text(
        "##gff-version 3\n"
        f"chr1\tt\tgene\t1\t{end}\t.\t+\t.\tID=gene:G9;Name=GENE9\n"
        f"chr1\tt\tmRNA\t1\t{end}\t.\t+\t.\tID=transcript:T9;Parent=gene:G9;"
        "biotype=protein_coding\n"
        f"chr1\tt\texon\t1\t{end}\t.\t+\t.\tParent=transcript:T9\n"
        "chr1\tt\tCDS\t11\t22\t.\t+\t0\tParent=transcript:T9\n")
    return build_custom(tmp_path / "s.gff3", "gff3", tmp_path / "b", "s", "", None, None,
                        tmp_path / "s.fa")


def test_a_frameshift_in_the_stop_codon(tmp_path: Path) -> None:
    """Deleting AG of TAG (c.11_12): T + GA from the 3' UTR is TGA, the stop stays; with no
    3' UTR (the transcript ends at the stop codon) deleting its G loses the stop."""
    got = annotate(_one_exon(tmp_path, "GACCCC", 100), tmp_path, (20, "TAG", "T"))[0]["T9"]
    assert [got[1], got[9], got[10], got[12]] == [
        "frameshift_variant&stop_retained_variant", "c.11_12del", "p.Ter4=", "11/12"]
    (tmp_path / "x").mkdir()
    got = annotate(_one_exon(tmp_path / "x", "", 22), tmp_path, (21, "AG", "A"))[0]["T9"]
    assert [got[1], got[9], got[10], got[12]] == [
        "frameshift_variant&stop_lost", "c.12del", "", "12/12"]
