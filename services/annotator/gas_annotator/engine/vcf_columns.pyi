# Types of the compiled vcf_columns.pyx (see there).
import numpy as np

from .records import Records

SHORT: int
HEADER: int
BAD_POS: int

def parse(text: str, want_ids: bool) -> tuple[
    bytes, list[tuple[str, int, int]], np.ndarray, tuple[int, int, int | str] | None,
    Records]: ...
def write(raw: bytes, offsets: np.ndarray, ids: list[str] | None, infos: list[str],
          v33: bool) -> bytes: ...
