# Types of the compiled translation.pyx (see there).
import numpy as np

def translate(seq: str, table: np.ndarray, to_stop: bool) -> str: ...
