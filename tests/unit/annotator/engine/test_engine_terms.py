"""Every SO term on both strands, against hand-checked positions of the generated GTF."""

from __future__ import annotations

import pytest

# (contig, POS, REF, ALT) -> (term, gene, transcript, rank, distance); see conftest's layout.
CASES = [
    # GENEA, + strand
    ("chr1", 500, "A", "G", "upstream_gene_variant", "GENEA", "TXA1", "", "501"),
    ("chr1", 1000, "A", "G", "upstream_gene_variant", "GENEA", "TXA1", "", "1"),
    # indels: Distance from the first changed base (501), not the padding base (500)
    ("chr1", 500, "AC", "A", "upstream_gene_variant", "GENEA", "TXA1", "", "500"),
    ("chr1", 500, "A", "AT", "upstream_gene_variant", "GENEA", "TXA1", "", "500"),
    ("chr1", 1020, "A", "G", "5_prime_UTR_variant", "GENEA", "TXA1", "1/3", ""),
    ("chr1", 1060, "C", "A", "coding_sequence_variant", "GENEA", "TXA1", "1/3", ""),
    ("chr1", 1097, "A", "G", "coding_sequence_variant", "GENEA", "TXA1", "1/3", ""),
    ("chr1", 1098, "A", "G", "splice_region_variant", "GENEA", "TXA1", "1/3", ""),
    ("chr1", 1100, "A", "G", "splice_region_variant", "GENEA", "TXA1", "1/3", ""),
    ("chr1", 1101, "G", "A", "splice_donor_variant", "GENEA", "TXA1", "1/2", ""),
    ("chr1", 1102, "T", "A", "splice_donor_variant", "GENEA", "TXA1", "1/2", ""),
    ("chr1", 1103, "A", "G", "splice_region_variant", "GENEA", "TXA1", "1/2", ""),
    ("chr1", 1108, "A", "G", "splice_region_variant", "GENEA", "TXA1", "1/2", ""),
    ("chr1", 1109, "A", "G", "intron_variant", "GENEA", "TXA1", "1/2", ""),
    ("chr1", 1500, "A", "G", "intron_variant", "GENEA", "TXA1", "1/2", ""),
    ("chr1", 1992, "A", "G", "intron_variant", "GENEA", "TXA1", "1/2", ""),
    ("chr1", 1993, "A", "G", "splice_region_variant", "GENEA", "TXA1", "1/2", ""),
    ("chr1", 1998, "A", "G", "splice_region_variant", "GENEA", "TXA1", "1/2", ""),
    ("chr1", 1999, "A", "G", "splice_acceptor_variant", "GENEA", "TXA1", "1/2", ""),
    ("chr1", 2000, "G", "A", "splice_acceptor_variant", "GENEA", "TXA1", "1/2", ""),
    ("chr1", 2001, "A", "G", "splice_region_variant", "GENEA", "TXA1", "2/3", ""),
    ("chr1", 2003, "A", "G", "splice_region_variant", "GENEA", "TXA1", "2/3", ""),
    ("chr1", 2004, "A", "G", "coding_sequence_variant", "GENEA", "TXA1", "2/3", ""),
    # intron of TXA2 but coding in TXA1: one entry for the gene, the most severe
    ("chr1", 2100, "C", "T", "coding_sequence_variant", "GENEA", "TXA1", "2/3", ""),
    ("chr1", 2201, "G", "A", "splice_donor_variant", "GENEA", "TXA1", "2/2", ""),
    ("chr1", 3000, "G", "A", "splice_acceptor_variant", "GENEA", "TXA1", "2/2", ""),
    ("chr1", 3103, "A", "G", "coding_sequence_variant", "GENEA", "TXA1", "3/3", ""),
    ("chr1", 3104, "A", "G", "3_prime_UTR_variant", "GENEA", "TXA1", "3/3", ""),
    ("chr1", 3300, "A", "G", "3_prime_UTR_variant", "GENEA", "TXA1", "3/3", ""),
    ("chr1", 3301, "A", "G", "downstream_gene_variant", "GENEA", "TXA1", "", "1"),
    ("chr1", 8300, "A", "G", "downstream_gene_variant", "GENEA", "TXA1", "", "5000"),
    # intergenic between GENEA (ends 3300) and GENEB (starts 20001): nearest gene distance
    ("chr1", 8301, "A", "G", "intergenic_region", "GENEA-GENEB", "ENSG_A-ENSG_B", "", "5001"),
    ("chr1", 11650, "A", "G", "intergenic_region", "GENEA-GENEB", "ENSG_A-ENSG_B", "", "8350"),
    ("chr1", 11651, "A", "G", "intergenic_region", "GENEA-GENEB", "ENSG_A-ENSG_B", "", "8350"),
    ("chr1", 12000, "A", "G", "intergenic_region", "GENEA-GENEB", "ENSG_A-ENSG_B", "", "8001"),
    # GENEB, - strand: downstream is to the left, exon 1 and the 5' UTR to the right
    ("chr1", 15001, "A", "G", "downstream_gene_variant", "GENEB", "TXB1", "", "5000"),
    ("chr1", 19999, "A", "G", "downstream_gene_variant", "GENEB", "TXB1", "", "2"),
    ("chr1", 20100, "A", "G", "3_prime_UTR_variant", "GENEB", "TXB1", "3/3", ""),
    ("chr1", 20197, "A", "G", "3_prime_UTR_variant", "GENEB", "TXB1", "3/3", ""),
    ("chr1", 20198, "A", "G", "coding_sequence_variant", "GENEB", "TXB1", "3/3", ""),
    ("chr1", 20298, "A", "G", "splice_region_variant", "GENEB", "TXB1", "3/3", ""),
    ("chr1", 20301, "A", "G", "splice_acceptor_variant", "GENEB", "TXB1", "2/2", ""),
    ("chr1", 20302, "A", "G", "splice_acceptor_variant", "GENEB", "TXB1", "2/2", ""),
    ("chr1", 20305, "A", "G", "splice_region_variant", "GENEB", "TXB1", "2/2", ""),
    ("chr1", 20600, "A", "G", "intron_variant", "GENEB", "TXB1", "2/2", ""),
    ("chr1", 20999, "A", "G", "splice_donor_variant", "GENEB", "TXB1", "2/2", ""),
    ("chr1", 21000, "A", "G", "splice_donor_variant", "GENEB", "TXB1", "2/2", ""),
    ("chr1", 21050, "A", "G", "coding_sequence_variant", "GENEB", "TXB1", "2/3", ""),
    ("chr1", 21101, "A", "G", "splice_acceptor_variant", "GENEB", "TXB1", "1/2", ""),
    ("chr1", 21500, "A", "G", "intron_variant", "GENEB", "TXB1", "1/2", ""),
    ("chr1", 21999, "A", "G", "splice_donor_variant", "GENEB", "TXB1", "1/2", ""),
    ("chr1", 22001, "A", "G", "splice_region_variant", "GENEB", "TXB1", "1/3", ""),
    ("chr1", 22050, "A", "G", "coding_sequence_variant", "GENEB", "TXB1", "1/3", ""),
    ("chr1", 22101, "A", "G", "5_prime_UTR_variant", "GENEB", "TXB1", "1/3", ""),
    ("chr1", 22400, "A", "G", "5_prime_UTR_variant", "GENEB", "TXB1", "1/3", ""),
    ("chr1", 22401, "A", "G", "upstream_gene_variant", "GENEB", "TXB1", "", "1"),
    ("chr1", 27400, "A", "G", "upstream_gene_variant", "GENEB", "TXB1", "", "5000"),
    ("chr1", 30000, "A", "G", "intergenic_region", "GENEB-GENEC", "ENSG_B-ENSG_C", "", "7600"),
    ("chr1", 33000, "A", "G", "intergenic_region", "GENEB-GENEC", "ENSG_B-ENSG_C", "", "7001"),
    # GENEC, non-coding, + strand
    ("chr1", 35001, "A", "G", "upstream_gene_variant", "GENEC", "TXC1", "", "5000"),
    ("chr1", 40050, "A", "G", "non_coding_transcript_exon_variant", "GENEC", "TXC1", "1/2", ""),
    ("chr1", 40101, "A", "G", "splice_donor_variant", "GENEC", "TXC1", "1/1", ""),
    ("chr1", 40300, "A", "G", "intron_variant", "GENEC", "TXC1", "1/1", ""),
    ("chr1", 40500, "A", "G", "splice_acceptor_variant", "GENEC", "TXC1", "1/1", ""),
    ("chr1", 40550, "A", "G", "non_coding_transcript_exon_variant", "GENEC", "TXC1", "2/2", ""),
    ("chr1", 40601, "A", "G", "downstream_gene_variant", "GENEC", "TXC1", "", "1"),
    ("chr1", 50000, "A", "G", "intergenic_region", "GENEC", "ENSG_C", "", "9400"),
    # contig aliases: '1' for chr1, 'MT' and 'M' for chrM
    ("1", 1060, "C", "A", "coding_sequence_variant", "GENEA", "TXA1", "1/3", ""),
    ("MT", 3308, "A", "G", "coding_sequence_variant", "MT-ND1", "TXND1", "1/1", ""),
    ("M", 4000, "A", "G", "coding_sequence_variant", "MT-ND1", "TXND1", "1/1", ""),
    ("chrM", 3000, "A", "G", "upstream_gene_variant", "MT-ND1", "TXND1", "", "307"),
]


