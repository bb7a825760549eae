"""deepomics.args: the shared check of counts takes R's whole doubles and refuses the rest with
the argument's name."""
from __future__ import annotations

import numpy as np
import pytest

from deepomics.args import count


@pytest.mark.parametrize("value", [3, 3.0, np.int32(3), np.float64(3.0)])
def test_a_whole_number_in_any_numeric_type_is_an_int(value):
    got = count(value, "epochs")
    assert got == 3 and type(got) is int


@pytest.mark.parametrize("value, error", [(0, ValueError), (-2, ValueError), (2.5, ValueError),
                                          (float("nan"), ValueError), (float("inf"), ValueError),
                                          (True, TypeError), ("3", TypeError), (None, TypeError)])
def test_anything_else_is_an_error_naming_the_argument(value, error):
    with pytest.raises(error, match=f"n_steps must be a positive whole number, not {value!r}"):
        count(value, "n_steps")
