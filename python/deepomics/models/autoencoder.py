"""Autoencoders on feature vectors (expression profiles): plain and variational.

Input and output: float32 features ``(N, n_features)``; ``forward`` returns the reconstruction,
``encode`` the latent representation ``(N, latent_dim)`` (the embedding written to
``obsm["X_..."]``; the posterior mean for the variational autoencoder).
"""
from __future__ import annotations

import torch
from torch import nn

from .base import ACTIVATIONS, check_features, dropout_param
from .dense import _dense_stack
from .registry import Param, register

__all__ = ["Autoencoder", "VariationalAutoencoder", "autoencoder"]


class Autoencoder(nn.Module):
    """Encoder: the ``hidden`` dense layers then a linear map to ``latent_dim``; decoder: the
    mirror image (``latent_dim`` -> reversed ``hidden`` -> ``n_features``, linear output)."""

    arch = "autoencoder"
    input_kind = "features"

    def __init__(self, n_features: int, hidden: list[int], latent_dim: int, activation: str,
                 threshold: float, dropout: float, batch_norm: bool):
        super().__init__()
        self.n_features = n_features
        self.latent_dim = latent_dim
        self.encoder, width = _dense_stack(n_features, list(hidden), activation, threshold,
                                           dropout, batch_norm)
        self.to_latent = nn.Linear(width, latent_dim)
        decoder, width = _dense_stack(latent_dim, list(hidden)[::-1], activation, threshold,
                                      dropout, batch_norm)
        self.decoder = nn.Sequential(*decoder, nn.Linear(width, n_features))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The latent representation (N, latent_dim)."""
        x = check_features(self.arch, x, self.n_features, self)
        return self.to_latent(self.encoder(x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The reconstruction (N, n_features) of latent points z (N, latent_dim)."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class VariationalAutoencoder(Autoencoder):
    """Variational autoencoder (Kingma & Welling 2014) with a Gaussian posterior and a standard
    normal prior; ``beta`` weights the KL term (Higgins et al. 2017, beta-VAE).

    In training mode ``forward`` samples z = mu + sigma * eps (torch's global generator); in eval
    mode it decodes the mean. ``extra_loss()`` is ``beta`` times the KL divergence of the last
    forward pass, summed over the latent dimensions, averaged over the batch and divided by
    ``n_features``, so that it adds to a reconstruction loss averaged over every entry (mean
    squared error) in the proportion of the evidence lower bound.
    """

    def __init__(self, n_features: int, hidden: list[int], latent_dim: int, activation: str,
                 threshold: float, dropout: float, batch_norm: bool, beta: float):
        super().__init__(n_features, hidden, latent_dim, activation, threshold, dropout,
                         batch_norm)
        self.beta = beta
        self.to_logvar = nn.Linear(self.to_latent.in_features, latent_dim)
        self._kl = None

    def __getstate__(self):
        # the last KL term belongs to an autograd graph, which cannot be copied or pickled
        state = dict(self.__dict__)
        state["_kl"] = None
        return state

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, log variance) of q(z | x), each (N, latent_dim)."""
        x = check_features(self.arch, x, self.n_features, self)
        h = self.encoder(x)
        return self.to_latent(h), self.to_logvar(h)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The posterior mean (N, latent_dim)."""
        return self.posterior(x)[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mu, logvar = self.posterior(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
        self._kl = kl.mean() / self.n_features
        return self.decode(z)

    def extra_loss(self) -> torch.Tensor:
        """beta * KL(q(z|x) || N(0, I)) of the last forward pass (per feature; see the class)."""
        if self._kl is None:
            return torch.zeros((), device=self.to_latent.weight.device)
        return self.beta * self._kl


@register("autoencoder", "features", params={
    "n_features": Param("int", doc="the number of input features (genes)", ge=1),
    "hidden": Param("int_list", [256, 128], "encoder hidden widths (the decoder mirrors them)",
                    ge=1),
    "latent_dim": Param("int", 32, "size of the latent representation", ge=1),
    "activation": Param("str", "relu", "the hidden layers' activation", choices=ACTIVATIONS),
    "threshold": Param("float", 1.0, "theta of thresholded_relu"),
    "dropout": dropout_param(0.0, "dropout after each hidden layer"),
    "batch_norm": Param("bool", False, "batch normalisation after each hidden linear layer"),
    "variational": Param("bool", False, "a variational autoencoder (Gaussian latent, KL term)"),
    "beta": Param("float", 1.0, "weight of the KL term (variational only)", ge=0.0),
})
def autoencoder(n_features: int, hidden: list[int] = (256, 128), latent_dim: int = 32,
                activation: str = "relu", threshold: float = 1.0, dropout: float = 0.0,
                batch_norm: bool = False, variational: bool = False,
                beta: float = 1.0) -> Autoencoder:
    """Autoencoder for expression profiles (dimension reduction, denoising, embeddings).

    Input: float32 features ``(N, n_features)``; ``forward`` returns the reconstruction
    ``(N, n_features)`` and ``encode`` the latent ``(N, latent_dim)``. With ``variational=True`` a
    variational autoencoder (Kingma & Welling 2014, as in scVI-style single-cell embeddings) whose
    ``extra_loss()`` is the beta-weighted KL divergence.
    """
    if variational:
        return VariationalAutoencoder(n_features, hidden, latent_dim, activation, threshold,
                                      dropout, batch_norm, beta)
    return Autoencoder(n_features, hidden, latent_dim, activation, threshold, dropout, batch_norm)
