# Types of the compiled entry_text.pyx (see there).
import numpy as np

TEXT: int
PICK: int
NUMBER: int
PAD: int

def records(starts: np.ndarray, pieces: list[tuple]) -> list[str]: ...
