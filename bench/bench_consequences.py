"""GAS's per-transcript consequences against SnpEff and bcftools csq (the oracles).

Run: .venv/bin/python bench/bench_consequences.py [--snvs N] [--indels N] [--work DIR]
Needs ../shared/data/grch38-chr21/ensembl-chr21.gff3.gz and, for the oracles, `snpEff`
and `bcftools` (Debian packages snpeff, bcftools: `make oracles`). Writes a synthetic
chr21 (see chr21_tools.py), variants in and around its CDS, UTRs and splice sites, a GAS
bundle from the real Ensembl GFF3 + that FASTA, and runs all three tools on the same VCF.

Printed: for each transcript both tools annotate, agreement of the SO term set (after
mapping names, see NORMALISE), of HGVS.c and of HGVS.p, per term and per variant kind,
and the most common disagreements of each kind, so that each class can be explained
(docs/engine.md lists them and says which tool is right).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import chr21_tools as t21

# SnpEff names the same thing differently in places; these are compared as equal.
NORMALISE = {
    "exon_loss_variant": None,  # SnpEff adds it when a deletion removes a whole exon
    "non_coding_transcript_variant": None,
    "splice_donor_5th_base_variant": "splice_region_variant",
    "splice_donor_region_variant": "splice_region_variant",
    # VEP's sub-terms (GAS gives them as VEP does): the two donor ones cover intron bases
    # +3..+6, which SnpEff 5.1 calls splice_region_variant; it has no polypyrimidine term
    "splice_polypyrimidine_tract_variant": None,
    "initiator_codon_variant": "start_retained_variant",
    "5_prime_UTR_truncation": None,
    "3_prime_UTR_truncation": None,
    "gene_fusion": None,
    "bidirectional_gene_fusion": None,
    "transcript_ablation": None,
}
STRAND: dict[str, str] = {}  # transcript -> strand, filled in main
TARGETS = {"snv_terms": 99.5, "indel_terms": 98.0, "hgvs_p": 98.0}
_AA1 = {"Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
        "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
        "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*"}


def terms(text: str) -> frozenset[str]:
    out = set()
    for t in text.split("&"):
        t = NORMALISE.get(t, t)
        if t:
            out.add(t)
    return frozenset(out)


def hgvs_c(text: str) -> str:
    """SnpEff writes the deleted/duplicated bases (c.5_7delCCG); HGVS now leaves them out."""
    return re.sub(r"(del|dup)[ACGTN]+$", r"\1", text)


def hgvs_p(text: str) -> str:
    """'*' and 'Ter' are the same stop; SnpEff writes p.Leu5Leu for p.Leu5=."""
    text = text.replace("*", "Ter")
    # SnpEff writes the short form of a frameshift (p.Arg23fs), GAS the long one
    # (p.Arg23SerfsTer36): compare the part both have
    text = re.sub(r"^(p\.[A-Z][a-z]{2}\d+)[A-Z][a-z]{2}fsTer(\d+|\?)$", r"\1fs", text)
    # SnpEff never works out where an extended protein stops (p.Ter43SerextTer?)
    text = re.sub(r"ext(Ter)?(\d+|\?)$", "ext", text)
    m = re.fullmatch(r"p\.([A-Z][a-z]{2})(\d+)\1", text)
    return f"p.{m.group(1)}{m.group(2)}=" if m else text


def info_entries(vcf: Path, key: str) -> Iterator[tuple[list[str], str]]:
    """(record columns, one comma-separated entry of INFO key) for every record."""
    with open(vcf) as f:
        for line in f:
            if line.startswith("#"):
                continue
            c = line.split("\t", 8)
            if len(c) < 8:  # the Debian SnpEff wrapper echoes its arguments to stdout
                continue
            m = re.search(rf"(?:^|;){key}=([^;\t\n]+)", c[7])
            if m:
                for e in m.group(1).split(","):
                    yield c, e


def parse_ann(vcf: Path) -> dict[tuple, tuple[frozenset, str, str]]:
    """(pos, ref, alt, transcript without version) -> (terms, HGVS.c, HGVS.p)."""
    out: dict[tuple, tuple[frozenset, str, str]] = {}
    for c, e in info_entries(vcf, "ANN"):
        f_ = e.split("|")
        if len(f_) < 11 or f_[5] != "transcript" or not f_[6]:
            continue
        k = (int(c[1]), c[3], f_[0], f_[6].split(".")[0])
        got = (terms(f_[1]), hgvs_c(f_[9]), hgvs_p(f_[10]))
        if k in out:  # SnpEff gives some terms of one transcript as separate entries
            old = out[k]
            got = (old[0] | got[0], old[1] or got[1], old[2] or got[2])
        out[k] = got
    return out


CSQ_TERMS = {"missense": "missense_variant", "synonymous": "synonymous_variant",
             "stop_gained": "stop_gained", "stop_lost": "stop_lost", "start_lost": "start_lost",
             "frameshift": "frameshift_variant", "inframe_deletion": "inframe_deletion",
             "inframe_insertion": "inframe_insertion", "splice_acceptor": "splice_acceptor_variant",
             "splice_donor": "splice_donor_variant", "splice_region": "splice_region_variant",
             "stop_retained": "stop_retained_variant", "start_retained": "start_retained_variant",
             "5_prime_utr": "5_prime_UTR_variant", "3_prime_utr": "3_prime_UTR_variant",
             "non_coding": "non_coding_transcript_exon_variant", "intron": "intron_variant",
             "coding_sequence": "coding_sequence_variant",
             "inframe_altering": "inframe_altering"}
CODING = {"missense_variant", "synonymous_variant", "stop_gained", "stop_lost", "start_lost",
          "frameshift_variant", "inframe_deletion", "inframe_insertion",
          "stop_retained_variant"}


def parse_csq(vcf: Path) -> dict[tuple, tuple[frozenset, str]]:
    """(pos, ref, alt, transcript) -> (coding terms, protein change as '7E>7V')."""
    out = {}
    for c, e in info_entries(vcf, "BCSQ"):
        f_ = e.split("|")
        if len(f_) < 3 or f_[0].startswith("@"):
            continue
        names = {CSQ_TERMS.get(x.lstrip("*"), x) for x in f_[0].split("&")}
        aa = f_[5] if len(f_) > 5 else ""
        for alt in c[4].split(","):
            out[(int(c[1]), c[3], alt, f_[2])] = (frozenset(names & CODING), aa)
    return out


def gas_to_csq(ts: frozenset, p: str) -> tuple[frozenset, str]:
    """GAS terms/HGVS.p in bcftools csq's vocabulary (inframe kinds merged, one-letter aa)."""
    out = set()
    for t in ts:
        t = re.sub(r"^(conservative|disruptive)_", "", t)
        if t in CODING:
            out.add(t)
    return frozenset(out), p


