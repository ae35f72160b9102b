"""Array types and input checks shared by the statistics modules."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["FloatArray", "IntArray", "as_1d_float"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def as_1d_float(name: str, values: npt.ArrayLike) -> FloatArray:
    """``values`` as a 1-D float array; ``ValueError`` naming ``name`` otherwise."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    return array
