# Types of the compiled entry_text.pyx (see there).
from collections.abc import Sequence

import numpy as np

TEXT: int
PICK: int
NUMBER: int
PAD: int

def records(starts: np.ndarray, pieces: list[tuple]) -> list[str]: ...
def table(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]: ...