@pytest.mark.parametrize(("contig", "pos", "ref", "alt", "term", "gene", "feature", "rank",
                          "distance"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_term(vcf, run, contig, pos, ref, alt, term, gene, feature, rank, distance) -> None:
    r = run(vcf(f"{contig} {pos} . {ref} {alt} . . ."))
    entries = r.ann(0)
    assert len(entries) == 1, entries
    e = entries[0]
    assert len(e) == 16
    assert e[0] == alt
    assert e[1] == term
    assert e[3] == gene
    assert e[6] == feature
    assert e[8] == rank
    assert e[14] == distance
    impact = {"splice_donor_variant": "HIGH", "splice_acceptor_variant": "HIGH",
              "splice_region_variant": "LOW"}.get(term, "MODIFIER")
    assert e[2] == impact


def test_ann_fields_of_a_coding_entry(vcf, run) -> None:
    r = run(vcf("chr1 2100 . C T . . DP=4"))
    assert r.records[0][7] == ("DP=4;VC=SNV;ANN=T|coding_sequence_variant|MODIFIER|GENEA|ENSG_A|"
                               "transcript|TXA1|protein_coding|2/3|||||||")


def test_overlapping_genes_give_one_entry_each(vcf, run) -> None:
    r = run(vcf("chr2 1700 . A T . . ."))
    got = [(e[1], e[3], e[6], e[7]) for e in r.ann(0)]
    assert got == [("non_coding_transcript_exon_variant", "GENEE", "TXE1", "lncRNA"),
                   ("non_coding_transcript_exon_variant", "GENEF", "TXF1", "miRNA")]


def test_upstream_of_one_gene_downstream_of_another(vcf, run) -> None:
    # chr2:3000 is 500 bases past GENEF's 5' end (- strand, upstream) and 1000 past GENEE's 3'.
    r = run(vcf("chr2 3000 . A T . . ."))
    got = [(e[1], e[3], e[14]) for e in r.ann(0)]
    assert got == [("upstream_gene_variant", "GENEF", "500"),
                   ("downstream_gene_variant", "GENEE", "1000")]


def test_multi_allelic_one_entry_per_allele_and_gene(vcf, run) -> None:
    r = run(vcf("chr1 1500 . A G,AT,<DEL> . . .", "chr2 1700 . A T,C . . ."))
    assert r.info(0)["VC"] == "SNV,insertion,symbolic"
    assert [(e[0], e[1]) for e in r.ann(0)] == [("G", "intron_variant"),
                                                ("AT", "intron_variant")]
    assert [(e[0], e[3]) for e in r.ann(1)] == [("T", "GENEE"), ("T", "GENEF"),
                                                ("C", "GENEE"), ("C", "GENEF")]


@pytest.mark.parametrize(("record", "term", "rank"), [
    # deletes 1099-1103: last exon bases and the donor site -> the donor wins (+ strand)
    ("chr1 1098 . ACGTAC A", "splice_donor_variant", "1/2"),
    # deletes 2998-3004: intron end, acceptor, first bases of exon 3
    ("chr1 2997 . AACGTACG A", "splice_acceptor_variant", "2/2"),
    # - strand: deletes 20999-21002, the donor of intron 2 and the start of exon 2
    ("chr1 20998 . ACGTA A", "splice_donor_variant", "2/2"),
    # insertion between 1100 (exon) and 1101 (intron) touches the donor
    ("chr1 1100 . A AT", "splice_donor_variant", "1/2"),
    # deletion from the coding exon into the 3' UTR: still one coding entry
    ("chr1 3100 . ACGTAC A", "coding_sequence_variant", "3/3"),
    # deletion from downstream into intergenic: the gene entry, no intergenic one
    ("chr1 8290 . AAAAAAAAAAAAAAAAAAAAA A", "downstream_gene_variant", ""),
])
def test_indels_crossing_boundaries(vcf, run, record, term, rank) -> None:
    r = run(vcf(record + " . . ."))
    entries = r.ann(0)
    assert [(e[1], e[8]) for e in entries] == [(term, rank)]


def test_mnv_and_complex_classes(vcf, run) -> None:
    r = run(vcf("chr1 1500 . AC GT . . .", "chr1 1500 . ACG T . . .", "chr1 1500 . ACG A . . .",
                "chr1 1500 . A ACG . . .", "chr1 1500 . A G . . .",
                "chr1 1500 . ACG ATG . . ."))
    assert [r.info(i)["VC"] for i in range(6)] == ["MNV", "complex", "deletion", "insertion",
                                                   "SNV", "SNV"]
    assert r.result.summary["by_class"] == {"SNV": 2, "MNV": 1, "complex": 1, "deletion": 1,
                                            "insertion": 1}


def test_contig_without_genes_is_intergenic_without_distance(vcf, run) -> None:
    # chr3 is in the GRCh38-labelled test bundle (a known length) but has no genes
    r = run(vcf("chr3 5000 . A G . . .", "chr1 50000 . A G . . ."))
    assert [(e[1], e[3], e[14]) for e in r.ann(0)] == [("intergenic_region", "", "")]
    assert r.ann(1)[0][14] == "9400"


def test_second_entry_takes_the_distance(vcf, run) -> None:
    # chr2:1200 is in GENEE's exon and 301 bases from GENEF's 3' end (- strand: downstream)
    r = run(vcf("chr2 1200 . A T . . .", "chr2 1200 . A T,G . . ."))
    want = [("non_coding_transcript_exon_variant", "GENEE", ""),
            ("downstream_gene_variant", "GENEF", "301")]
    assert [(e[1], e[3], e[14]) for e in r.ann(0)] == want
    assert [(e[0], e[1], e[14]) for e in r.ann(1)] == [("T", t, d) for t, _, d in want] + \
        [("G", t, d) for t, _, d in want]
