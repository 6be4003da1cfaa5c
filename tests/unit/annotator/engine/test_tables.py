"""variants.parquet and genes.parquet from an annotated VCF, driven by its header alone."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from gas_annotator import tables
from gas_annotator.tables import write_tables

ANN_HEADER = ("##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: "
              "'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | "
              "Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length "
              "| CDS.pos / CDS.length | AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO"
              "{extra}' \">")
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"


def vcf(tmp_path, records: list[str], info: list[str] = (), extra_ann: str = "",
        samples: list[str] = ()) -> object:
    path = tmp_path / "x.annot.vcf"
    head = ["##fileformat=VCFv4.2", *info, ANN_HEADER.format(extra=extra_ann),
            "##GAS_reference=<Name=t,Build=GRCh37,Version=9>",
            "\t".join([COLUMNS, *(["FORMAT", *samples] if samples else [])])]
    path.write_text("\n".join([*head, *records]) + "\n")
    return path


def ann(alt: str, term: str, impact: str, gene: str, tx: str, extra: str = "") -> str:
    """One ANN entry: the 16 SnpEff fields (HGVS and positions empty), then `extra`."""
    return (f"{alt}|{term}|{impact}|{gene}|ID_{gene}|transcript|{tx}|protein_coding|1/2"
            + "|" * 7 + extra)


def read(tmp_path, records, **kw) -> tuple[pa.Table, pa.Table]:
    t = write_tables(vcf(tmp_path, records, **kw), tmp_path, "x")
    return pq.read_table(t.variants_path), pq.read_table(t.genes_path)


def test_one_row_per_alt_and_entry_with_typed_info(tmp_path):
    info = ['##INFO=<ID=DP,Number=1,Type=Integer,Description="d">',
            '##INFO=<ID=AF,Number=A,Type=Float,Description="f">',
            '##INFO=<ID=AD,Number=R,Type=Integer,Description="r">',
            '##INFO=<ID=DB,Number=0,Type=Flag,Description="flag">',
            '##INFO=<ID=LIST,Number=.,Type=Integer,Description="many">',
            '##INFO=<ID=gene,Number=1,Type=String,Description="clashes with a fixed column">']
    rec = ("1\t100\trs1;rs2\tA\tG,T\t7.5\tPASS\tDP=9;AF=0.25,.;AD=1,2,3;DB;LIST=1,2;gene=x;ANN="
           + ",".join([ann("G", "missense_variant", "MODERATE", "G1", "T1"),
                       ann("G", "intron_variant", "MODIFIER", "G1", "T2"),
                       ann("T", "stop_gained", "HIGH", "G1", "T1")]))
    variants, _ = read(tmp_path, [rec], info=info)
    rows = variants.to_pylist()
    assert [(r["alt"], r["transcript"], r["consequence"]) for r in rows] == [
        ("G", "T1", "missense_variant"), ("G", "T2", "intron_variant"),
        ("T", "T1", "stop_gained")]
    g, t = rows[0], rows[2]
    assert (g["DP"], g["AF"], g["AD"], g["DB"], g["LIST"]) == (9, 0.25, 2, True, "1,2")
    assert (t["AF"], t["AD"]) == (None, 3)
    assert g["INFO_gene"] == "x" and g["gene"] == "G1" and g["id"] == "rs1;rs2"
    assert g["qual"] == 7.5 and g["filter"] == "PASS" and g["rank"] == "1/2"
    assert variants.schema.field("DP").type == pa.int64()
    assert variants.schema.field("AF").type == pa.float64()
    assert variants.schema.field("DB").type == pa.bool_()
    assert variants.schema.metadata[b"gas.build"] == b"GRCh37"
    # Without a pick from the engine, each ALT's first (most severe) entry is picked.
    assert [r["pick"] for r in rows] == [True, False, True]


def test_the_engines_pick_wins(tmp_path):
    info = ['##INFO=<ID=GAS_PICK,Number=A,Type=String,Description="picked transcript">']
    rec = ("1\t100\t.\tA\tG\t.\t.\tGAS_PICK=T2;ANN="
           + ",".join([ann("G", "missense_variant", "MODERATE", "G1", "T1"),
                       ann("G", "intron_variant", "MODIFIER", "G1", "T2")]))
    variants, _ = read(tmp_path, [rec], info=info)
    assert [(r["transcript"], r["pick"]) for r in variants.to_pylist()] == [
        ("T1", False), ("T2", True)]


def test_any_ann_subfield_the_header_declares_becomes_a_column(tmp_path):
    rec = "1\t100\t.\tA\tG\t.\t.\tANN=" + ",".join([
        ann("G", "missense_variant", "MODERATE", "G1", "T1", "|1|MANE"),
        ann("G", "intron_variant", "MODIFIER", "G1", "T2", "||")])
    variants, _ = read(tmp_path, [rec], extra_ann=" | PICK | Tags")
    rows = variants.to_pylist()
    assert [r["pick"] for r in rows] == [True, False]
    assert [r["tags"] for r in rows] == ["MANE", None]


def test_records_without_entries_keep_a_row_and_no_ann_header_is_fine(tmp_path):
    path = tmp_path / "plain.vcf"
    path.write_text("##fileformat=VCFv4.2\n" + COLUMNS + "\n1\t5\t.\tC\tA,G\t.\t.\t.\n")
    t = write_tables(path, tmp_path, "plain")
    rows = pq.read_table(t.variants_path).to_pylist()
    assert [(r["alt"], r["gene"], r["pick"]) for r in rows] == [("A", None, True),
                                                                  ("G", None, True)]
    assert t.genes == 0


def test_unsorted_input_is_sorted_by_position_keeping_record_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "ROW_GROUP", 3)
    records = [f"chr{c}\t{p}\t.\tA\tG\t.\t.\tANN={ann('G', 'intron_variant', 'MODIFIER', 'G', 'T')}"
               for c, p in [(2, 50), (1, 900), (1, 100), (2, 10), (1, 500), (1, 700), (2, 5)]]
    t = write_tables(vcf(tmp_path, records), tmp_path, "x")
    f = pq.ParquetFile(t.variants_path)
    rows = f.read().to_pylist()
    assert [(r["chrom"], r["pos"]) for r in rows] == [
        ("chr2", 5), ("chr2", 10), ("chr2", 50), ("chr1", 100), ("chr1", 500), ("chr1", 700),
        ("chr1", 900)]
    assert [r["variant"] for r in rows] == [6, 3, 0, 2, 4, 5, 1]
    assert f.metadata.num_row_groups == 3  # written a row group at a time
    assert f.schema_arrow.metadata[b"gas.build"] == b"GRCh37"
    assert f.metadata.metadata[b"gas.consequences"] == b'["intron_variant"]'
    assert f.metadata.metadata[b"gas.id_lists"] == b"no"


def test_genes_count_each_alt_once_at_its_most_severe_entry(tmp_path):
    records = [
        "1\t100\t.\tA\tG,T\t.\t.\tANN=" + ",".join([
            ann("G", "intron_variant", "MODIFIER", "G1", "T2"),
            ann("G", "missense_variant&splice_region_variant", "MODERATE", "G1", "T1"),
            ann("T", "stop_gained", "HIGH", "G1", "T1"),
            ann("T", "upstream_gene_variant", "MODIFIER", "G2", "T9")]),
        "1\t300\t.\tA\tG\t.\t.\tANN=" + ann("G", "intergenic_region", "MODIFIER", "G1-G2", "")]
    t = write_tables(vcf(tmp_path, records), tmp_path, "x")
    genes = pq.read_table(t.genes_path)
    terms = pq.ParquetFile(t.variants_path).metadata.metadata[b"gas.consequences"]
    assert json.loads(terms) == ["stop_gained", "missense_variant", "splice_region_variant",
                                 "intron_variant", "upstream_gene_variant",
                                 "intergenic_region"]
    by = {g["gene"]: g for g in genes.to_pylist()}
    assert set(by) == {"G1", "G2"}
    assert (by["G1"]["variants"], by["G1"]["high"], by["G1"]["moderate"],
            by["G1"]["modifier"], by["G1"]["most_severe"]) == (2, 1, 1, 0, "stop_gained")
    assert (by["G2"]["variants"], by["G2"]["modifier"]) == (1, 1)
    assert genes.to_pylist()[0]["gene"] == "G1"  # most variants first


@pytest.mark.parametrize(("gts", "expected"), [
    (["0/1", "1|1", "./.", "0/0"], [2, 0]),
    (["1/2:5", "2/2:3", "0/2:1", "0|0:9"], [1, 3]),
])
def test_carriers_per_alt(tmp_path, gts, expected):
    rec = "\t".join(["1", "100", ".", "A", "G,T", ".", ".", ".", "GT", *gts])
    variants, _ = read(tmp_path, [rec], samples=["a", "b", "c", "d"])
    assert [r["carriers"] for r in variants.to_pylist()] == expected


@pytest.mark.parametrize(("ids", "lists"), [(["rs1", "rs2"], b"no"),
                                            (["rs1", "rs2;rs3"], b"yes")])
def test_ids_have_a_bloom_filter_and_the_metadata_says_whether_some_are_lists(
        tmp_path, ids, lists):
    import duckdb

    entry = ann("G", "intron_variant", "MODIFIER", "A", "T1")
    records = [f"1\t{100 + i}\t{rs}\tA\tG\t50\tPASS\tANN={entry}" for i, rs in enumerate(ids)]
    path = write_tables(vcf(tmp_path, records), tmp_path, "x").variants_path
    assert pq.ParquetFile(path).metadata.metadata[b"gas.id_lists"] == lists

    def excluded(value: str) -> bool:
        return duckdb.execute("SELECT bool_and(bloom_filter_excludes) FROM parquet_bloom_probe("
                              "$path, 'id', $value)", {"path": str(path), "value": value}
                              ).fetchall()[0][0]

    assert not excluded("rs1") and excluded("rs404")
