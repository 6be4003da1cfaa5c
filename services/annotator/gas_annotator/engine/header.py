"""Read the input VCF header (v3.3 to v4.3) and write the annotated VCF 4.2 header."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import AnnotationError
from .vcf_input import VcfReader

COLUMNS = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
ANN_FIELDS = ("Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | "
              "Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length "
              "| CDS.pos / CDS.length | AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO")
ADDED_INFO = (
    '##INFO=<ID=VC,Number=A,Type=String,Description="Variant class of each ALT allele: SNV, '
    'MNV, insertion, deletion, complex or symbolic (GAS)">',
    f'##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: \'{ANN_FIELDS}\' '
    '(GAS; one entry per ALT allele and gene)">',
)
PICK_INFO = ('##INFO=<ID=PICK,Number=A,Type=String,Description="Per ALT allele, the Feature_ID '
             'of the ANN entry to show when only one is wanted: MANE Select, else Ensembl '
             'canonical, else the longest CDS; . when none (GAS)">')
_V33 = re.compile(r'^##(INFO|FORMAT)=([^<,][^,]*),([^,]+),([^,]+),"?(.*?)"?\s*$')
_V33_FILTER = re.compile(r'^##FILTER=([^<,][^,]*),"?(.*?)"?\s*$')
_CONTIG = re.compile(r"^##contig=<(.*)>\s*$")
_REFERENCE = re.compile(r"(?:^##reference=|^##assembly=|reference_sequence=|\breference=)"
                        r"([^\s,\">]+)", re.I)


@dataclass
class Header:
    """What the engine needs from the input header."""

    fileformat: str = ""
    meta: list[str] = field(default_factory=list)  # '##' lines to copy (converted, no newline)
    columns: list[str] = field(default_factory=list)
    contig_lengths: dict[str, int] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)  # ##reference and assembly values
    strip_keys: set[str] = field(default_factory=set)  # INFO keys we replace (ANN, VC)

    @property
    def v33(self) -> bool:
        """True for the old VCFv3.3 layout (QUAL -1 = missing, FILTER 0 = PASS)."""
        return self.fileformat.startswith("VCFv3")

    @property
    def samples(self) -> int:
        """Number of sample columns."""
        return max(0, len(self.columns) - 9)


def _convert_v33(line: str) -> str:
    m = _V33.match(line)
    if m:
        kind, ident, number, typ, desc = m.groups()
        number = "." if number.strip() in ("-1", ".") else number.strip()
        desc = desc.replace('"', "'")
        return f'##{kind}=<ID={ident.strip()},Number={number},Type={typ.strip()},' \
               f'Description="{desc}">'
    m = _V33_FILTER.match(line)
    if m:
        return f'##FILTER=<ID={m.group(1).strip()},Description="{m.group(2)}">'
    return line


def _info_id(line: str) -> str | None:
    if line.startswith("##INFO=<"):
        m = re.search(r"[<,]ID=([^,>]+)", line)
        return m.group(1) if m else None
    return None


def read_header(reader: VcfReader) -> Header:
    """Consume header lines up to and including #CHROM; raise AnnotationError if not a VCF."""
    h = Header()
    bound = reader.limits.header_bytes
    size = 0

    def next_line() -> str:
        # Read no more than the header may still hold, so one huge line cannot fill memory.
        nonlocal size
        line = reader.readline(-1 if bound is None else bound - size + 1)
        size += len(line)
        if bound is not None and size > bound:
            raise reader.limits.header_error()
        return line

    first = next_line()
    if not first:
        raise AnnotationError("the input is empty (0 bytes of VCF text)")
    line = first
    while line:
        if "\x00" in line:
            raise AnnotationError(f"line {reader.lineno}: the input is not a VCF file "
                                  "(binary data found)")
        text = line.rstrip("\r\n")
        if reader.lineno == 1 and not text.startswith(("##fileformat=VCF", "#CHROM")):
            raise AnnotationError("line 1: the input is not a VCF file (it must start with "
                                  f"'##fileformat=VCF...', found {text[:40]!r})")
        if text.startswith("##"):
            if text.startswith("##fileformat="):
                h.fileformat = text.split("=", 1)[1].strip()
            else:
                _meta_line(h, text)
        elif text.startswith("#"):
            cols = text.split("\t")
            if [c.upper() for c in cols[:8]] != COLUMNS:
                raise AnnotationError(
                    f"line {reader.lineno}: the column header must be the tab-separated "
                    f"'#CHROM POS ID REF ALT QUAL FILTER INFO', found {text[:60]!r}")
            h.columns = cols
            return h
        elif text.strip():
            raise AnnotationError(f"line {reader.lineno}: a data line comes before the "
                                  "'#CHROM' column header; the input is not a valid VCF")
        line = next_line()
    raise AnnotationError(f"the input ends after line {reader.lineno} without the '#CHROM' "
                          "column header; it is not a valid VCF")


def _meta_line(h: Header, text: str) -> None:
    if h.v33:
        text = _convert_v33(text)
    ident = _info_id(text)
    if ident is not None and (ident in ("ANN", "VC", "PICK") or ident.startswith("GAS_")):
        h.strip_keys.add(ident)  # ours: written anew
        return
    m = _CONTIG.match(text)
    if m:
        attrs = dict(re.findall(r'([A-Za-z_]+)=("[^"]*"|[^,]*)', m.group(1)))
        if attrs.get("length", "").isdigit() and attrs.get("ID"):
            h.contig_lengths[attrs["ID"]] = int(attrs["length"])
        if attrs.get("assembly"):
            h.references.append(attrs["assembly"].strip('"'))
    if not text.startswith(("##INFO", "##FORMAT", "##FILTER", "##ALT", "##contig")):
        h.references.extend(r.group(1) for r in _REFERENCE.finditer(text))
    h.meta.append(text)


def output_header(h: Header, reference: dict, extra: list[str]) -> str:
    """The annotated file's header text, ending with the #CHROM line and a newline."""
    lines = ["##fileformat=VCFv4.2", *h.meta, *ADDED_INFO,
             f"##GAS_reference=<Name={reference['name']},Build={reference['build'] or '.'},"
             f"Version={reference['version'] or '.'}>", *extra, "\t".join(h.columns)]
    return "\n".join(lines) + "\n"