# Named classes of disagreement, the first rule that matches wins: (name, test, who is right).
# The tests see GAS's and SnpEff's term sets (g, s) or HGVS.p texts (gp, sp).
TERM_CLASSES: list[tuple[str, Callable[[frozenset, frozenset], bool], str]] = [
    ("conservative vs disruptive in-frame indel",
     lambda g, s: {re.sub("^(conservative|disruptive)_", "", t) for t in g ^ s} <= {
         "inframe_insertion", "inframe_deletion"} and len(g ^ s) == 2,
     "GAS (SnpEff's rule by position, without its - strand insertion off-by-one)"),
    ("SnpEff start/stop_retained for a UTR indel next to the CDS",
     lambda g, s: not g - s and s - g <= {"start_retained_variant", "stop_retained_variant"},
     "GAS (SO: needs a changed start/stop codon base; bcftools csq agrees for stops)"),
    ("a frameshift in the stop codon whose 3' UTR bases make a stop again",
     lambda g, s: "stop_retained_variant" in g - s and "frameshift_variant" in g,
     "GAS (the oracles do not read into the 3' UTR)"),
    ("stop_gained with a frameshift", lambda g, s: g ^ s == {"stop_gained"}, "see docs"),
    ("stop_lost with a frameshift", lambda g, s: g ^ s == {"stop_lost"},
     "convention (see docs)"),
    ("splice_region_variant only", lambda g, s: g ^ s == {"splice_region_variant"},
     "see docs"),
    ("splice site vs exon: indel at an exon/intron boundary",
     lambda g, s: bool((g ^ s) & {"splice_donor_variant", "splice_acceptor_variant",
                                  "intron_variant"}), "conventions differ"),
    ("coding_sequence_variant vs a protein term (CDS not whole codons or without a start)",
     lambda g, s: "coding_sequence_variant" in g - s, "GAS (no whole codon to read)"),
    ("frameshift vs in-frame or none", lambda g, s: "frameshift_variant" in g ^ s,
     "see docs"),
]
P_CLASSES: list[tuple[str, Callable[[str, str], bool], str]] = [
    ("start codon: p.Met1? vs SnpEff p.Met1fs/del/...",
     lambda gp, sp: gp == "p.Met1?" and sp.startswith("p.Met1") and sp != gp,
     "GAS (HGVS: p.Met1?)"),
    ("frameshift whose new frame stops at once: p.Arg5Ter vs p.Arg5fs",
     lambda gp, sp: bool(re.fullmatch(r"p\.[A-Z][a-z]{2}\d+Ter", gp)) and sp.endswith("fs"),
     "GAS (HGVS: described as the nonsense change)"),
    ("stop codon shifted or deleted: extension vs SnpEff p.Ter#fs/del",
     lambda gp, sp: "ext" in gp and bool(re.fullmatch(r"p\.Ter\d+(fs|del)", sp)),
     "GAS (HGVS: an extension)"),
    ("start codon made again from the 5' UTR: p.Met1= vs SnpEff p.Met1fs/del",
     lambda gp, sp: gp == "p.Met1=" and sp.startswith("p.Met1"), "GAS (the protein is the same)"),
    ("SnpEff p.??? (CDS not whole codons)", lambda gp, sp: "???" in sp, "GAS (no protein)"),
    ("stop codon made again from the 3' UTR: p.Ter#= vs p.Ter#fs",
     lambda gp, sp: bool(re.fullmatch(r"p\.Ter\d+=", gp)), "GAS"),
    ("no protein change for GAS (stop codon kept)",
     lambda gp, sp: not gp and sp.startswith("p.Ter"), "see docs"),
    ("both frameshifts, another first residue",
     lambda gp, sp: gp.endswith("fs") and sp.endswith("fs"), "see docs"),
    ("one tool gives no HGVS.p", lambda gp, sp: not gp or not sp, "see docs"),
    ("in-frame: another description", lambda gp, sp: True, "see docs"),
]


