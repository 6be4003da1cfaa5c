# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The compiled core of fast_path.place: where each (transcript, base) pair falls.

One loop over the pairs instead of some forty numpy passes over them. fast_path.place
documents the rules and gives the constants (pair kinds, edges), so they live in one
place; tests/unit/annotator/engine/test_fast_path.py compares the fast path, which uses
this, with consequence.py on random transcripts.
"""

import numpy as np

cdef enum:
    N_CONSTS = 14  # fast_path's pair kinds and distances, in its order (fast_path._PLACING)


cdef inline long long _exon_before(const long long[::1] es, long long lo, long long hi,
                                   long long p) noexcept nogil:
    """The last index j in lo..hi - 1 with es[j] <= p, or lo - 1."""
    cdef long long mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if es[mid] <= p:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


def place(const long long[::1] t, const long long[::1] p,
          const unsigned char[::1] plus_, const long long[::1] start,
          const long long[::1] end, const long long[::1] nexon, const long long[::1] length,
          const long long[::1] c1_, const long long[::1] c2_,
          const unsigned char[::1] coding_, const long long[::1] base,
          const long long[::1] es, const long long[::1] ee, const long long[::1] cum,
          const long long[::1] splice_index, const long long[::1] consts):
    """Kind, rank, HGVS prefix, number and offset, cDNA and distance of each pair
    (arrays in fast_path.place's dict order)."""
    cdef Py_ssize_t k, n_pairs = t.shape[0], n_ex = es.shape[0], n_tx = start.shape[0]
    if p.shape[0] != n_pairs:
        raise ValueError("t and p differ in length")
    if consts.shape[0] != N_CONSTS:
        raise ValueError(f"expected {N_CONSTS} constants")
    if n_ex == 0:
        raise ValueError("no exons")
    cdef long long FAR = consts[0], UPSTREAM = consts[1], DOWNSTREAM = consts[2]
    cdef long long INTRON = consts[3], NC_EXON = consts[4], UTR3 = consts[5]
    cdef long long UTR5 = consts[6], CDS = consts[7], SLOW = consts[8], SPLICE = consts[9]
    cdef long long FLANK = consts[10], EXON_EDGE = consts[11], INTRON_EDGE = consts[12]
    cdef long long DEPTH = consts[13]
    if splice_index.shape[0] != (DEPTH + 1) * (DEPTH + 1):
        raise ValueError("the splice table does not fit DEPTH")
    kind_a = np.empty(n_pairs, np.int8)
    pre_a = np.empty(n_pairs, np.int8)
    rank_a, num_a, off_a, cd_a, dist_a, n_a, len_a = (np.empty(n_pairs, np.int64)
                                                      for _ in range(7))
    cdef signed char[::1] kind_o = kind_a, pre_o = pre_a
    cdef long long[::1] rank_o = rank_a, num_o = num_a, off_o = off_a, cd_o = cd_a
    cdef long long[::1] dist_o = dist_a, n_o = n_a, len_o = len_a
    cdef long long tt, pp, n, ln, c1, c2, dist, c, j, i, jn, e_s, e_e, n_s, n_e, cd
    cdef long long d_left, d_right, d5, d3, kind, rank, off, num, pre
    cdef bint plus, coding, out_lo, out_hi, outside, five, inside, exonic, edge_ok
    cdef bint intronic, deep, near, left, before, after
    for k in range(n_pairs):
        tt, pp = t[k], p[k]
        if tt < 0 or tt >= n_tx:
            raise IndexError(f"transcript {tt} out of range")
        plus, coding = plus_[tt] != 0, coding_[tt] != 0
        n, ln, c1, c2 = nexon[tt], length[tt], c1_[tt], c2_[tt]
        kind, rank, off = SLOW, 0, 0
        # outside the transcript: up/downstream, or too far
        out_lo, out_hi = pp < start[tt], pp > end[tt]
        dist = start[tt] - pp if out_lo else pp - end[tt]
        outside = out_lo or out_hi
        five = out_lo == plus
        if outside:
            kind = (UPSTREAM if five else DOWNSTREAM) if dist <= FLANK else FAR
        c = 1 - dist if five else ln + dist
        # the exon at or before pp
        j = _exon_before(es, base[tt], base[tt + 1], pp)
        i = j - base[tt]
        if j < 0:
            j = 0
        e_s, e_e = es[j], ee[j]
        cd = (cum[j] + pp - e_s + 1 if plus
              else ln - cum[j] - (e_e - e_s + 1) + e_e - pp + 1)
        inside = not outside and n > 0 and i >= 0
        exonic = inside and pp <= e_e
        if exonic:
            edge_ok = ((i == 0 or pp >= e_s + EXON_EDGE)
                       and (i == n - 1 or pp <= e_e - EXON_EDGE))
            if edge_ok:
                if not coding:
                    kind = NC_EXON
                else:
                    if cd > c2:
                        kind = UTR3
                    if c1 <= cd <= c2:
                        kind = CDS
                    if cd < c1:
                        kind = UTR5
            c = cd
            rank = (i if plus else n - 1 - i) + 1
        intronic = inside and pp > e_e and i < n - 1
        if intronic:
            jn = j + 1 if j + 1 < n_ex else n_ex - 1
            n_s, n_e = es[jn], ee[jn]
            d_left, d_right = pp - e_e, n_s - pp
            deep = pp > e_e + INTRON_EDGE and pp < n_s - INTRON_EDGE
            if deep:
                kind = INTRON
            near = (not deep and (i == 0 or e_e - e_s >= 2)
                    and (i + 1 == n - 1 or n_e - n_s >= 2))
            if near:
                d5, d3 = (d_left, d_right) if plus else (d_right, d_left)
                kind = SPLICE + splice_index[min(d5, DEPTH) * (DEPTH + 1) + min(d3, DEPTH)]
            left = d_left <= d_right if plus else d_right > d_left
            if left:
                c = cum[j] + e_e - e_s + 1 if plus else ln - cum[j] - (e_e - e_s)
                off = d_left if plus else -d_left
            else:
                c = cum[jn] + 1 if plus else ln - cum[jn]
                off = -d_right if plus else d_right
            rank = i + 1 if plus else n - 1 - i
        # HGVS position: c. numbering from c1 (coding) or n. from 1
        pre = 0
        num = c - c1 + 1 if coding else c
        before = c < c1 if coding else c < 1
        if before:
            pre = 1
            num = c1 - c if coding else 1 - c
        after = c > c2 if coding else c > ln
        if after:
            pre = 2
            num = c - c2 if coding else c - ln
        kind_o[k], rank_o[k], pre_o[k], num_o[k], off_o[k] = kind, rank, pre, num, off
        cd_o[k], dist_o[k], n_o[k], len_o[k] = cd, dist, n, ln
    return kind_a, rank_a, pre_a, num_a, off_a, cd_a, dist_a, n_a, len_a
