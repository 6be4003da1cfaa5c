# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The annotator's compiled entry writer: many ANN entries in one pass (records, the core
of columns.py), and the text tables its PICK pieces read (table).

records(starts, pieces) writes entry after entry into one growing buffer, each entry
piece after piece, and cuts the buffer into one str per record. A piece is one of:
  (TEXT, bytes)                           the same text in every entry
  (PICK, index, blob, offsets)            blob[offsets[index[i]]:offsets[index[i] + 1]]
  (NUMBER, values, absent or None)        values[i] in decimal, nothing where absent[i]
columns.py makes them; index, values and absent have one item per entry, and every text
and blob ends with PAD more bytes.
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

from gas_annotator.engine.utf8_text cimport utf8

import numpy as np

TEXT, PICK, NUMBER = 0, 1, 2
PAD = 8  # bytes after each TEXT text and PICK blob (any value): see _copy

cdef struct Piece:
    int kind
    const unsigned char* text  # TEXT: the bytes; PICK: the table's blob
    long long size  # TEXT: its length; PICK: items in the table
    const long long* at  # PICK: index; NUMBER: values
    const long long* offsets  # PICK: the table's bounds
    const unsigned char* absent  # NUMBER: NULL, or 1 where nothing is written
    long long most  # the most bytes one entry's piece writes, with _copy's overrun


cdef int _fill(Piece* p, object spec, Py_ssize_t n) except -1:
    """p from one piece tuple (its arrays stay alive in `spec`)."""
    cdef const unsigned char[::1] text
    cdef const long long[::1] at
    cdef const long long[::1] offsets
    cdef const unsigned char[::1] absent
    cdef Py_ssize_t j
    p.kind = spec[0]
    p.absent = NULL
    if p.kind == 0:
        text = spec[1]
        if text.shape[0] < PAD:
            raise ValueError("a text lacks its padding")
        p.size = text.shape[0] - PAD
        p.text = &text[0]
        p.most = p.size + PAD
        return 0
    at = spec[1]
    if at.shape[0] != n:
        raise ValueError(f"a piece has {at.shape[0]} items for {n} entries")
    p.at = &at[0] if n else NULL
    if p.kind == 1:
        text, offsets = spec[2], spec[3]
        p.text, p.offsets, p.size = &text[0], &offsets[0], offsets.shape[0] - 1
        if offsets[p.size] + PAD > text.shape[0] or offsets[0] < 0:
            raise ValueError("a table's bounds pass its text and padding")
        p.most = PAD
        for j in range(p.size):
            if offsets[j + 1] < offsets[j]:
                raise ValueError("a table's bounds go backwards")
            if offsets[j + 1] - offsets[j] + PAD > p.most:
                p.most = offsets[j + 1] - offsets[j] + PAD
        return 0
    if p.kind != 2:
        raise ValueError(f"unknown piece kind {p.kind}")
    if spec[2] is not None:
        absent = spec[2]
        if absent.shape[0] != n:
            raise ValueError(f"a piece's mask has {absent.shape[0]} items for {n} entries")
        p.absent = &absent[0] if n else NULL
    p.most = 20  # -9223372036854775808
    return 0


cdef inline unsigned char* _copy(unsigned char* w, const unsigned char* s,
                                 long long k) noexcept nogil:
    """k bytes from s to w, 8 at a time: up to 7 more are read (texts are padded with
    PAD bytes) and written (the buffer keeps room), which is faster than memcpy's
    variable-size call on these short texts."""
    cdef long long t = 0
    while t < k:
        memcpy(w + t, s + t, 8)
        t += 8
    return w + k


cdef inline unsigned char* _number(unsigned char* w, long long v) noexcept nogil:
    cdef unsigned char digits[20]
    cdef int k = 0
    cdef unsigned long long u
    if v < 0:
        w[0] = 45  # '-'
        w += 1
        u = <unsigned long long>(-(v + 1)) + 1
    else:
        u = <unsigned long long>v
    while True:
        digits[k] = 48 + <unsigned char>(u % 10)
        k += 1
        u //= 10
        if u == 0:
            break
    while k:
        k -= 1
        w[0] = digits[k]
        w += 1
    return w


def records(const long long[::1] starts, list pieces):
    """One str per record g: its entries starts[g]..starts[g + 1] - 1, each the
    concatenation of its pieces (see the module's doc), decoded from UTF-8 with
    surrogateescape (as the input is read)."""
    cdef Py_ssize_t g, m = len(pieces), n_groups = starts.shape[0] - 1
    cdef Py_ssize_t i, q, n = starts[n_groups] if n_groups >= 0 else 0
    cdef Piece* ps = <Piece*>malloc(max(m, 1) * sizeof(Piece))
    cdef unsigned char* buf = NULL
    cdef unsigned char* grown
    cdef unsigned char* w
    cdef long long cap, used, j, a, most = 0
    cdef long long* cuts = NULL
    cdef Piece* p
    if ps == NULL:
        raise MemoryError()
    try:
        for q in range(m):
            _fill(&ps[q], pieces[q], n)
            most += ps[q].most
        for g in range(n_groups):
            if starts[g + 1] < starts[g] or starts[g] < 0:
                raise ValueError("entry starts go backwards")
        # grown when an entry might not fit: no pass to size the entries first
        cap = n * 96 + most
        buf = <unsigned char*>malloc(cap)
        cuts = <long long*>malloc((n_groups + 1) * sizeof(long long))
        if buf == NULL or cuts == NULL:
            raise MemoryError()
        w = buf
        for g in range(n_groups):
            cuts[g] = w - buf
            for i in range(starts[g], starts[g + 1]):
                if buf + cap - w < most:
                    used = w - buf
                    cap = 2 * cap + most
                    grown = <unsigned char*>realloc(buf, cap)
                    if grown == NULL:
                        raise MemoryError()
                    buf, w = grown, grown + used
                for q in range(m):
                    p = &ps[q]
                    if p.kind == 0:
                        w = _copy(w, p.text, p.size)
                    elif p.kind == 1:
                        j = p.at[i]
                        if j < 0 or j >= p.size:
                            raise IndexError(f"table index {j} out of range 0..{p.size - 1}")
                        a = p.offsets[j]
                        w = _copy(w, p.text + a, p.offsets[j + 1] - a)
                    elif p.absent == NULL or not p.absent[i]:
                        w = _number(w, p.at[i])
        used = w - buf
        cuts[n_groups] = used
        texts = [None] * n_groups
        for g in range(n_groups):
            texts[g] = PyUnicode_DecodeUTF8(<const char*>buf + cuts[g], cuts[g + 1] - cuts[g],
                                            "surrogateescape")
        return texts
    finally:
        free(ps)
        free(buf)
        free(cuts)


def table(object texts):
    """(blob, offsets) for a PICK piece: the texts' UTF-8 bytes end to end and PAD zero
    bytes (uint8), and their len(texts) + 1 bounds (int64)."""
    cdef list items = texts if type(texts) is list else list(texts)
    cdef Py_ssize_t n = len(items), i, size
    cdef list keep = []
    offsets = np.empty(n + 1, np.int64)
    cdef long long[::1] off = offsets
    off[0] = 0
    for i in range(n):
        utf8(items[i], &size, keep)
        off[i + 1] = off[i] + size
    blob = np.empty(off[n] + PAD, np.uint8)
    cdef unsigned char[::1] out = blob
    cdef const char* field
    keep.clear()
    for i in range(n):
        field = utf8(items[i], &size, keep)
        memcpy(&out[off[i]], field, size)
    for i in range(PAD):
        out[off[n] + i] = 0
    return blob, offsets