def term_class(g: frozenset, s: frozenset) -> str:
    return next((n for n, test, _ in TERM_CLASSES if test(g, s)), "other")


def p_class(gp: str, sp: str) -> str:
    return next((n for n, test, _ in P_CLASSES if test(gp, sp)), "other")


def kind(ref: str, alt: str) -> str:
    return "snv" if len(ref) == len(alt) == 1 else "indel"


def strands(gff3: Path) -> dict[str, str]:
    """Transcript ID -> strand, from the GFF3."""
    out = {}
    with gzip.open(gff3, "rt") as f:
        for line in f:
            m = re.search(r"\tID=transcript:([^;]+)", line)
            if m:
                out[m.group(1)] = line.split("\t")[6]
    return out


def compare(gas: dict, snpeff: dict) -> dict:
    both = gas.keys() & snpeff.keys()
    tally: dict[str, Counter] = defaultdict(Counter)
    diffs: dict[str, Counter] = defaultdict(Counter)
    examples: dict[tuple, tuple] = {}
    members: dict[tuple, list] = defaultdict(list)
    for k in both:
        g, s = gas[k], snpeff[k]
        kd = kind(k[1], k[2])
        same = g[0] == s[0]
        tally[f"{kd}_terms"]["n"] += 1
        tally[f"{kd}_terms"]["agree"] += same
        for term in s[0] | g[0]:
            tally[f"term:{term}"]["n"] += 1
            tally[f"term:{term}"]["agree"] += term in s[0] and term in g[0]
        if not same:
            cls = ("&".join(sorted(g[0])), "&".join(sorted(s[0])))
            diffs["terms"][cls] += 1
            examples.setdefault(("terms", *cls), k)
            if kd == "indel":
                name = (term_class(g[0], s[0]),)
                diffs["indel term classes"][name] += 1
                members[("indel term classes", name[0])].append(k)
                examples.setdefault(("indel term classes", *name), (k, cls))
        if s[1] or g[1]:
            tally["hgvs_c"]["n"] += 1
            tally["hgvs_c"]["agree"] += g[1] == s[1]
            if g[1] != s[1]:
                tally["hgvs_c_by_strand"][STRAND.get(k[3], "?")] += 1
                cls = (kd, re.sub(r"[\d]+", "#", g[1]), re.sub(r"[\d]+", "#", s[1]))
                diffs["hgvs_c"][cls] += 1
                examples.setdefault(("hgvs_c", *cls), (k, g[1], s[1]))
        if s[2] or g[2]:
            tally["hgvs_p"]["n"] += 1
            tally["hgvs_p"]["agree"] += g[2] == s[2]
            if g[2] != s[2]:
                cls = (kd, re.sub(r"[\d]+", "#", g[2]), re.sub(r"[\d]+", "#", s[2]))
                diffs["hgvs_p"][cls] += 1
                examples.setdefault(("hgvs_p", *cls), (k, g[2], s[2]))
                name = (p_class(g[2], s[2]),)
                diffs["HGVS.p classes"][name] += 1
                examples.setdefault(("HGVS.p classes", *name), (k, g[2], s[2]))
    return {"pairs": len(both), "gas_only": len(gas.keys() - snpeff.keys()),
            "oracle_only": len(snpeff.keys() - gas.keys()), "tally": tally, "diffs": diffs,
            "examples": examples, "members": members}


