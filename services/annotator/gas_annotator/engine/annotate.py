"""annotate_file: stream a VCF, add VC/ANN and known IDs, write the log and summary."""

from __future__ import annotations

import gc
import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np

from ..reference.bundle import ContigIndex, Reference
from ..reference.model import SEVERITY, TERMS
from ..reference.store import default_reference
from . import columns, vcf_columns
from .build_check import BuildCheck, check_build, not_fitting, nothing_annotated
from .choose import Auto, Detected, choose_reference
from .errors import AnnotationError
from .header import PICK_INFO, Header, output_header, read_header
from .limits import Limits, bounded_text_output
from .loader import load_reference
from .records import Records
from .so_terms import TERM_NAMES
from .sources import sources_of
from .summary import Stats, count_log
from .transcript_ann import TranscriptAnnotator
from .variant_class import (
    BASES,
    allele_class,
    allele_span,
    code_points,
    first_changed,
    unannotatable,
)
from .vcf_input import VcfReader

if TYPE_CHECKING:
    from .fast_path import Done, FastPath

log = logging.getLogger(__name__)

# Read about 1 MB of lines at a time; a quarter of that with per-transcript entries, whose
# output is up to ~25 times the input and whose transient strings set the peak memory
# (1 MB batches there: 451 MB RSS on 1M chr21 variants instead of 293, no faster).
BATCH_CHARS = 1 << 20
CACHE_LIMIT = 10_000  # decoded templates kept; cleared when full (keeps memory flat)
MAX_SPAN_INTERVALS = 5_000  # a huge deletion is annotated from this many intervals at most
_INTERGENIC = SEVERITY["intergenic_region"]
_I32 = 2**31 - 1
_UPSTREAM = SEVERITY["upstream_gene_variant"]  # this term and the ones after take a Distance


_BASE_POINTS = code_points("".join(sorted(BASES)))


@dataclass
class AnnotationResult:
    """Where the outputs went and what they say."""

    annot_path: Path
    log_path: Path
    summary_path: Path
    summary: dict
    variants: int


