# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Codons to amino acids in one compiled loop: the per-variant protein work (a frameshift
reads on until the new frame stops) translates a few dozen codons at a time, where
numpy's per-call cost was most of the time."""

from cpython.unicode cimport PyUnicode_DecodeASCII
from libc.stdlib cimport free, malloc


cdef inline int _base(Py_UCS4 c) noexcept:
    """Index of an uppercase base in TCAG order; 4 for any other character."""
    if c == 84:  # T
        return 0
    if c == 67:  # C
        return 1
    if c == 65:  # A
        return 2
    if c == 71:  # G
        return 3
    return 4


def translate(str seq, const unsigned char[::1] table, bint to_stop):
    """The amino acids (ASCII) of seq's whole codons: table[16 * a + 4 * b + c] for bases
    a, b, c in TCAG order, table[64] for a codon with another character; with to_stop,
    up to and including the first '*'."""
    cdef Py_ssize_t n = len(seq) // 3, i, j = 0
    cdef int a, b, c
    cdef unsigned char aa
    cdef char* out = <char*>malloc(n + 1)
    if table.shape[0] != 65:
        free(out)
        raise ValueError("a codon table has 64 amino acids and the one for other codons")
    if out == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            a, b, c = _base(seq[3 * i]), _base(seq[3 * i + 1]), _base(seq[3 * i + 2])
            aa = table[64] if a == 4 or b == 4 or c == 4 else table[16 * a + 4 * b + c]
            out[j] = <char>aa
            j += 1
            if to_stop and aa == 42:  # '*'
                break
        return PyUnicode_DecodeASCII(out, j, NULL)
    finally:
        free(out)
