"""Annotation sources (`--source NAME=FILE:FIELD,...`): compiled into the bundle, matched per
allele, written as the ID column and GAS_<NAME>_<FIELD> INFO values, counted in the summary.

The source VCFs are generated here, shaped like dbSNP, ClinVar and gnomAD.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from gas_annotator.cli import reference as reference_cli
from gas_annotator.engine import annotate_file
from gas_annotator.engine.sources import sources_of
from gas_annotator.reference.alleles import code, normalise
from gas_annotator.reference.bundle import Reference
from gas_annotator.reference.custom import build_custom
from gas_annotator.reference.gtf import AnnotationSourceError
from gas_annotator.reference.sources import SourceSpec

COLS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
DBSNP = "##fileformat=VCFv4.2\n" + COLS + "".join("\t".join(r.split()) + "\n" for r in [
    "1 1060 rs100 C T,G . . .",          # multi-allelic: split, each allele matches alone
    "1 1098 rs300 ACGTAC A . . .",       # a deletion
    "1 1200 rs400 GCA GA . . .",         # not trimmed in the file: stored as GC>G
    "1 1300 rs500 A AGGGGGGGGGG . . .",  # long allele: kept as text
    "1 1400 COSV77 G A . . .",           # an ID of another form
    "1 1500 rs6;rs7 T C . . .",          # two IDs
    "1 65535 rs8 A G . . .",             # both sides of a 65,536-base block edge
    "1 65536 rs9 C T . . .",
    "1 65537 rs10 G A . . .",
    "1 200000 rs11 T <DEL> . . .",       # symbolic: skipped
    "2 131072 rs12 A C . . .",
])
CLINVAR = """##fileformat=VCFv4.1
##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Clinical significance">
##INFO=<ID=CLNDN,Number=.,Type=String,Description="Disease name">
##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description="Review status">
""" + COLS + "".join("\t".join(r.split(" ", 7)) + "\n" for r in [
    "1 1060 15 C T . . CLNSIG=Pathogenic;CLNDN=Disease_A|Disease_B;CLNREVSTAT=criteria_provided,"
    "_single_submitter",
    "1 1098 16 ACGTAC A . . CLNSIG=Likely_pathogenic;CLNDN=Syndrome C, type 2",
    "1 1500 17 T C . . CLNSIG=Benign;CLNDN=not_provided",
])
GNOMAD = """##fileformat=VCFv4.2
##INFO=<ID=AF,Number=A,Type=Float,Description="Alternate allele frequency">
##INFO=<ID=AF_popmax,Number=A,Type=Float,Description="Maximum population AF">
##INFO=<ID=nhomalt,Number=A,Type=Integer,Description="Homozygotes">
""" + COLS + "".join("\t".join(r.split()) + "\n" for r in [
    "1 1060 . C T,G . PASS AF=0.25,0.0001;AF_popmax=0.3,0.0002;nhomalt=7,0",
    "1 1200 . GC G . PASS AF=0.005;AF_popmax=.",
    "1 1500 . T C . PASS AF=0.5",
])


def _gz(path: Path, text: str) -> Path:
    with gzip.open(path, "wt") as f:
        f.write(text)
    return path


@pytest.fixture(scope="module")
def src_bundle(tmp_path_factory: pytest.TempPathFactory, gtf_path: Path) -> Path:
    d = tmp_path_factory.mktemp("sources")
    specs = [SourceSpec("dbsnp", _gz(d / "dbsnp.vcf.gz", DBSNP), ["ID"]),
             SourceSpec("clinvar", _gz(d / "clinvar.vcf.gz", CLINVAR),
                        ["CLNSIG", "CLNDN", "CLNREVSTAT"]),
             SourceSpec("gnomad", d / "gnomad.vcf", ["AF", "AF_popmax", "nhomalt"])]
    (d / "gnomad.vcf").write_text(GNOMAD)
    return build_custom(gtf_path, "gtf", d / "withsrc", "withsrc", "GRCh38", specs)


def test_ids_match_per_allele_after_normalising(vcf, run, src_bundle) -> None:
    r = run(vcf("chr1 1060 . C T . . .",        # one allele of a split record
                "chr1 1060 . C A,G . . .",      # A unknown, G known
                "chr1 1060 rs1 CA TA . . .",    # C>T written with a shared trailing base
                "chr1 1098 . ACGTAC A . . .",
                "chr1 1098 . ACGTAC AC . . .",  # another deletion at the same place: no
                "chr1 1200 . GC G . . .",       # stored trimmed from GCA>GA
                "chr1 1300 . A AGGGGGGGGGG . . .",
                "chr1 1300 . A AGGGGGGGGGGG . . .",  # one G more: no
                "chr1 1400 . G A . . .", "chr1 1500 . T C . . .",
                "chr1 65535 . A G . . .", "chr1 65536 . C T . . .", "chr1 65537 . G A . . .",
                "chr1 65538 . G A . . .", "chr2 131072 . A C . . .", "chr2 131071 . A C . . .",
                "chr1 200000 . T <DEL> . . ."), reference=src_bundle)
    assert [rec[2] for rec in r.records] == [
        "rs100", "rs100", "rs1;rs100", "rs300", ".", "rs400", "rs500", ".", "COSV77",
        "rs6;rs7", "rs8", "rs9", "rs10", ".", "rs12", ".", "."]
    assert r.result.summary["known_ids"] == 12


def test_fields_are_written_per_allele_and_declared(vcf, run, src_bundle) -> None:
    r = run(vcf("chr1 1060 . C T . . .", "chr1 1060 . C A,G,T . . .", "chr1 1098 . ACGTAC A . . .",
                "chr1 1200 . GCA GA . . .", "chr1 1500 . T C . . .", "chr1 1600 . T C . . ."),
            reference=src_bundle)
    i0 = r.info(0)
    assert i0["GAS_CLINVAR_CLNSIG"] == "Pathogenic"
    assert i0["GAS_CLINVAR_CLNDN"] == "Disease_A|Disease_B"
    assert i0["GAS_CLINVAR_CLNREVSTAT"] == "criteria_provided%2C_single_submitter"
    assert (i0["GAS_GNOMAD_AF"], i0["GAS_GNOMAD_AF_popmax"], i0["GAS_GNOMAD_nhomalt"]) == (
        "0.25", "0.3", "7")
    i1 = r.info(1)
    assert i1["GAS_GNOMAD_AF"] == ".,0.0001,0.25"
    assert i1["GAS_GNOMAD_nhomalt"] == ".,0,7"
    assert i1["GAS_CLINVAR_CLNSIG"] == ".,.,Pathogenic"
    assert r.info(2)["GAS_CLINVAR_CLNDN"] == "Syndrome%20C%2C%20type%202"
    assert r.info(3)["GAS_GNOMAD_AF"] == "0.005" and "GAS_GNOMAD_AF_popmax" not in r.info(3)
    assert not [k for k in r.info(5) if k.startswith("GAS_")]
    declared = [h for h in r.header if h.startswith("##INFO=<ID=GAS_")]
    assert ('##INFO=<ID=GAS_GNOMAD_AF,Number=A,Type=Float,Description="AF from gnomad.vcf: '
            'Alternate allele frequency (GAS source gnomad; one value per ALT allele)">'
            in declared)
    assert any(h.startswith("##INFO=<ID=GAS_GNOMAD_nhomalt,Number=A,Type=Integer,")
               for h in declared)
    assert any(h.startswith("##INFO=<ID=GAS_CLINVAR_CLNDN,Number=A,Type=String,")
               for h in declared)
    assert len(declared) == 6
    s = r.result.summary
    # pathogenic: 1060 C>T (twice) and the 1098 deletion (likely pathogenic); 1500 is benign
    assert (s["pathogenic"], s["rare"], s["with_af"]) == (3, 2, 4)
    log = r.result.log_path.read_text()
    assert "ClinVar pathogenic or likely pathogenic: 3" in log
    assert "Rare (AF < 1%): 2 of 4 with an AF" in log


def test_an_input_annotated_before_gets_fresh_values(vcf, run, src_bundle) -> None:
    head = '##INFO=<ID=GAS_GNOMAD_AF,Number=A,Type=Float,Description="old">\n'
    r = run(vcf("chr1 1500 . T C . . GAS_GNOMAD_AF=0.9;DP=4", header=head), reference=src_bundle)
    assert r.info(0)["GAS_GNOMAD_AF"] == "0.5" and r.info(0)["DP"] == "4"
    assert r.records[0][7].count("GAS_GNOMAD_AF=") == 1
    assert not any('Description="old"' in h for h in r.header)


def test_manifest_and_bytes_per_record_of_an_id_only_source(tmp_path, gtf_path) -> None:
    rnd = random.Random(7)
    lines, pos = [], 0
    for _ in range(20_000):
        pos += rnd.randint(1, 300)
        ref, alt = rnd.sample("ACGT", 2)
        lines.append(f"1\t{pos}\trs{rnd.randint(1, 2_000_000_000)}\t{ref}\t{alt}\t.\t.\t.\n")
    src = _gz(tmp_path / "big.vcf.gz", "##fileformat=VCFv4.2\n" + COLS + "".join(lines))
    b = build_custom(gtf_path, "gtf", tmp_path / "b", "b", "GRCh38",
                     [SourceSpec("dbsnp", src, ["ID"])])
    m = json.loads((b / "manifest.json").read_text())
    entry = m["sources"]["dbsnp"]
    assert entry["records"] == 20_000 and entry["id_prefix"] == "rs"
    assert m["counts"]["known"] == 20_000
    size = sum(f.stat().st_size for f in b.glob("src_dbsnp_*.npy"))
    # 2 (POS) + 1 (allele) + 4 (ID), 4 bytes a block of 32-64 records, .npy headers
    assert size / 20_000 <= 7.2, size / 20_000
    assert entry["block_bits"] == 13  # 64 x 150 bases a record: 2**13 bases a block
    assert all(f in m["files"] for f in entry["files"])


def test_matches_agree_with_a_plain_dictionary(tmp_path, gtf_path, vcf) -> None:
    """Random records over several blocks: the index finds exactly what a dict finds."""
    rnd = random.Random(11)
    known: dict[tuple[int, str, str], str] = {}
    rows = []
    for pos in sorted(rnd.sample(range(1, 400_000), 3000)):
        for _ in range(rnd.choice([1, 1, 2])):
            ref = "".join(rnd.choices("ACGT", k=rnd.choice([1, 1, 1, 2, 4])))
            alt = ref[0] + "".join(rnd.choices("ACGT", k=rnd.choice([0, 1, 3, 8])))
            if alt == ref or (pos, ref, alt) in known:
                continue
            known[(pos, ref, alt)] = f"rs{len(known) + 1}"
            rows.append(f"chr1\t{pos}\t{known[(pos, ref, alt)]}\t{ref}\t{alt}\t.\t.\t.\n")
    src = tmp_path / "r.vcf"
    src.write_text("##fileformat=VCFv4.2\n" + COLS + "".join(rows))
    b = build_custom(gtf_path, "gtf", tmp_path / "r", "r", "GRCh38",
                     [SourceSpec("db", src, ["ID"])])
    queries = list(known)[::3] + [(p + 1, r, a) for p, r, a in list(known)[1::3]]
    text = vcf(*[f"chr1 {p} . {r} {a} . . ." for p, r, a in sorted(queries)])
    (tmp_path / "q.vcf").write_text(text)
    res = annotate_file(tmp_path / "q.vcf", tmp_path / "o", b)
    got = [ln.split("\t")[2] for ln in res.annot_path.read_text().splitlines()
           if not ln.startswith("#")]
    by_norm: dict[tuple, list[str]] = {}
    for (p, r, a), vid in known.items():
        by_norm.setdefault(normalise(p, r, a), []).append(vid)
    want = [";".join(by_norm.get(normalise(p, r, a), ["."])) for p, r, a in sorted(queries)]
    assert got == want
    assert sum(w != "." for w in want) > 1000
    # more distinct alleles than a 1-byte palette holds: the rarest ones were spelled out
    assert len(np.load(b / "src_db_allele_codes.npy")) == 256
    long_idx = np.load(b / "src_db_long_idx.npy")
    assert len(long_idx) > sum(len(r) + len(a) > 6 for _, r, a in known)

    # every record's position, decoded from the blocks (here 2**12 bases) and pos
    m = json.loads((b / "manifest.json").read_text())
    entry = m["sources"]["db"]
    assert entry["block_bits"] == 12 and entry["left_aligned"] is False
    index = sources_of(Reference(b)).indexes[0]
    stored = sorted(normalise(p, r, a)[0] for p, r, a in known)  # type: ignore[index]
    assert index.positions("1").tolist() == stored

    # A format 5 bundle (65,536-base blocks, no block_bits) reads the same
    first, last, _, _ = entry["contigs"]["1"]
    blocks = np.asarray(stored) >> 16
    np.save(b / "src_db_blk.npy", np.append(np.searchsorted(blocks, np.arange(blocks[-1] + 1)),
                                            last).astype(np.uint32))
    entry["contigs"]["1"] = [first, last, 0, int(blocks[-1]) + 1]
    del entry["block_bits"], entry["left_aligned"]
    m["format_version"] = 5
    (b / "manifest.json").write_text(json.dumps(m))
    res = annotate_file(tmp_path / "q.vcf", tmp_path / "o5", b)
    assert [ln.split("\t")[2] for ln in res.annot_path.read_text().splitlines()
            if not ln.startswith("#")] == want

    # A format 4 bundle (16-bit allele codes, no palette) reads the same
    codes = np.load(b / "src_db_allele_codes.npy")[np.load(b / "src_db_allele.npy")]
    off, blob = np.load(b / "src_db_long_off.npy"), np.load(b / "src_db_long_blob.npy")
    for k, j in enumerate(long_idx.tolist()):  # format 4 spelled out only LONG alleles
        codes[j] = code(*bytes(blob[off[k]:off[k + 1]]).decode().split("\t"))
    np.save(b / "src_db_allele.npy", codes)
    (b / "src_db_allele_codes.npy").unlink()
    m["format_version"] = 4
    m["files"]["src_db_allele.npy"]["bytes"] = (b / "src_db_allele.npy").stat().st_size
    del m["files"]["src_db_allele_codes.npy"]
    m["sources"]["db"]["files"].remove("src_db_allele_codes.npy")
    (b / "manifest.json").write_text(json.dumps(m))
    res = annotate_file(tmp_path / "q.vcf", tmp_path / "o4", b)
    assert [ln.split("\t")[2] for ln in res.annot_path.read_text().splitlines()
            if not ln.startswith("#")] == want


@pytest.mark.parametrize(("spec", "says"), [
    ("nofields.vcf", "expected NAME=FILE.vcf.gz:FIELD"),
    ("x=a.vcf:", "expected NAME=FILE.vcf.gz:FIELD"),
    ("x=a.vcf:AF,AF", "a field is named twice"),
])
def test_bad_source_specs(spec, says) -> None:
    with pytest.raises(AnnotationSourceError, match=says):
        SourceSpec.parse(spec)


def test_source_spec_parse() -> None:
    s = SourceSpec.parse("ClinVar=/data/clin:var.vcf.gz:CLNSIG,CLNDN")
    assert (s.name, s.path, s.fields) == ("clinvar", Path("/data/clin:var.vcf.gz"),
                                          ["CLNSIG", "CLNDN"])


def test_cli_build_with_sources_and_its_errors(tmp_path, gtf_path) -> None:
    runner = CliRunner()
    clin = _gz(tmp_path / "clinvar.vcf.gz", CLINVAR)
    res = runner.invoke(reference_cli, [
        "build", "--gtf", str(gtf_path), "--name", "s", "--dir", str(tmp_path),
        "--source", f"dbsnp={_gz(tmp_path / 'd.vcf.gz', DBSNP)}:ID",
        "--source", f"clinvar={clin}:CLNSIG"])
    assert res.exit_code == 0, res.output
    assert "source dbsnp: 11 alleles from d.vcf.gz (1 symbolic skipped)" in res.output
    assert "source clinvar: 3 alleles" in res.output
    m = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert sorted(m["sources"]) == ["clinvar", "dbsnp"]
    assert list(m["sources"]["clinvar"]["fields"]) == ["CLNSIG"]
    res = runner.invoke(reference_cli, ["build", "--gtf", str(gtf_path), "--name", "t",
                                        "--dir", str(tmp_path), "--source", f"c={clin}:AF"])
    assert res.exit_code != 0
    assert "clinvar.vcf.gz: no ##INFO header for AF (declared: CLNDN, CLNREVSTAT, CLNSIG)" \
        in res.output
    assert not (tmp_path / "t").exists()
    unsorted = tmp_path / "u.vcf"
    unsorted.write_text("##fileformat=VCFv4.2\n" + COLS + "1\t5\trs1\tA\tG\t.\t.\t.\n"
                        "2\t5\trs2\tA\tG\t.\t.\t.\n1\t9\trs3\tA\tG\t.\t.\t.\n")
    res = runner.invoke(reference_cli, ["build", "--gtf", str(gtf_path), "--name", "u",
                                        "--dir", str(tmp_path), "--source", f"d={unsorted}:ID"])
    assert res.exit_code != 0 and "contig 1 appears in two places" in res.output
    assert not list(tmp_path.glob(".u.*"))


def test_cli_annotate_reports_the_source_counts(vcf, tmp_path, src_bundle) -> None:
    from gas_annotator.cli import annotate as annotate_cli

    src = tmp_path / "c.vcf"
    src.write_text(vcf("chr1 1060 . C T . . .", "chr1 1200 . GC G . . ."))
    res = CliRunner().invoke(annotate_cli, [str(src), "-o", str(tmp_path / "o"),
                                            "--reference", str(src_bundle)])
    assert res.exit_code == 0, res.output
    assert "2 known IDs (100.0%)" in res.output
    assert "ClinVar pathogenic or likely pathogenic: 1; rare (AF < 1%): 1 of 2 with an AF" \
        in res.output


# chr1 of a tiny genome, 1-based: a CA repeat at 22-29 (G before it, T after) and an A run
# at 32-36 (G before it, T after); the rest has no repeat longer than two bases.
TINY = "ACGTTGCAACGTTGCAACGT" + "GCACACACAT" + "GAAAAATCGG" + "TCAGGATCCT" * 16
TINY_GFF3 = ("##gff-version 3\n"
             "chr1\tt\tgene\t1\t100\t.\t+\t.\tID=gene:G1;Name=GENE1\n"
             "chr1\tt\tlnc_RNA\t1\t100\t.\t+\t.\tID=transcript:T1;Parent=gene:G1;"
             "biotype=lncRNA\n"
             "chr1\tt\texon\t1\t100\t.\t+\t.\tParent=transcript:T1\n")


def _tiny_bundle(tmp_path: Path, records: list[str], fasta: bool = True) -> Path:
    """A bundle of TINY (with or without its sequence) and one source: ID and AF."""
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "t.gff3").write_text(TINY_GFF3)
    (tmp_path / "t.fa").write_text(f">chr1\n{TINY}\n")
    src = tmp_path / "src.vcf"
    src.write_text('##fileformat=VCFv4.2\n##INFO=<ID=AF,Number=A,Type=Float,Description="AF">\n'
                   + COLS + "".join("\t".join(r.split()) + "\n" for r in records))
    return build_custom(tmp_path / "t.gff3", "gff3", tmp_path / "b", "t", "",
                        [SourceSpec("db", src, ["ID"]), SourceSpec("pop", src, ["AF"])], None,
                        tmp_path / "t.fa" if fasta else None)


def test_left_align_by_hand() -> None:
    from gas_annotator.reference.alleles import MAX_SHIFT, left_align

    def fetch(a: int, b: int) -> str:
        return TINY[max(a, 1) - 1:b]

    # deleting one CA of the repeat: leftmost is after the G at 21
    assert left_align(27, "ACA", "A", fetch) == (21, "GCA", "G")
    assert left_align(25, "ACA", "A", fetch) == (21, "GCA", "G")
    assert left_align(21, "GCA", "G", fetch) == (21, "GCA", "G")
    # inserting CA, written at the end of the repeat without padding trimmed (CAT>CACAT)
    assert left_align(28, "CAT", "CACAT", fetch) == (21, "G", "GCA")
    # one more A in the A run, written at its last base
    assert left_align(36, "A", "AA", fetch) == (31, "G", "GA")
    assert left_align(36, "AT", "AAT", fetch) == (31, "G", "GA")
    # an A inserted before the T after the run, written right-anchored (no padding base)
    assert left_align(37, "T", "AT", fetch) == (31, "G", "GA")
    # not movable: another base than the repeat's, a substitution, a REF the genome lacks
    assert left_align(36, "A", "AC", fetch) == (36, "A", "AC")
    assert left_align(27, "A", "G", fetch) == (27, "A", "G")
    assert left_align(27, "ACAC", "GTAC", fetch) == (27, "AC", "GT")
    assert left_align(27, "GCA", "G", fetch) == (27, "GCA", "G")  # genome has ACA at 27
    assert left_align(1, "AC", "A", fetch) == (1, "AC", "A")
    assert left_align(36, "A", "<DEL>", fetch) is None
    # a run longer than MAX_SHIFT: kept where it is (both sides agree on that)
    run = "G" + "A" * (MAX_SHIFT + 10) + "T"
    assert left_align(MAX_SHIFT + 11, "A", "AA", lambda a, b: run[max(a, 1) - 1:b]) == (
        MAX_SHIFT + 11, "A", "AA")
    assert left_align(MAX_SHIFT - 10, "A", "AA", lambda a, b: run[max(a, 1) - 1:b]) == (
        1, "G", "GA")


def test_indels_match_whichever_way_each_side_shifted_them(tmp_path, vcf, run) -> None:
    """Source and input write the same indel at different places of a repeat: both are
    left-aligned against the bundle's genome, so they match (and only the same indel does)."""
    b = _tiny_bundle(tmp_path, [
        "chr1 27 rs1 ACA A . . AF=0.1",        # CA deleted, written right-shifted
        "chr1 31 rs2 G GA . . AF=0.2",         # A inserted, written left-aligned
        "chr1 36 rs3 A AAA,T . . AF=0.3,0.4",  # AA inserted (right-shifted) and an SNV
    ])
    m = json.loads((b / "manifest.json").read_text())
    assert m["sources"]["db"]["left_aligned"] is True
    assert m["sources"]["db"]["moved_alleles"] == 2  # rs1 and rs3's insertion
    r = run(vcf("chr1 21 . GCA G . . .",     # rs1, left-aligned
                "chr1 23 . ACA A . . .",     # rs1, in the middle of the repeat
                "chr1 36 . A AA . . .",      # rs2, right-shifted
                "chr1 33 . A AA,AAA . . .",  # rs2 and rs3 (split, each aligned)
                "chr1 31 . G GAA . . .",     # rs3, left-aligned
                "chr1 36 . A T . . .",       # rs3's SNV
                "chr1 36 . A AC . . .",      # another insertion: no
                "chr1 21 . GCACA G . . .",   # two CA deleted: no
                "chr1 30 . TG T . . ."),     # the G after the repeat deleted: no
            reference=b)
    assert [rec[2] for rec in r.records] == ["rs1", "rs1", "rs2", "rs2;rs3", "rs3", "rs3", ".",
                                             ".", "."]
    assert [r.info(i).get("GAS_POP_AF") for i in range(9)] == [
        "0.1", "0.1", "0.2", "0.2,0.3", "0.3", "0.4", None, None, None]
    assert r.result.summary["known_ids"] == 6