def pct(c: Counter) -> float:
    return 100.0 * c["agree"] / c["n"] if c["n"] else 100.0


def report(name: str, r: dict, top: int) -> dict:
    print(f"\n== GAS vs {name}: {r['pairs']:,} (variant, allele, transcript) pairs both give; "
          f"{r['gas_only']:,} only GAS, {r['oracle_only']:,} only {name}")
    t = r["tally"]
    summary = {}
    for key in ("snv_terms", "indel_terms", "hgvs_c", "hgvs_p"):
        if t[key]["n"]:
            target = TARGETS.get(key)
            mark = "" if target is None else (" OK" if pct(t[key]) >= target else " MISSED") + \
                f" (target {target}%)"
            print(f"  {key:<12} {pct(t[key]):7.2f}% of {t[key]['n']:,}{mark}")
            summary[key] = round(pct(t[key]), 3)
    print(f"  HGVS.c disagreements by strand: {dict(t['hgvs_c_by_strand'])}")
    print("  per term (pairs where either tool gives it):")
    for key in sorted(k for k in t if k.startswith("term:")):
        print(f"    {key[5:]:<48} {pct(t[key]):7.2f}% of {t[key]['n']:,}")
    verdict = {n: v for n, _, v in TERM_CLASSES + P_CLASSES}
    for what, counter in r["diffs"].items():
        classes = what.endswith("classes")
        print(f"  {what} (who is right: docs/engine.md):" if classes else
              f"  most common {what} disagreements (GAS | {name}):")
        for cls, n in counter.most_common(None if classes else top):
            ex = r["examples"].get((what, *cls))
            right = f"  [{verdict.get(cls[0], '?')}]" if classes else ""
            print(f"    {n:6,}  {' | '.join(cls)}{right}   e.g. {ex}")
        if classes:
            summary[what] = {cls[0]: n for cls, n in counter.most_common()}
    return summary


