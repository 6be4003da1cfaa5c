"""Shared by bench_consequences.py and bench_engine.py: a synthetic chr21 that fits the real
Ensembl chr21 gene models, variants on it, and SnpEff / bcftools csq runs on the same input.

The synthetic sequence: uniform random bases, then in every protein-coding transcript's CDS
(Ensembl GFF3 CDS rows include the stop codon) an ATG, codons made of A/C/G only and a stop
codon. A CDS without T has no stop codon in any frame on either strand (all three stop
codons contain a T on the coding strand, so an A on the other one), so overlapping
transcripts in other frames stay free of internal stops too; start and stop codons are
written last. Transcripts whose CDS is not a whole number of codons are left as they are.
"""

from __future__ import annotations

import gzip
import random
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

GFF3 = ROOT.parent / "shared/data/grch38-chr21/ensembl-chr21.gff3.gz"
CHR21_LENGTH = 46_709_983
_COMP = bytes.maketrans(b"ACGT", b"TGCA")


def cds_models(gff3: Path) -> list[tuple[str, str, list[tuple[int, int]], list[tuple[int, int]]]]:
    """(transcript id, strand, CDS pieces, exons) of every transcript with a CDS (GFF3 order)."""
    cds: dict[str, list[tuple[int, int]]] = defaultdict(list)
    exons: dict[str, list[tuple[int, int]]] = defaultdict(list)
    strand: dict[str, str] = {}
    with gzip.open(gff3, "rt") as f:
        for line in f:
            if line.startswith("#"):
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) != 9 or c[2] not in ("CDS", "exon"):
                continue
            m = re.search(r"Parent=transcript:([^;]+)", c[8])
            if not m:
                continue
            (cds if c[2] == "CDS" else exons)[m.group(1)].append((int(c[3]), int(c[4])))
            strand[m.group(1)] = c[6]
    return [(t, strand[t], sorted(p), sorted(exons[t])) for t, p in cds.items()]


def synthetic_chr21(dest: Path, gff3: Path = GFF3, seed: int = 21) -> dict[str, int]:
    """Write dest (FASTA, contig '21'); returns counts of written and skipped transcripts."""
    rng = np.random.default_rng(seed)
    acgt = np.frombuffer(b"ACGT", np.uint8)
    g = acgt[rng.integers(0, 4, CHR21_LENGTH)]
    models = cds_models(gff3)
    ends = []
    counts = {"cds_transcripts": len(models), "written": 0, "not_whole_codons": 0}
    acg = np.frombuffer(b"ACG", np.uint8)
    for _tid, strand, pieces, _ in models:
        coords = np.concatenate([np.arange(s - 1, e) for s, e in pieces])
        if strand == "-":
            coords = coords[::-1]
        if len(coords) % 3 or len(coords) < 6:
            counts["not_whole_codons"] += 1
            continue
        body = acg[rng.integers(0, 3, len(coords))]
        seq = body.tobytes()
        stop = (b"TAA", b"TAG", b"TGA")[int(rng.integers(0, 3))]
        seq = b"ATG" + seq[3:-3] + stop
        if strand == "-":
            seq = seq.translate(_COMP)
        g[coords] = np.frombuffer(seq, np.uint8)
        ends.append((coords[:3], seq[:3], coords[-3:], seq[-3:]))
        counts["written"] += 1
    for c5, s5, c3, s3 in ends:  # start and stop codons win over other transcripts' codons
        g[c5] = np.frombuffer(s5, np.uint8)
        g[c3] = np.frombuffer(s3, np.uint8)
    with open(dest, "wb") as f:
        f.write(b">21 synthetic chr21 (GAS benchmark)\n")
        data = g.tobytes()
        for i in range(0, len(data), 60):
            f.write(data[i:i + 60] + b"\n")
    return counts


def read_fasta_seq(path: Path) -> bytes:
    with open(path, "rb") as f:
        f.readline()
        return f.read().replace(b"\n", b"")


