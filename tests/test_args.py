"""deepomics.args: the shared check of counts takes R's whole doubles and refuses the rest with
the argument's name."""
from __future__ import annotations

import numpy as np
import pytest

from deepomics.args import count, non_negative_number


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


def test_a_device_is_checked_against_what_the_machine_has():
    import torch

    from deepomics.args import torch_device
    from deepomics.train import fit, predict

    assert torch_device("cpu") == torch_device(torch.device("cpu")) == torch.device("cpu")
    assert torch_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    for bad in ("gpu", "cuda:x", "CPU", 0):
        with pytest.raises(ValueError, match="device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'"):
            torch_device(bad)
    have = torch.cuda.device_count() if torch.cuda.is_available() else 0
    missing = f"cuda:{have}"  # one past the last GPU: "cuda:0" on a machine without one
    with pytest.raises(ValueError, match=f"device='{missing}' but this machine has .*use "
                                         "device='auto'"):
        torch_device(missing)
    x = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    model = fit({"arch": "mlp", "hidden": [2]}, (x, x[:, 0] > 0), epochs=1)
    with pytest.raises(ValueError, match=f"device='{missing}' but this machine has"):
        fit({"arch": "mlp", "hidden": [2]}, (x, x[:, 0] > 0), epochs=1, device=missing)
    with pytest.raises(ValueError, match=f"device='{missing}' but this machine has"):
        predict(model, x, device=missing)


def test_a_rate_written_as_text_says_why_it_is_text():
    from deepomics.args import non_negative_number

    with pytest.raises(TypeError, match=r"not '1e-3' \(text that reads as a number: YAML takes "
                                        r"1e-3 without a decimal point for text; write 1.0e-3"):
        non_negative_number("1e-3", "lr")
    with pytest.raises(TypeError, match="lr must be a number >= 0, not 'fast'$"):
        non_negative_number("fast", "lr")
    assert non_negative_number(0, "lr") == 0.0


def test_numbers_in_messages_are_written_as_a_person_writes_them():
    """R's -1 arrives as -1.0; the message says -1."""
    with pytest.raises(ValueError, match="lr must be a number >= 0, not -1$"):
        non_negative_number(-1.0, "lr")
    with pytest.raises(ValueError, match="epochs must be a positive whole number, not 0$"):
        count(0.0, "epochs")


def test_whole_numbers_from_zero_take_r_doubles_and_refuse_the_rest():
    from deepomics.args import whole_number

    assert whole_number(0, "seed") == 0 and whole_number(3.0, "seed") == 3
    with pytest.raises(ValueError, match="seed must be a whole number >= 0, not 1.5"):
        whole_number(1.5, "seed")
    with pytest.raises(ValueError, match="patience must be a whole number >= 0, not -1"):
        whole_number(-1, "patience")
    with pytest.raises(TypeError, match="seed must be a whole number >= 0, not '1'"):
        whole_number("1", "seed")
    with pytest.raises(TypeError, match="not True"):
        whole_number(True, "seed")
