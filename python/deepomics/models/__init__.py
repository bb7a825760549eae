"""The model library: every architecture is built from a plain, JSON-able dict.

>>> from deepomics import models
>>> model = models.build({"arch": "deepbind", "n_filters": 16, "n_outputs": 1})
>>> model.input_kind, model.alphabet, model.seq_len
('onehot', 'dna', None)
>>> models.build(model.config)  # the same architecture again  # doctest: +ELLIPSIS
DeepBind(...)

``ARCHITECTURES`` lists the registered names, ``defaults(arch)`` gives an architecture's full
default config, ``parameters(arch)`` its parameter table (type, default, limits, meaning), and
``register(name, input_kind)`` adds an architecture. ``build`` checks the dict and raises
``ConfigError`` (a ``ValueError``) naming the bad key.

Every built module has ``.config`` and ``.input_kind`` ("onehot": float32 (N, C, L); "tokens":
int64 (N, L), 0 = padding; "features": float32 (N, F)); sequence models also ``.alphabet`` and
``.seq_len`` (None: any length) and the ``strand`` option ("forward", "augment", "average").
``forward`` returns raw outputs (N, n_outputs) — logits or values, no final activation;
autoencoders return the reconstruction and have ``encode``; the variational autoencoder has
``extra_loss()``.

Architectures: ``mlp``, ``dgex`` (features); ``deepbind``, ``promoter_cnn``, ``basset``,
``deepsea`` (convolutional); ``rnn``, ``danq``, ``deeploc`` (recurrent, hybrid, attention);
``autoencoder`` (features, plain or variational); ``kmer_linear`` (the k-mer baseline).
"""
from . import autoencoder, cnn, dense, kmer, recurrent  # noqa: F401  (they register themselves)
from .autoencoder import Autoencoder, VariationalAutoencoder
from .base import ACTIVATIONS, SequenceModel, reverse_complement
from .cnn import Basset, DeepBind, DeepSEA, PromoterCNN
from .dense import MLP
from .kmer import KmerLinear, kmer_frequencies
from .recurrent import RNN, DanQ, DeepLoc
from .registry import (
    ARCHITECTURES, INPUT_KINDS, REQUIRED, ConfigError, Param, build, check_config, defaults,
    input_kind, parameters, register,
)

__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURES",
    "INPUT_KINDS",
    "REQUIRED",
    "Autoencoder",
    "Basset",
    "ConfigError",
    "DanQ",
    "DeepBind",
    "DeepLoc",
    "DeepSEA",
    "KmerLinear",
    "MLP",
    "Param",
    "PromoterCNN",
    "RNN",
    "SequenceModel",
    "VariationalAutoencoder",
    "build",
    "check_config",
    "defaults",
    "input_kind",
    "kmer_frequencies",
    "parameters",
    "register",
    "reverse_complement",
]
