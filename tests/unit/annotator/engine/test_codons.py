"""codons.translate against the codon tables read one codon at a time."""

from __future__ import annotations

import random

import numpy as np
import pytest
from gas_annotator.engine.codons import CODE, MITO_CODE, translate


def _by_codon(seq: str, code: dict[str, str], to_stop: bool) -> str:
    out = []
    for i in range(0, len(seq) - 2, 3):
        out.append(code.get(seq[i:i + 3], "X"))
        if to_stop and out[-1] == "*":
            break
    return "".join(out)


def test_by_hand() -> None:
    assert translate("ATGGAGTAAGGG") == "ME*G"
    assert translate("ATGGAGTAAGGG", to_stop=True) == "ME*"
    assert translate("ATGNAGtaa") == "MXX"  # an N, lowercase: not a codon of the table
    assert translate("AGATGA", MITO_CODE) == "*W"
    assert translate("AT") == "" and translate("") == ""
    assert translate("ATGé GGCC") == "MXA"  # non-ASCII counts as one character


@pytest.mark.parametrize("code", [CODE, MITO_CODE])
@pytest.mark.parametrize("to_stop", [False, True])
def test_random_sequences(code: dict[str, str], to_stop: bool) -> None:
    rng = random.Random(5)
    for _ in range(300):
        n = rng.choice([0, 1, 2, 3, 5, 30, 299, 300, 301, 302, 303, 1000, 2500])
        seq = "".join(rng.choice("ACGT" * 20 + "Nacgé") for _ in range(n))
        assert translate(seq, code, to_stop) == _by_codon(seq, code, to_stop)


def test_surrogates_and_astral_characters_are_not_bases() -> None:
    odd = b"\xff".decode("utf-8", "surrogateescape")
    assert translate(f"ATG{odd}AAGGG😀TT") == "MXGX"


def test_a_table_of_the_wrong_size_is_refused() -> None:
    from gas_annotator.engine import translation

    with pytest.raises(ValueError, match="64 amino acids"):
        translation.translate("ATG", np.zeros(64, np.uint8), False)