def normalise(fasta: Path, src: Path, dest: Path) -> None:
    """src left-aligned and trimmed against fasta (bcftools norm), sorted."""
    norm = subprocess.run(["bcftools", "norm", "-f", str(fasta), str(src)], check=True,
                          capture_output=True)
    with open(dest, "wb") as out:
        subprocess.run(["bcftools", "sort"], input=norm.stdout, stdout=out, check=True,
                       stderr=subprocess.DEVNULL)


def second_oracle(cmp: dict, snpeff: dict, gas_csq: dict, csq: dict) -> dict:
    """For each indel term class: on how many of its pairs bcftools csq's coding terms are
    GAS's, SnpEff's, both (the class is not about coding terms) or neither."""
    out = {}
    print("\n  bcftools csq on the indel term classes (its coding terms = GAS's / SnpEff's / "
          "both / neither / no csq entry):")
    for (what, name), keys in cmp["members"].items():
        if what != "indel term classes":
            continue
        c: Counter = Counter()
        for k in keys:
            if k not in csq:
                c["no csq entry"] += 1
                continue
            g, s = gas_csq[k][0], gas_to_csq(snpeff[k][0], "")[0]
            c["both" if g == s == csq[k][0] else "GAS" if g == csq[k][0] else
              "SnpEff" if s == csq[k][0] else "neither"] += 1
        out[name] = dict(c)
        print(f"    {name}: {dict(c)}")
    return out


