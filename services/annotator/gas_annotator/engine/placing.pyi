# Types of the compiled placing.pyx (see there and fast_path.place).
import numpy as np

def place(t: np.ndarray, p: np.ndarray, plus_: np.ndarray, start: np.ndarray,
          end: np.ndarray, nexon: np.ndarray, length: np.ndarray, c1_: np.ndarray,
          c2_: np.ndarray, coding_: np.ndarray, base: np.ndarray, es: np.ndarray,
          ee: np.ndarray, cum: np.ndarray, splice_index: np.ndarray,
          consts: np.ndarray) -> tuple[np.ndarray, ...]: ...