def variants_near_transcripts(fasta: Path, dest: Path, n_snv: int, n_indel: int,
                              gff3: Path = GFF3, seed: int = 7) -> int:
    """A sorted VCF of SNVs and 1-6 base indels in and around CDS, UTRs and splice sites."""
    seq = read_fasta_seq(fasta)
    rnd = random.Random(seed)
    models = cds_models(gff3)
    spots = []
    for _, _, pieces, exons in models:
        for s, e in exons:  # exon bodies and the 12 bases either side of each boundary
            spots.append((s, e))
            spots.append((s - 12, s + 12))
            spots.append((e - 12, e + 12))
        spots.append((pieces[0][0] - 3, pieces[0][0] + 3))  # start/stop codons
        spots.append((pieces[-1][1] - 3, pieces[-1][1] + 3))
    recs = set()
    while len(recs) < n_snv:
        s, e = rnd.choice(spots)
        p = rnd.randint(max(s, 2), max(s, e))
        ref = chr(seq[p - 1])
        recs.add((p, ref, rnd.choice([b for b in "ACGT" if b != ref])))
    k = 0
    while k < n_indel:
        s, e = rnd.choice(spots)
        p = rnd.randint(max(s, 2), max(s, e))
        n = rnd.choice([1, 1, 1, 2, 2, 3, 3, 4, 5, 6])
        if rnd.random() < 0.5:
            ref = seq[p - 1:p + n].decode()
            rec = (p, ref, ref[0])
        else:
            ref = chr(seq[p - 1])
            rec = (p, ref, ref + "".join(rnd.choice("ACGT") for _ in range(n)))
        if rec not in recs:
            recs.add(rec)
            k += 1
    return write_vcf(dest, sorted(recs))


def uniform_variants(fasta: Path, dest: Path, n: int, seed: int = 5) -> int:
    """n variants at uniform positions on chr21 (90% SNVs, 10% indels of 1-3 bases)."""
    seq = read_fasta_seq(fasta)
    rng = np.random.default_rng(seed)
    pos = np.unique(rng.integers(10_000, len(seq) - 10_000, n + n // 20))[:n]
    kind = rng.random(len(pos))
    recs = []
    for p, k in zip(pos.tolist(), kind.tolist(), strict=True):
        ref = chr(seq[p - 1])
        if ref == "N":
            continue
        if k < 0.9:
            recs.append((p, ref, "ACGT"[("ACGT".index(ref) + 1 + int(k * 30) % 3) % 4]))
        elif k < 0.95:
            recs.append((p, seq[p - 1:p + 1 + int(k * 100) % 3].decode(), ref))
        else:
            recs.append((p, ref, ref + "ACG"[: 1 + int(k * 100) % 3]))
    return write_vcf(dest, recs)


def write_vcf(dest: Path, recs: list[tuple[int, str, str]]) -> int:
    with open(dest, "w") as f:
        f.write("##fileformat=VCFv4.2\n")
        f.write(f"##contig=<ID=21,length={CHR21_LENGTH}>\n")
        f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for p, r, a in recs:
            f.write(f"21\t{p}\t.\t{r}\t{a}\t.\t.\t.\n")
    return len(recs)


def snpeff_gff(gff3: Path, dest: Path) -> None:
    """The GFF3 as SnpEff 5.1 reads it: parents before children, no gene:/transcript: IDs."""
    heads, rows = [], []
    with gzip.open(gff3, "rt") as f:
        for line in f:
            if line.startswith("#"):
                if line.startswith("##gff-version"):
                    heads.append(line)
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) != 9:
                continue
            c[8] = re.sub(r"(ID|Parent)=(gene|transcript):", r"\1=", c[8])
            c[8] = re.sub(r",(gene|transcript):", ",", c[8])
            level = 0 if "Parent=" not in c[8] else 1 if c[2] not in (
                "exon", "CDS", "five_prime_UTR", "three_prime_UTR") else 2
            rows.append((level, int(c[3]), "\t".join(c)))
    rows.sort(key=lambda r: (r[0], r[1]))
    with open(dest, "w") as f:
        f.writelines(heads)
        f.writelines(r[2] + "\n" for r in rows)


def snpeff_database(work: Path, fasta: Path, gff3: Path = GFF3) -> Path:
    """A SnpEff config + database 'gaschr21' under work; returns the config path."""
    data = work / "snpeff_data"
    db = data / "gaschr21"
    config = work / "snpEff.config"
    if (db / "snpEffectPredictor.bin").is_file():
        return config
    db.mkdir(parents=True, exist_ok=True)
    snpeff_gff(gff3, db / "genes.gff")
    shutil.copy(fasta, db / "sequences.fa")
    config.write_text(f"data.dir = {data}\ngaschr21.genome : gaschr21\n"
                      "gaschr21.21.codonTable : Standard\n")
    subprocess.run(["snpEff", "build", "-gff3", "-noCheckCds", "-noCheckProtein", "-c",
                    str(config), "gaschr21"], check=True, capture_output=True)
    return config


def snpeff_cmd(config: Path, vcf: Path) -> list[str]:
    return ["snpEff", "ann", "-noStats", "-noLog", "-c", str(config), "gaschr21", str(vcf)]


def csq_cmd(fasta: Path, vcf: Path, gff3: Path = GFF3) -> list[str]:
    return ["bcftools", "csq", "-f", str(fasta), "-g", str(gff3), "-l", "-s", "-", "-O", "v",
            str(vcf)]


def have(*tools: str) -> bool:
    return all(shutil.which(t) for t in tools)