def inframe_evidence(cmp: dict, gas: dict, snpeff: dict) -> dict:
    """The conservative/disruptive class against the proteins both tools write: whole
    codons added or removed between codons change no remaining residue (HGVS.p a plain
    del/dup/ins), a split codon does (delins, or a changed start)."""
    c: Counter = Counter()
    for k in cmp["members"].get(("indel term classes", TERM_CLASSES[0][0]), []):
        who = "GAS" if any(t.startswith("conservative") for t in gas[k][0]) else "SnpEff"
        plain = all(re.search(r"(del|dup|ins[A-Z][a-z]{2}.*)$", p) and "delins" not in p
                    for p in (gas[k][2], snpeff[k][2]))
        what = "insertion" if len(k[2]) > len(k[1]) else "deletion"
        c[f"{who} says conservative, {STRAND.get(k[3], '?')} strand {what}, both HGVS.p "
          f"{'plain' if plain else 'change a residue'}"] += 1
    print(f"\n  conservative vs disruptive against both tools' HGVS.p: {dict(c)}")
    return dict(c)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snvs", type=int, default=20_000)
    ap.add_argument("--indels", type=int, default=8_000)
    ap.add_argument("--work", type=Path, default=None, help="keep files here (reused)")
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--raw", action="store_true",
                    help="give the tools the variants as generated, not left-aligned")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse SnpEff's and bcftools csq's outputs in --work")
    args = ap.parse_args()
    if not t21.GFF3.is_file():
        print(f"{t21.GFF3} not found: comparison skipped")
        return 0
    if not t21.have("snpEff", "bcftools"):
        print("snpEff or bcftools not on PATH (make oracles): comparison skipped")
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="gas-consequences-"))
    work.mkdir(parents=True, exist_ok=True)
    fasta = work / "chr21.fa"
    if not fasta.is_file():
        print("synthetic chr21:", t21.synthetic_chr21(fasta), flush=True)
    raw, fresh = work / "variants.vcf", work / "variants.new.vcf"
    n = t21.variants_near_transcripts(fasta, fresh, args.snvs, args.indels)
    if raw.is_file() and raw.read_bytes() == fresh.read_bytes():
        fresh.unlink()  # the same variants: keep the older file (and what --reuse reuses)
    else:
        fresh.replace(raw)
    print(f"{n:,} variants in and around CDS, UTRs and splice sites", flush=True)
    # SnpEff shifts indels 3' on + strand transcripts only: it expects a left-aligned VCF
    # (as callers write them; its Gene.variantEffect says so). The oracles get the input
    # left-aligned by bcftools norm, unless --raw.
    vcf, tag = (raw, "") if args.raw else (work / "variants.norm.vcf", ".norm")
    if not args.raw and not (vcf.is_file() and vcf.stat().st_mtime > raw.stat().st_mtime):
        normalise(fasta, raw, vcf)

    from gas_annotator.engine import annotate_file
    from gas_annotator.reference.custom import build_custom

    bundle = work / "bundle"
    if not (bundle / "manifest.json").is_file():
        build_custom(t21.GFF3, "gff3", bundle, "chr21test", "GRCh38", None, None, fasta)
    t0 = time.perf_counter()
    res = annotate_file(vcf, work / "gas", bundle)
    print(f"GAS: {time.perf_counter() - t0:.1f} s", flush=True)
    snpeff_out, csq_out = work / f"snpeff{tag}.vcf", work / f"csq{tag}.vcf"
    reuse = args.reuse and snpeff_out.is_file() and csq_out.is_file() and \
        min(snpeff_out.stat().st_mtime, csq_out.stat().st_mtime) > vcf.stat().st_mtime
    if reuse:
        print(f"SnpEff, bcftools csq: reusing {snpeff_out.name}, {csq_out.name}")
    else:
        config = t21.snpeff_database(work, fasta)
        t0 = time.perf_counter()
        with open(snpeff_out, "w") as out:
            subprocess.run(t21.snpeff_cmd(config, vcf), stdout=out, check=True,
                           stderr=subprocess.DEVNULL)
        print(f"SnpEff: {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        with open(csq_out, "w") as out:
            subprocess.run(t21.csq_cmd(fasta, vcf), stdout=out, check=True,
                           stderr=subprocess.DEVNULL)
        print(f"bcftools csq: {time.perf_counter() - t0:.1f} s", flush=True)

    STRAND.update(strands(t21.GFF3))
    gas = parse_ann(res.annot_path)
    snpeff = parse_ann(snpeff_out)
    cmp = compare(gas, snpeff)
    summary = {"input": "as generated" if args.raw else "left-aligned (bcftools norm)",
               "snpeff": report("SnpEff", cmp, args.top)}
    csq = parse_csq(csq_out)
    gas_csq = {k: gas_to_csq(v[0], v[2]) for k, v in gas.items()}
    summary["csq_on_indel_term_classes"] = second_oracle(cmp, snpeff, gas_csq, csq)
    summary["inframe_evidence"] = inframe_evidence(cmp, gas, snpeff)
    both = gas_csq.keys() & csq.keys()
    coding = [k for k in both if csq[k][0] or gas_csq[k][0]]
    agree = sum(gas_csq[k][0] == csq[k][0] for k in coding)
    print(f"\n== GAS vs bcftools csq: {len(coding):,} pairs with a coding term in either; "
          f"coding terms agree on {100.0 * agree / max(len(coding), 1):.2f}%")
    bad = Counter(("&".join(sorted(gas_csq[k][0])), "&".join(sorted(csq[k][0])))
                  for k in coding if gas_csq[k][0] != csq[k][0])
    for cls, n_ in bad.most_common(args.top):
        ex = next(k for k in coding if ("&".join(sorted(gas_csq[k][0])),
                                        "&".join(sorted(csq[k][0]))) == cls)
        print(f"    {n_:6,}  {' | '.join(cls)}   e.g. {ex}")
    summary["bcftools_csq_coding_terms"] = round(100.0 * agree / max(len(coding), 1), 3)
    (work / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"\nfiles in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
