# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""A batch of VCF record lines as columns, and back to lines: one pass each, with no list
of fields per record (splitting every line into nine str cost more than a third of the
per-record work).

parse(text) finds each record's fields in the batch's UTF-8 bytes and makes str only of
the columns the annotator reads (CHROM once per run, REF, ALT, INFO, and ID when asked),
with POS and the lengths of REF and ALT as numbers; write() copies the other columns from
those bytes around the new ID and INFO.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_DecodeUTF8, PyUnicode_GET_LENGTH, PyUnicode_READ_CHAR
from libc.string cimport memchr, memcmp, memcpy

import numpy as np

from gas_annotator.engine.utf8_text cimport utf8

from gas_annotator.engine.records import Records

# Columns of parse()'s offsets: where a record's line, ID, "\tREF", QUAL, FILTER and INFO
# start, where INFO ends and where the line ends (all in the batch's bytes). A C enum: as
# Python names, each use in write() was a dictionary lookup.
cdef enum:
    LINE, ID, ID_END, QUAL, FILTER, INFO, INFO_END, END
# parse()'s problems: the first bad line stops it
SHORT, HEADER, BAD_POS = 1, 2, 3
cdef Py_ssize_t MAX_POS_DIGITS = 15


cdef inline str _text(const char* s, Py_ssize_t a, Py_ssize_t b):
    return PyUnicode_DecodeUTF8(s + a, b - a, "surrogateescape")


def parse(str text, bint want_ids):
    """The records of `text` (lines, each ended by a newline but perhaps the last):
    (raw, runs, offsets, problem, records).

    raw: text's bytes; runs: [(CHROM, first record, end)]; offsets: int64 (records, 8),
    see LINE...END; records: a Records (its ids None unless want_ids). Lines with fewer
    than 8 columns and a blank first column are skipped. problem is None, or (line index,
    SHORT | HEADER | BAD_POS, the column count or POS text) for the first line that is
    not a record; the columns then hold the records before it.
    """
    raw = text.encode("utf-8", "surrogateescape")
    cdef const char* s = PyBytes_AS_STRING(raw)
    cdef Py_ssize_t size = PyBytes_GET_SIZE(raw)
    cdef Py_ssize_t n_lines = 0, a = 0, end, x, line = 0, n = 0, run_start = 0
    cdef Py_ssize_t chrom_a = 0, chrom_b = -1, k, tabs
    cdef Py_ssize_t t[8]
    t[7] = 0
    cdef const char* hit
    cdef long long p
    cdef bint blank
    x = 0
    while True:
        hit = <const char*>memchr(s + x, 10, size - x)
        if hit == NULL:
            break
        n_lines += 1
        x = hit - s + 1
    if size and s[size - 1] != 10:
        n_lines += 1  # the last line has no newline
    offsets = np.empty((n_lines, 8), np.int64)
    pos = np.empty(n_lines, np.int64)
    ref_len, alt_len = np.empty(n_lines, np.int64), np.empty(n_lines, np.int64)
    ref_cp, alt_cp = np.empty(n_lines, np.int64), np.empty(n_lines, np.int64)
    cdef long long[:, ::1] off = offsets
    cdef long long[::1] pv = pos
    cdef long long[::1] rl = ref_len
    cdef long long[::1] al = alt_len
    cdef long long[::1] rc = ref_cp
    cdef long long[::1] ac = alt_cp
    cdef str ref, alt
    cdef list refs = [], alts = [], infos = [], runs = []
    cdef list ids = [] if want_ids else None
    problem = None
    while line < n_lines:
        hit = <const char*>memchr(s + a, 10, size - a)
        end = hit - s if hit != NULL else size
        tabs = 0
        x = a
        while tabs < 8:
            hit = <const char*>memchr(s + x, 9, end - x)
            if hit == NULL:
                break
            t[tabs] = hit - s
            x = t[tabs] + 1
            tabs += 1
        if tabs < 7:
            blank = True
            for x in range(a, t[0] if tabs else end):
                if s[x] not in b" \t\r\x0b\x0c":
                    blank = False
                    break
            if not blank:
                problem = (line, HEADER if s[a] == 35 else SHORT, tabs + 1)
                break
        else:
            if s[a] == 35:  # '#'
                problem = (line, HEADER, tabs + 1)
                break
            p = 0
            if t[1] == t[0] + 1 or t[1] - t[0] - 1 > MAX_POS_DIGITS:
                problem = (line, BAD_POS, _text(s, t[0] + 1, t[1]))
                break
            for x in range(t[0] + 1, t[1]):
                if s[x] < 48 or s[x] > 57:
                    p = -1
                    break
                p = p * 10 + (s[x] - 48)
            if p < 0:
                problem = (line, BAD_POS, _text(s, t[0] + 1, t[1]))
                break
            if t[0] - a != chrom_b - chrom_a or memcmp(s + a, s + chrom_a, t[0] - a) != 0:
                if n > run_start:
                    runs[len(runs) - 1] = (runs[len(runs) - 1][0], run_start, n)
                runs.append((_text(s, a, t[0]), n, n))
                run_start, chrom_a, chrom_b = n, a, t[0]
            pv[n] = p
            ref, alt = _text(s, t[2] + 1, t[3]), _text(s, t[3] + 1, t[4])
            refs.append(ref)
            alts.append(alt)
            rl[n], al[n] = PyUnicode_GET_LENGTH(ref), PyUnicode_GET_LENGTH(alt)
            rc[n] = PyUnicode_READ_CHAR(ref, 0) if rl[n] == 1 else 0
            ac[n] = PyUnicode_READ_CHAR(alt, 0) if al[n] == 1 else 0
            k = t[7] if tabs == 8 else end
            infos.append(_text(s, t[6] + 1, k))
            if want_ids:
                ids.append(_text(s, t[1] + 1, t[2]))
            off[n, LINE], off[n, ID], off[n, ID_END], off[n, QUAL] = a, t[1] + 1, t[2], t[4] + 1
            off[n, FILTER], off[n, INFO], off[n, INFO_END], off[n, END] = t[5] + 1, t[6] + 1, k, end
            n += 1
        line += 1
        a = end + 1
    if runs:
        runs[len(runs) - 1] = (runs[len(runs) - 1][0], run_start, n)
    return raw, runs, offsets[:n], problem, Records(
        pos[:n], refs, alts, infos, ids, ref_len[:n], alt_len[:n], ref_cp[:n], alt_cp[:n])


