"""Fully connected networks on feature vectors: ``mlp`` and ``dgex``.

Both take float32 features ``(N, n_features)`` (expression values, k-mer frequencies, any table)
and return raw outputs ``(N, n_outputs)``: logits for classification, values for regression.
"""
from __future__ import annotations

import torch
from torch import nn

from .base import ACTIVATIONS, N_OUTPUTS, Dropout, check_features, dropout_param, make_activation
from .registry import Param, register

__all__ = ["MLP", "DGEX", "dgex"]


def _dense_stack(n_in: int, hidden: list[int], activation: str, threshold: float, dropout: float,
                 batch_norm: bool) -> tuple[nn.Sequential, int]:
    """Linear -> (BatchNorm) -> activation -> (Dropout) for each hidden width."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers.append(nn.Linear(n_in, width))
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(make_activation(activation, threshold))
        if dropout > 0:
            layers.append(Dropout(dropout))
        n_in = width
    return nn.Sequential(*layers), n_in


_MLP_PARAMS = {
    "n_features": Param("int", doc="the number of input features", ge=1),
    "hidden": Param("int_list", [256, 128], "hidden layer widths ([] for a linear model)", ge=1),
    "activation": Param("str", "relu", "the hidden layers' activation", choices=ACTIVATIONS),
    "threshold": Param("float", 1.0, "theta of thresholded_relu (x if x > theta else 0)"),
    "dropout": dropout_param(0.1, "dropout after each hidden layer"),
    "batch_norm": Param("bool", False, "batch normalisation after each hidden linear layer"),
    "n_outputs": N_OUTPUTS,
}


@register("mlp", "features", params=_MLP_PARAMS)
class MLP(nn.Module):
    """Multilayer perceptron: the classic fully connected network on a feature vector.

    Input: float32 features ``(N, n_features)``. Each hidden layer is Linear -> (BatchNorm) ->
    activation -> (Dropout); the output layer is linear (no final activation). The activations are
    those of the Keras models this field grew up on, ``thresholded_relu`` (Keras ThresholdedReLU,
    ``threshold`` = theta) and a ``softmax`` hidden layer included (``leaky_relu``'s slope is
    PyTorch's 0.01, not Keras' 0.3). ``hidden=[]`` gives a linear
    (or, with a sigmoid loss, logistic) model.
    """

    arch = "mlp"
    input_kind = "features"

    def __init__(self, n_features: int, hidden: list[int] = (256, 128), activation: str = "relu",
                 threshold: float = 1.0, dropout: float = 0.1, batch_norm: bool = False,
                 n_outputs: int = 1):
        super().__init__()
        self.n_features = n_features
        self.hidden, width = _dense_stack(n_features, list(hidden), activation, threshold,
                                          dropout, batch_norm)
        self.output = nn.Linear(width, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = check_features(self.arch, x, self.n_features, self)
        return self.output(self.hidden(x))


_DGEX_PARAMS = {
    **_MLP_PARAMS,
    "n_features": Param("int", doc="the number of landmark genes (inputs)", ge=1),
    "n_outputs": Param("int", doc="the number of target genes (outputs)", ge=1),
    "hidden": Param("int_list", [1000, 1000], "hidden layer widths (the paper: up to 3 x 9000)",
                    ge=1),
    "activation": Param("str", "tanh", "the hidden layers' activation", choices=ACTIVATIONS),
    "dropout": dropout_param(0.1, "dropout after each hidden layer (the paper: 10% to 25%)"),
}


@register("dgex", "features", params=_DGEX_PARAMS)
class DGEX(MLP):
    """D-GEX (Chen et al. 2016, "Gene expression inference with deep learning", Bioinformatics):
    infers the expression of target genes from ~1000 landmark genes (the LINCS L1000 design).

    Input: float32 landmark expression ``(N, n_features)``; output: target expression
    ``(N, n_outputs)`` (regression), in the data's own units. A multilayer perceptron with tanh
    hidden units and dropout; the paper used 1 to 3 hidden layers of 3000 to 9000 units, the
    default here is a CPU-sized [1000, 1000]. As in the paper, genes are standardised: inputs
    by their training means and standard deviations, outputs predicted as z-scores and mapped
    back; the training loss is the mean squared error of the z-scores, so that each gene counts
    alike whatever its variance. Those statistics are buffers, saved with the weights; ``fit``
    sets them from the training data (``fit_scaling``); until then they are the identity.
    """

    arch = "dgex"

    def __init__(self, n_features: int, n_outputs: int, hidden: list[int] = (1000, 1000),
                 activation: str = "tanh", threshold: float = 1.0, dropout: float = 0.1,
                 batch_norm: bool = False):
        super().__init__(n_features, hidden, activation, threshold, dropout, batch_norm, n_outputs)
        self.register_buffer("input_mean", torch.zeros(n_features))
        self.register_buffer("input_scale", torch.ones(n_features))
        self.register_buffer("output_mean", torch.zeros(n_outputs))
        self.register_buffer("output_scale", torch.ones(n_outputs))

    def fit_scaling(self, x_mean, x_sd, y_mean, y_sd) -> None:
        """Sets the standardisation from training statistics (per gene; a zero sd counts as 1)."""
        for name, value, ones_for_zero in (("input_mean", x_mean, False), ("input_scale", x_sd, True),
                                           ("output_mean", y_mean, False), ("output_scale", y_sd, True)):
            t = torch.as_tensor(value, dtype=torch.float32).reshape(getattr(self, name).shape)
            if ones_for_zero:
                t = torch.where(t > 0, t, torch.ones_like(t))
            getattr(self, name).copy_(t)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = check_features(self.arch, x, self.n_features, self)
        z = self.output(self.hidden((x - self.input_mean) / self.input_scale))
        return z * self.output_scale + self.output_mean


dgex = DGEX