def default_base_name(name: str) -> str:
    """x.vcf, x.vcf.gz, x.txt -> x."""
    for ext in (".gz", ".bgz"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
    stem = Path(name).stem if "." in name.lstrip(".") else name
    return stem or "input"


def annotate_file(input_path: Path, out_dir: Path,
                  reference: Reference | str | Path | Auto | None = None,
                  base_name: str | None = None, progress: Callable[[int], None] | None = None,
                  progress_every: int = 50_000, limits: Limits | None = None
                  ) -> AnnotationResult:
    """Annotate one VCF into out_dir; raises AnnotationError (one line) on bad input.

    reference: a bundle (object, name or folder) to use as told, or Auto/None to use the
    installed bundle of the input's build. Either way an input of another build fails.
    `limits` bounds the expanded input, its header and the annotated output (per tier).
    """
    limits = limits or Limits()
    input_path, out_dir = Path(input_path), Path(out_dir)
    base = base_name or default_base_name(input_path.name)
    annot = out_dir / f"{base}.annot.vcf"
    log_path = out_dir / f"{base}.vcf.count.log"
    summary_path = out_dir / f"{base}.summary.json"
    # A missing bundle fails here, before any output is written.
    fixed = None if isinstance(reference, Auto | None) else (
        reference if isinstance(reference, Reference) else load_reference(reference))
    auto = reference if isinstance(reference, Auto) else Auto()
    ref = fixed or load_reference(auto.default or default_reference())
    out_dir.mkdir(parents=True, exist_ok=True)
    stats = Stats()
    header = Header()
    detected = Detected(None)
    error: str | None = None
    reader: VcfReader | None = None
    stopped: BaseException | None = None
    try:
        reader = VcfReader(input_path, limits)
        header = read_header(reader)
        ref, detected = choose_reference(fixed or auto, header, reader.peek(BATCH_CHARS))
        build = check_build(header, ref)
        stats.warnings.extend(build.warnings)
        with bounded_text_output(annot, limits) as out:
            pick = [PICK_INFO] if ref.has_sequence else []
            out.write(output_header(header, ref.describe(), pick + sources_of(ref).header_lines()
                                    + _contig_lines(header, ref, build, reader)))
            # No reference cycles are made here; the cyclic collector only costs time (~15%).
            was_enabled = gc.isenabled()
            gc.disable()
            try:
                _Annotator(ref, build, header, stats, reader, out, progress, progress_every).run()
            finally:
                if was_enabled:
                    gc.enable()
        if stats.total == 0:
            stats.warnings.append("the input has a header but no variant records")
        elif stats.annotated == 0 and not_fitting(stats):
            error = nothing_annotated(stats, ref)
    except _Stopped as e:  # the progress callback raised (e.g. a time limit): pass it on
        stopped = e.__cause__
        error = f"stopped after {stats.total} records: {stopped}"
    except AnnotationError as e:
        error = str(e)
    except MemoryError:
        error = f"out of memory near line {reader.lineno if reader else 0}"
    except Exception as e:  # a bug must still give the user one line, never a traceback
        log.exception("internal error annotating %s", input_path)
        where = f" near line {reader.lineno}" if reader and reader.lineno else ""
        error = f"internal error{where}: {type(e).__name__}: {e}"
    finally:
        if reader is not None:
            reader.close()
    summary = stats.summary(ref.describe(), input_path.name, header.fileformat,
                            header.samples, error)
    summary["input"].update(build=detected.build, build_evidence=detected.evidence or None)
    _write_outputs(summary, log_path, summary_path)
    if error is not None:
        annot.unlink(missing_ok=True)  # a partial VCF would look like a result
        if stopped is not None:
            raise stopped
        raise AnnotationError(error, log_path=log_path)
    return AnnotationResult(annot, log_path, summary_path, summary, stats.total)


def _contig_lines(header: Header, ref: Reference, build: BuildCheck,
                  reader: VcfReader) -> list[str]:
    """##contig lines from the bundle when the input has none (htslib wants them).

    Named the way the input names its first contig (chr1 or 1); none when the input is
    of another build.
    """
    if build.all_blocked or any(m.startswith("##contig=") for m in header.meta):
        return []
    first = reader.readline()
    if first:
        reader.push_back(first)
    chr_style = first[:3].lower() == "chr"
    out = []
    for c, info in ref.contigs.items():
        if info.get("length") and c not in build.blocked:
            name = ("chrM" if c == "MT" else f"chr{c}") if chr_style else c
            out.append(f"##contig=<ID={name},length={info['length']}>")
    return out


def _write_outputs(summary: dict, log_path: Path, summary_path: Path) -> None:
    log_path.write_text(count_log(summary))
    summary_path.write_text(json.dumps(summary, indent=2) + "\n")


def _not_a_record(first: int, line: int, kind: int, what: int | str) -> str:
    """The one-line error for vcf_columns.parse's problem (first: the batch's first line)."""
    where = f"line {first + line}"
    if kind == vcf_columns.HEADER:
        return f"{where}: a header line ('#...') appears among the variant records"
    if kind == vcf_columns.SHORT:
        return f"{where}: expected at least 8 tab-separated columns, found {what}"
    return f"{where}: POS {str(what)[:30]!r} is not a non-negative integer"


class _Stopped(Exception):
    """Carries an exception raised by the progress callback (its __cause__)."""


class _Annotator:
    """The streaming loop; per-record work is kept small, lookups are done per batch."""

    def __init__(self, ref: Reference, build: BuildCheck, header: Header, stats: Stats,
                 reader: VcfReader, out: TextIO, progress: Callable[[int], None] | None,
                 progress_every: int) -> None:
        self.ref, self.build, self.header, self.stats = ref, build, header, stats
        self.reader, self.out = reader, out
        self.progress, self.every = progress, max(1, progress_every)
        self.cache: dict[int, tuple] = {}
        self.general_only = bool(header.strip_keys) or header.v33
        self.sources = sources_of(ref)
        # per-transcript consequences when the bundle has the genome sequence, most of
        # them per batch (the fast path)
        self.tx: TranscriptAnnotator | None = None
        self.fast: FastPath | None = None
        if ref.has_sequence:
            from .fast_path import FastPath

            self.tx = TranscriptAnnotator(ref)
            self.fast = FastPath(self.tx)

    def run(self) -> None:
        """Read, annotate and write every record, batch by batch."""
        next_report = self.every
        self.out.flush()  # the header; the records go as bytes to the file under it
        sink = self.out.buffer
        # A batch's lines are written by a second thread while the next batch is annotated
        # (the write releases the GIL): one write in flight at most, its error raised here.
        with ThreadPoolExecutor(1, thread_name_prefix="gas-write") as writer:
            written: Future | None = None
            while True:
                first = self.reader.lineno + 1
                text = self.reader.read_block(BATCH_CHARS // 4 if self.tx else BATCH_CHARS)
                if not text:
                    break
                lines = self.batch(text, first)
                if written is not None:
                    written.result()
                written = writer.submit(sink.write, lines)
                if self.progress and self.stats.total >= next_report:
                    try:
                        self.progress(self.stats.total)
                    except Exception as e:
                        raise _Stopped() from e
                    next_report = (self.stats.total // self.every + 1) * self.every
            if written is not None:
                written.result()

    def batch(self, text: str, first: int) -> bytes:
        """One batch of lines (first = line number of the first), annotated: the output
        lines."""
        raw, runs, offsets, problem, recs = vcf_columns.parse(text, bool(self.sources.indexes))
        if problem is not None:
            raise AnnotationError(_not_a_record(first, *problem))
        for contig, a, b in runs:
            part = recs.part(a, b)
            self.stats.total += b - a
            self.stats.by_chromosome[contig] += b - a
            self.contig_run(contig, part)
            recs.put_back(a, part)
        return vcf_columns.write(raw, offsets, recs.ids, recs.info, self.header.v33)

    def contig_run(self, contig: str, recs: Records) -> None:
        """Annotate consecutive records on one contig."""
        pos = recs.pos
        canon = self.ref.contig(contig)
        if canon is None or self.build.is_blocked(canon):
            reason = "unknown contig" if canon is None else "build mismatch"
            if canon is None:
                self.stats.unknown_contigs[contig] += len(recs)
            for k in range(len(recs)):
                self.plain(recs, k, reason)
            return
        ix = self.ref.views(canon)
        starts, tmpl, ianc = ix.starts, ix.tmpl, ix.anc
        tx_index = self.tx.contig_index(canon) if self.tx is not None else None
        if tx_index is not None:
            self.transcript_run(canon, tx_index, recs, ix)
            return
        poslist = pos.tolist()
        rl = recs.ref_len
        # One base past REF too: an insertion after the last REF base touches it.
        last = pos + rl
        # int32 like the index, so that searchsorted does not convert the index each time
        iv_s = np.searchsorted(starts, np.minimum(pos, _I32).astype(np.int32), "right") - 1
        iv_e = np.searchsorted(starts, np.minimum(last, _I32).astype(np.int32), "right") - 1
        np.maximum(iv_s, 0, out=iv_s)
        np.maximum(iv_e, 0, out=iv_e)
        # Records needing the general path get False here.
        fast = iv_s == iv_e
        length = self.ref.length(canon)
        if length:
            fast &= pos <= length
        if self.general_only:
            fast[:] = False
        # Legend: the first two entries of each record's interval, as numbers (entry 1 and
        # entry 2): term code (-1: none, or 3+ entries for term1), feature number, rank
        # number, and the anchor its Distance is measured from (-1: none).
        term1 = ix.term[iv_s]
        off = ianc[iv_s]  # -1 (the spare -1 anchor) when the interval has none
        anchors = self.ref.anchors
        anchor2s = anchors[off + ((term1 >= _UPSTREAM) & (off >= 0))].tolist()
        term1s, term2s = term1.tolist(), ix.term2[iv_s].tolist()
        feat1s, feat2s = ix.feat[iv_s].tolist(), ix.feat2[iv_s].tolist()
        rank1s, rank2s = ix.rank[iv_s].tolist(), ix.rank2[iv_s].tolist()
        anchor1s = anchors[off].tolist()
        tails = self.ref.rank_tails

        stats = self.stats
        by_class = stats.by_class
        features, feature = self.ref.features, self.ref.feature
        term_heads = self.ref.term_heads
        # locals: the loop runs once per record
        bases, upstream, classify = BASES, _UPSTREAM, allele_class
        region_n = [0] * len(TERMS)  # records per most severe term (index = term code)
        snv_pairs: list[str] = []  # REF+ALT of fast-path SNVs, for Ti/Tv
        annotated = 0
        infos = recs.info
        for i, (ref_a, alt, info, ok, term, feat, rank, anchor, p, term2) in enumerate(
                zip(recs.refs, recs.alts, infos, fast.tolist(), term1s, feat1s, rank1s,
                    anchor1s, poslist, term2s, strict=True)):
            if ok:
                multi = False
                if alt in bases and len(ref_a) == 1:  # the common case: an SNV
                    vc = "SNV"
                    snv_pairs.append(ref_a + alt)
                elif "," in alt:
                    ok = alt.replace(",", "").isalpha() and ref_a.isalpha()
                    multi = True
                else:
                    ok = alt.isalpha() and ref_a.isalpha()
                    vc = ""
            if not ok:  # symbolic alleles, boundaries crossed, past the contig end...
                annotated += self.general(recs, i, p, starts, tmpl, ianc,
                                          length is not None and p > length,
                                          int(iv_s[i]) if iv_s[i] == iv_e[i] else -1)
                continue
            if multi:
                vc = self.classes(ref_a, alt)
            elif not vc:
                vc = classify(ref_a, alt)
                by_class[vc] += 1
            if vc != "SNV":  # Distance counts from the first changed base, not the padding
                p = first_changed(p, ref_a, alt.split(",", 1)[0])
            if term >= 0:  # one or two entries: format them from the interval's columns
                sfx = (term_heads[term] + (features.get(feat) or feature(feat)) + tails[rank]
                       + (f"{abs(p - anchor)}|" if term >= upstream and anchor >= 0 else "|"))
                if term2 >= 0:
                    feat2, anchor2 = feat2s[i], anchor2s[i]
                    sfx2 = (term_heads[term2] + (features.get(feat2) or feature(feat2))
                            + tails[rank2s[i]]
                            + (f"{abs(p - anchor2)}|" if term2 >= upstream and anchor2 >= 0
                               else "|"))
                    if not multi:
                        ann = f"{alt}{sfx},{alt}{sfx2}"
                    else:
                        ann = ",".join([f"{x}{sfx},{x}{sfx2}" for x in alt.split(",")])
                elif not multi:
                    ann = alt + sfx
                else:
                    ann = ",".join([x + sfx for x in alt.split(",")])
                region_n[term] += 1  # entries are ordered most severe first
            else:
                suffixes, top = self.entry_suffixes(int(iv_s[i]), p, tmpl, ianc)
                if not multi:
                    ann = alt + ("," + alt).join(suffixes)
                else:
                    ann = ",".join([x + ("," + x).join(suffixes) for x in alt.split(",")])
                region_n[top] += 1
            annotated += 1
            infos[i] = (f"VC={vc};ANN={ann}" if info == "." or not info
                        else f"{info};VC={vc};ANN={ann}")
        self.sources.annotate(canon, recs, stats)
        for pair, n in Counter(snv_pairs).items():
            stats.add_titv(pair, n)
        for term, n in zip(TERMS, region_n, strict=True):
            if n:
                stats.by_region[term] += n
        stats.annotated += annotated
        stats.by_class["SNV"] += len(snv_pairs)

    def transcript_run(self, canon: str, tx_index: tuple, recs: Records, ix: ContigIndex
                       ) -> None:
        """Annotate consecutive records of one contig per transcript (bundle with a genome).

        Lookups are done for the whole batch: the transcript intervals each record's REF
        spans (first..last), the gene-level interval of its POS (intergenic entries) and
        the genome's base at POS (REF check).
        """
        assert self.tx is not None
        length = self.ref.length(canon)
        before = self.tx.ref_mismatches
        pos, refs, alts = recs.pos, recs.refs, recs.alts
        ref_len = recs.ref_len
        snvs = (ref_len == 1) & (recs.alt_len == 1)  # one-letter REF and ALT
        first, last = self.tx.intervals(tx_index, pos, pos + np.maximum(ref_len - 1, 1))
        gene_iv = np.maximum(np.searchsorted(ix.starts, np.minimum(pos, _I32).astype(np.int32),
                                             "right") - 1, 0)
        genome_base = self.tx.genome.bases_at(canon, pos)
        near = self.tx_near(tx_index, first, last)
        stats, by_region = self.stats, self.stats.by_region
        leads = self.info_leads(recs.info)
        assert self.fast is not None
        done = self.fast.annotate(canon, tx_index, recs, first, last, genome_base, length, near,
                                  leads, lambda k: self.classes(refs[k], alts[k]))
        self.count_done(recs, done, snvs)
        rest = np.ones(len(recs), bool)
        rest[done.ks] = False
        if not self.general_only:
            gene_level = rest & ~near
            if length is not None:
                gene_level &= pos <= length
            rest[self.intergenic(recs, leads, np.flatnonzero(gene_level), gene_iv,
                                 genome_base, ix, snvs)] = False
        idx = np.flatnonzero(rest)
        poslist, gene_ivs = pos[idx].tolist(), gene_iv[idx].tolist()
        snv_pairs = []
        infos = recs.info
        for k, p, a, b, g_iv, has_tx in zip(idx.tolist(), poslist, first[idx].tolist(),
                                            last[idx].tolist(), gene_ivs, near[idx].tolist(),
                                            strict=True):
            ref_a, alt, base = refs[k], alts[k], genome_base[k]
            alleles = alt.split(",")
            beyond = length is not None and p > length
            plain = (not beyond and ref_a.isalpha()
                     and all(unannotatable(x) is None for x in alleles))
            rows = self.tx.rows(tx_index, a, b) if plain and has_tx else None
            if rows:
                res = self.tx.annotate(canon, rows, p, ref_a, alleles,
                                       base if len(ref_a) == 1 else None)
            elif plain and not self.general_only:  # intergenic: the gene-level entry
                if len(ref_a) == 1 and base != ref_a.upper() and base != "N":
                    self.tx.ref_mismatches += 1
                if len(ref_a) == 1 and alt in BASES:  # an SNV: no padding base
                    vc, start = "SNV", p
                    snv_pairs.append(ref_a + alt)
                else:
                    vc, start = self.classes(ref_a, alt), first_changed(p, ref_a, alleles[0])
                suffixes, top = self.entry_suffixes(g_iv, start, ix.tmpl, ix.anc)
                ann = ",".join([x + ("," + x).join(suffixes) for x in alleles])
                infos[k] = f"VC={vc};ANN={ann}" if infos[k] in (".", "") else \
                    f"{infos[k]};VC={vc};ANN={ann}"
                by_region[TERMS[top]] += 1
                stats.annotated += 1
                continue
            if res is None:  # symbolic alleles, past the contig end...: the gene-level index
                stats.annotated += self.general(recs, k, p, ix.starts, ix.tmpl, ix.anc, beyond,
                                                -1)
                continue
            anns, picks, top = res
            vc = self.classes(ref_a, alt)
            infos[k] = self.merge_info(infos[k],
                                       f"VC={vc};ANN={','.join(anns)};PICK={','.join(picks)}")
            by_region[TERM_NAMES[top]] += 1
            stats.annotated += 1
        for pair, n in Counter(snv_pairs).items():
            stats.add_titv(pair, n)
        stats.by_class["SNV"] += len(snv_pairs)
        self.sources.annotate(canon, recs, self.stats)
        self.stats.ref_mismatches += self.tx.ref_mismatches - before

    def intergenic(self, recs: Records, leads: list[str], cand: np.ndarray,
                   gene_iv: np.ndarray, genome_base: str, ix: ContigIndex, snvs: np.ndarray
                   ) -> np.ndarray:
        """Records with no transcript in reach, annotated from the gene-level index (one
        ALT, plain bases); returns the ones done. leads: see info_leads."""

        assert self.tx is not None
        stats, pos, all_refs, all_alts = self.stats, recs.pos, recs.refs, recs.alts
        # SNVs (one ASCII letter, ALT a base) at once; the others one by one
        snv, ref_cp, alt_cp = snvs[cand], recs.ref_cp[cand], recs.alt_cp[cand]
        ref_up = np.where((ref_cp >= 97) & (ref_cp <= 122), ref_cp - 32, ref_cp)
        snv &= np.isin(alt_cp, _BASE_POINTS) & (ref_up >= 65) & (ref_up <= 90)
        base = code_points(genome_base)[cand]
        self.tx.ref_mismatches += int(np.count_nonzero(snv & (base != ref_up) & (base != 78)))
        self.count_snvs(ref_cp[snv], alt_cp[snv])
        # what follows each record's lead; + (not an f-string) below: an empty lead gives
        # the constant itself, no new str
        ks, vc_texts = cand[snv].tolist(), ["VC=SNV;ANN="] * int(snv.sum())
        starts = pos[cand[snv]].tolist()
        for k, p in zip(cand[~snv].tolist(), pos[cand[~snv]].tolist(), strict=True):
            ref, alt = all_refs[k], all_alts[k]
            if "," in alt or not ref.isalpha() or unannotatable(alt) is not None:
                continue
            ks.append(k)
            if len(ref) == 1:
                b = genome_base[k]
                if b != ref.upper() and b != "N":
                    self.tx.ref_mismatches += 1
            vc_texts.append(f"VC={self.classes(ref, alt)};ANN=")
            starts.append(first_changed(p, ref, alt))
        if not ks:
            return np.zeros(0, np.int64)
        done = np.array(ks, np.int64)
        iv = gene_iv[done]
        tmpl = ix.tmpl[iv].astype(np.int64)
        # the batch's templates, their entries end to end
        used, which = np.unique(tmpl, return_inverse=True)
        prefixes: list[str] = []
        anchored: list[bool] = []
        count, tops = [], []
        for t in used.tolist():
            _, entries, top, _ = self.cache.get(t) or self.load_template(t)
            prefixes += [pre for pre, _ in entries]
            anchored += [a for _, a in entries]
            count.append(len(entries))
            tops.append(top)
        n_entries = np.array(count, np.int64)[which]
        first_entry = (np.cumsum(count) - count)[which]
        rec = np.repeat(np.arange(len(done)), n_entries)
        group = np.r_[0, np.cumsum(n_entries)]
        entry = np.arange(int(group[-1])) - np.repeat(group[:-1], n_entries) + \
            np.repeat(first_entry, n_entries)
        has = np.array(anchored, bool)[entry]
        before = (np.cumsum(anchored) - anchored)[entry] - np.repeat(
            (np.cumsum(anchored) - anchored)[first_entry], n_entries)
        off = np.asarray(ix.anc)[iv][rec]
        anchor = np.asarray(self.ref.anchors)[np.where(has, off + before, -1)]
        has &= anchor >= 0
        dist = np.abs(np.array(starts, np.int64)[rec] - anchor)
        texts = columns.records(
            group, [leads[k] + vc for k, vc in zip(ks, vc_texts, strict=True)], None,
            columns.pick(all_alts, done[rec]), columns.pick(prefixes, entry),
            columns.text(dist, ~has), "|")
        recs.set_info(ks, texts)
        for top, n in zip(tops, np.bincount(which, minlength=len(tops)).tolist(), strict=True):
            if n:
                stats.by_region[TERMS[top]] += n
        stats.annotated += len(ks)
        return done

    def count_done(self, recs: Records, done: Done, snvs: np.ndarray) -> None:
        """Set the INFO of the records the fast path did and count them."""
        stats = self.stats
        ks = done.ks.tolist()
        recs.set_info(ks, done.texts)
        tops, n = np.unique(done.tops, return_counts=True)
        for top, count in zip(tops.tolist(), n.tolist(), strict=True):
            stats.by_region[TERM_NAMES[top]] += count
        snv = done.ks[snvs[done.ks]]
        self.count_snvs(recs.ref_cp[snv], recs.alt_cp[snv])
        stats.annotated += len(ks)

    def count_snvs(self, ref: np.ndarray, alt: np.ndarray) -> None:
        """Count SNV alleles (REF and ALT as code points) and their Ti/Tv."""
        pairs, n = np.unique((ref << 21) | alt, return_counts=True)
        for pair, count in zip(pairs.tolist(), n.tolist(), strict=True):
            self.stats.add_titv(chr(pair >> 21) + chr(pair & 0x1FFFFF), count)
        self.stats.by_class["SNV"] += len(ref)

    def tx_near(self, tx_index: tuple, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Per record: True when some transcript lies within reach of its REF bases."""
        assert self.tx is not None
        off = self.tx.txi_off
        a = np.maximum(first, 0) + tx_index[1]  # (interval -1, before all, holds none)
        b = last + tx_index[1]
        spans = (b > a) | (off[a + 1] > off[a])
        return (b >= tx_index[1]) & spans

    def classes(self, ref_a: str, alts: str) -> str:
        """VC of a multi-allelic record (all alleles plain bases), counting SNV Ti/Tv."""
        out = []
        for alt in alts.split(","):
            vc = allele_class(ref_a, alt)
            self.stats.by_class[vc] += 1
            if vc == "SNV":
                self.stats.add_titv(ref_a + alt)
            out.append(vc)
        return ",".join(out)

    def entry_suffixes(self, iv: int, p: int, tmpl: np.ndarray, ianc: np.ndarray
                       ) -> tuple[list[str] | tuple[str, ...], int]:
        """ANN entries of interval iv without the allele, and the most severe term's code."""
        t = int(tmpl[iv])
        c = self.cache.get(t) or self.load_template(t)
        fixed, entries, top, n_anchored = c
        if fixed is not None:
            return fixed, top
        return [f"{pre}{abs(p - a) if a >= 0 else ''}|"
                for pre, a in self.interval_entries(iv, t, ianc)], top

    def load_template(self, t: int) -> tuple:
        """(fixed entries or None, entries, top term code, anchored count) of template t, cached."""
        if len(self.cache) >= CACHE_LIMIT:
            self.cache.clear()
        entries, top = self.ref.template(t)
        n_anchored = 0
        for _, a in entries:
            n_anchored += a
        fixed = None if n_anchored else tuple([p + "|" for p, _ in entries])
        c = self.cache[t] = (fixed, entries, top, n_anchored)
        return c

    def interval_entries(self, iv: int, t: int, ianc: np.ndarray) -> Sequence[tuple[str, int]]:
        """(prefix, anchor or -1) entries of interval iv, whose template is t."""
        _, entries, _, n = self.cache.get(t) or self.load_template(t)
        if not n:
            return [(p, -1) for p, _ in entries]
        off = int(ianc[iv])
        anchors = iter(self.ref.anchors[off:off + n].tolist())
        return [(p, next(anchors) if a else -1) for p, a in entries]

    def span_entries(self, starts: np.ndarray, tmpl: np.ndarray, ianc: np.ndarray, s: int,
                     e: int) -> Sequence[tuple[str, int]]:
        """Entries for bases s..e: per gene the most severe term over the intervals touched."""
        a = max(int(np.searchsorted(starts, s, "right")) - 1, 0)
        b = max(int(np.searchsorted(starts, max(e, s), "right")) - 1, 0)
        if a == b:
            return self.interval_entries(a, int(tmpl[a]), ianc)
        best: dict[str, tuple[int, str, int]] = {}
        stop = min(b, a + MAX_SPAN_INTERVALS) + 1
        for iv, t in zip(range(a, stop), tmpl[a:stop].tolist(), strict=True):
            for pre, anchor in self.interval_entries(iv, t, ianc):
                f = pre.split("|", 6)
                sev = SEVERITY[f[1]]
                key = "" if sev == _INTERGENIC else f[4]
                if key not in best or sev < best[key][0]:
                    best[key] = (sev, pre, anchor)
        if len(best) > 1:
            best.pop("", None)
        ranked = sorted(best.values(), key=lambda v: (v[0], v[1]))
        return tuple((pre, anchor) for _, pre, anchor in ranked)

    def general(self, recs: Records, k: int, p: int, starts: np.ndarray, tmpl: np.ndarray,
                ianc: np.ndarray, beyond: bool, whole: int) -> int:
        """Record k, any kind (multi-allelic, indel, symbolic...); whole: REF's interval or
        -1."""
        ref_a = recs.refs[k]
        alts = recs.alts[k].split(",")
        classes = [allele_class(ref_a, a) for a in alts]
        parts: list[str] = []
        reasons: set[str] = set()
        top = len(TERMS)
        for alt, cls in zip(alts, classes, strict=True):
            why = unannotatable(alt)
            if why is None and beyond:
                why = "position beyond the end of the contig (build mismatch?)"
            if why is not None:
                reasons.add(why)
                continue
            self.stats.by_class[cls] += 1
            if cls == "SNV":
                self.stats.add_titv(ref_a + alt)
            s, e = allele_span(p, ref_a, alt)
            if whole >= 0 and e < p + len(ref_a):
                entries = self.interval_entries(whole, int(tmpl[whole]), ianc)
            else:
                entries = self.span_entries(starts, tmpl, ianc, s, e)
            for pre, a in entries:
                first = first_changed(p, ref_a, alt)
                parts.append(f"{alt}{pre}{abs(first - a) if a >= 0 else ''}|")
                top = min(top, SEVERITY[pre.split("|", 2)[1]])
        for cls, alt in zip(classes, alts, strict=True):
            if unannotatable(alt) is not None or beyond:
                self.stats.by_class[cls] += 1
        for why in reasons:
            self.stats.unannotated[why] += 1
        added = "VC=" + ",".join(classes) + (";ANN=" + ",".join(parts) if parts else "")
        recs.info[k] = self.merge_info(recs.info[k], added)
        if parts:
            self.stats.by_region[TERMS[top]] += 1
            return 1
        return 0

    def plain(self, recs: Records, k: int, reason: str) -> None:
        """Record k, which we cannot annotate: VC only, reason counted."""
        ref_a, alts = recs.refs[k], recs.alts[k].split(",")
        classes = [allele_class(ref_a, a) for a in alts]
        for c, alt in zip(classes, alts, strict=True):
            self.stats.by_class[c] += 1
            if c == "SNV":
                self.stats.add_titv(ref_a + alt)
        self.stats.unannotated[reason] += 1
        recs.info[k] = self.merge_info(recs.info[k], "VC=" + ",".join(classes))

    def merge_info(self, info: str, added: str) -> str:
        """INFO with our keys appended (old ANN/VC removed when the input had them)."""
        return self.info_lead(info) + added

    def info_leads(self, infos: list[str]) -> list[str]:
        """info_lead of each INFO."""
        if self.header.strip_keys:
            return [self.info_lead(i) for i in infos]
        return ["" if i == "." or not i else i + ";" for i in infos]

    def info_lead(self, info: str) -> str:
        """What our keys follow in INFO: nothing, or the input's keys (without an old
        ANN/VC) and ';'."""
        if info in (".", ""):
            return ""
        if self.header.strip_keys:
            keep = [kv for kv in info.split(";")
                    if kv.split("=", 1)[0] not in self.header.strip_keys]
            return ";".join(keep) + ";" if keep else ""
        return info + ";"