cdef inline Py_ssize_t _put(unsigned char* w, Py_ssize_t k, const char* s,
                            Py_ssize_t size) noexcept:
    """k + size, after copying size bytes from s to w + k (w NULL: only measuring)."""
    if w != NULL:
        memcpy(w + k, s, size)
    return k + size


cdef Py_ssize_t _line(unsigned char* w, const char* s, const long long* o, object vid,
                      object info, bint v33, list keep) except -1:
    """The size of a record's line and newline, written to w unless w is NULL."""
    cdef Py_ssize_t k = 0, size
    cdef const char* text
    if vid is None:
        k = _put(w, k, s + o[LINE], o[QUAL] - o[LINE])
    else:
        k = _put(w, k, s + o[LINE], o[ID] - o[LINE])
        text = utf8(vid, &size, keep)
        k = _put(w, k, text, size)
        k = _put(w, k, s + o[ID_END], o[QUAL] - o[ID_END])
    if v33 and o[FILTER] - o[QUAL] == 3 and memcmp(s + o[QUAL], b"-1", 2) == 0:
        k = _put(w, k, ".\t", 2)
    else:
        k = _put(w, k, s + o[QUAL], o[FILTER] - o[QUAL])
    if v33 and o[INFO] - o[FILTER] == 2 and s[o[FILTER]] == 48:  # '0'
        k = _put(w, k, "PASS\t", 5)
    else:
        k = _put(w, k, s + o[FILTER], o[INFO] - o[FILTER])
    text = utf8(info, &size, keep)
    k = _put(w, k, text, size)
    k = _put(w, k, s + o[INFO_END], o[END] - o[INFO_END])
    return _put(w, k, "\n", 1)


def write(bytes raw, const long long[:, ::1] offsets, list ids, list infos, bint v33):
    """The records' lines as bytes, each ended by a newline: their columns from raw, with
    ids[i] (when ids is not None and it is not None) as ID and infos[i] as INFO. v33:
    write VCFv3.3's missing QUAL -1 as '.' and its PASS filter 0 as PASS.

    Two passes, measuring then writing into the bytes object returned: no buffer grown
    and copied again (the lines are ~10 times the input's with per-transcript entries)."""
    cdef const char* s = PyBytes_AS_STRING(raw)
    cdef Py_ssize_t n = offsets.shape[0], i, total = 0
    cdef list keep = []
    cdef unsigned char* w
    if len(infos) != n or (ids is not None and len(ids) != n):
        raise ValueError("one ID and one INFO per record")
    for i in range(n):
        total += _line(NULL, s, &offsets[i, 0], ids[i] if ids is not None else None,
                       infos[i], v33, keep)
    out = PyBytes_FromStringAndSize(NULL, total)
    w = <unsigned char*>PyBytes_AS_STRING(out)
    keep.clear()
    for i in range(n):
        w += _line(w, s, &offsets[i, 0], ids[i] if ids is not None else None, infos[i],
                   v33, keep)
    return out