def test_without_the_genome_only_trimming_applies(tmp_path, vcf, run) -> None:
    b = _tiny_bundle(tmp_path, ["chr1 27 rs1 ACA A . . AF=0.1"], fasta=False)
    assert json.loads((b / "manifest.json").read_text())["sources"]["db"]["left_aligned"] \
        is False
    r = run(vcf("chr1 27 . ACA A . . .", "chr1 21 . GCA G . . ."), reference=b)
    assert [rec[2] for rec in r.records] == ["rs1", "."]


def test_a_source_written_in_small_chunks_is_the_same(tmp_path, monkeypatch) -> None:
    """The build writes CHUNK records at a time, keeping back those a later row may precede
    (left-aligned up to MAX_SHIFT bases): the columns do not depend on CHUNK."""
    from gas_annotator.reference import sources

    rnd = random.Random(5)
    rows, pos = [], 0
    for k in range(3000):
        pos += rnd.randint(0, 40)
        ref = rnd.choice(["A", "C", "GT", "ACGTACGTAAA"])
        alt = rnd.choice(["T", "G", ref[0] + "CC", ref + ref])
        rows.append(f"chr1 {max(pos, 1)} {'rs' if k % 7 else 'x'}{k} {ref} {alt} . . AF=0.{k}")
    rows.append("chr2 5 rs1 A G . . AF=0.5")
    big = _tiny_bundle(tmp_path / "big", rows, fasta=False)
    monkeypatch.setattr(sources, "CHUNK", 7)
    monkeypatch.setattr(sources, "MAX_SHIFT", 15)
    small = _tiny_bundle(tmp_path / "small", rows, fasta=False)
    files = sorted(f.name for f in big.glob("src_*.npy"))
    assert files == sorted(f.name for f in small.glob("src_*.npy")) and len(files) > 20
    for f in files:
        assert np.array_equal(np.load(big / f), np.load(small / f)), f
    m = [json.loads((b / "manifest.json").read_text())["sources"] for b in (big, small)]
    assert m[0] == m[1]
    # a row that comes after records more than MAX_SHIFT bases past it: the file is unsorted
    rows.insert(2000, "chr1 3 rs9 A G . . AF=0.9")
    with pytest.raises(AnnotationSourceError, match=r"chr1:3 comes after records at "
                                                    r"positions past \d+; sort the file"):
        _tiny_bundle(tmp_path / "unsorted", rows, fasta=False)
