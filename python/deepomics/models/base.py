"""What the architectures share: the sequence-model base class (input checks and the strand modes),
dropout (CPU masks drawn faster than torch's), activations, shared parameter definitions and
layer-length arithmetic.

``SequenceModel`` is the one place where the ``strand`` option lives. A subclass writes
``forward_strand(x)`` for one orientation; ``SequenceModel.forward`` checks the input and applies
the strand mode:

- ``"forward"``: the sequences as given.
- ``"augment"``: in training mode each sequence of the batch is reverse-complemented with
  probability 0.5 (drawn from torch's global generator, so ``torch.manual_seed`` repeats it); in
  eval mode the sequences are used as given.
- ``"average"``: the output is the mean of the outputs for the sequences and for their reverse
  complements, in training and in eval mode, so the model is exactly strand-symmetric.

The reverse complement of a one-hot batch ``(N, 4, L)`` in A, C, G, T order is ``x.flip(1, 2)``;
of tokens (1..4 = A, C, G, T, 0 padding, 5 unknown) it is ``5 - t`` for the letters, reversed.

``max_shift`` (architectures that read a fixed window: the CNNs and DanQ) is the other
augmentation: in training mode each sequence of the batch moves by a random whole number of
positions in [-max_shift, max_shift], the emptied end filled with unknown letters (zero columns),
as Basset and Basenji do; eval mode reads the sequences as given. Aligned windows (promoters at
their TSS, peaks at their summit) are only roughly aligned, and this teaches the model so.
``mutation_rate`` (the same architectures) replaces each letter, in training mode, by a random
one with that probability (EvoAug's random mutation, Lee et al. 2023): small data sets then see
a new near-copy of every sequence each epoch. ``max_indel`` (the same architectures; EvoAug's
random insertion and deletion, the window's length kept) cuts each training sequence at a random
position and inserts random letters there or deletes letters from there, up to ``max_indel`` of
them: what follows the cut moves along, as a spacer that is a letter or two longer or shorter
moves the box after it (the -35 and -10 boxes of a promoter).

``without_augmentation(model)`` switches the four training-time augmentations (``max_shift``,
``mutation_rate``, ``max_indel``, ``strand="augment"``) off for a while: EvoAug's second stage
fine-tunes the augmented model on the sequences as given (``train.fit(..., augment=False)``).
"""
from __future__ import annotations

import torch
from torch import nn

from .. import seq as _seq
from ..messages import channels_last
from .registry import ConfigError, Param

__all__ = [
    "ACTIVATIONS",
    "Dropout",
    "SequenceModel",
    "check_features",
    "dropout",
    "make_activation",
    "random_indel",
    "random_mutation",
    "random_shift",
    "reverse_complement",
    "without_augmentation",
]

# ---- parameters several architectures share ----------------------------------------------------

STRANDS = ("forward", "augment", "average")
ACTIVATIONS = ("relu", "leaky_relu", "thresholded_relu", "sigmoid", "tanh", "elu", "selu", "softmax")


def alphabet_param(default: str = "dna") -> Param:
    return Param("str", default, "'dna', 'rna', 'protein' or a string of letters (channel order)")


def seq_len_param(default: int | None = None, nullable: bool = True) -> Param:
    doc = ("the input length; None = any length" if nullable
           else "the input length (the dense layer after flattening depends on it)")
    return Param("int", default, doc, ge=1, nullable=nullable)


STRAND = Param("str", "forward", "'forward'; 'augment' (random reverse complements in training); "
               "'average' (mean of both strands' outputs)", choices=STRANDS)
MAX_SHIFT = Param("int", 0, "training augmentation: each sequence moves by a random shift of up "
                  "to max_shift positions either way (0: none)", ge=0)
MUTATION_RATE = Param("float", 0.0, "training augmentation: each position of a sequence is "
                      "replaced by a random letter with this probability (EvoAug's random "
                      "mutation; 0: none)", ge=0.0, lt=1.0)
MAX_INDEL = Param("int", 0, "training augmentation: each sequence gets, at a random position, an "
                  "insertion of random letters or a deletion of up to max_indel letters (the "
                  "length drawn uniformly from -max_indel..max_indel), the rest moving along "
                  "(EvoAug's random insertion and deletion; 0: none)", ge=0)
#: The training-time augmentations of the architectures that read a fixed window (the CNNs, DanQ).
AUGMENTATIONS = {"max_shift": MAX_SHIFT, "mutation_rate": MUTATION_RATE, "max_indel": MAX_INDEL}
N_OUTPUTS = Param("int", 1, "the number of outputs (tasks or classes)", ge=1)


def dropout_param(default: float, doc: str = "dropout rate") -> Param:
    return Param("float", default, doc, ge=0.0, lt=1.0)


def width_list(default: list[int], doc: str, min_items: int = 1) -> Param:
    return Param("int_list", default, doc, ge=1, min_items=min_items)


# ---- dropout -----------------------------------------------------------------------------------


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """``nn.functional.dropout`` with its CPU mask drawn by ``torch.rand_like``: the same
    distribution and scaling (kept values times 1 / (1 - p)), 2-3x faster than torch's CPU
    ``bernoulli_`` (pytorch#138199; it was 18% of a DanQ training step). Other devices, eval mode
    and p of 0 or 1 use torch's own."""
    if not training or not 0 < p < 1 or x.device.type != "cpu" or not x.is_floating_point():
        return nn.functional.dropout(x, p, training)
    return x * (torch.rand_like(x) >= p).to(x.dtype).mul_(1 / (1 - p))


class Dropout(nn.Dropout):
    """``nn.Dropout`` (the same module, state and repr) that draws CPU masks with ``dropout``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p, self.training)


# ---- activations -------------------------------------------------------------------------------


def make_activation(name: str, threshold: float = 1.0) -> nn.Module:
    """A fresh activation module by name (``ACTIVATIONS``).

    ``leaky_relu`` has PyTorch's negative slope, 0.01 (Keras' LeakyReLU defaults to 0.3).
    ``thresholded_relu`` is Keras' ThresholdedReLU: x where x > threshold, else 0. ``softmax``
    normalises over the features of a layer (dim 1), as the seed material's models used it.
    """
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU()
    if name == "thresholded_relu":
        return nn.Threshold(float(threshold), 0.0)
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "tanh":
        return nn.Tanh()
    if name == "elu":
        return nn.ELU()
    if name == "selu":
        return nn.SELU()
    if name == "softmax":
        return nn.Softmax(dim=1)
    raise ConfigError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {name!r}",
                      "activation")


# ---- layer arithmetic --------------------------------------------------------------------------


def per_layer(key: str, values: list, n: int, what: str) -> list:
    """A per-layer list: one value is used for every layer, otherwise the lengths must agree."""
    if len(values) == 1 and n != 1:
        return values * n
    if len(values) != n:
        raise ConfigError(f"{key} has {len(values)} values but there are {n} {what}; give one "
                          f"value per layer or a single value for all", key)
    return list(values)


def conv_len(length: int, kernel: int) -> int:
    """Length after a 'valid' (unpadded, stride 1) convolution."""
    return length - kernel + 1


def pool_len(length: int, size: int, stride: int | None = None) -> int:
    """Length after max pooling (floor mode)."""
    stride = stride or size
    return (length - size) // stride + 1 if length >= size else 0


def min_length(out_len, limit: int = 1_000_000) -> int | None:
    """The smallest input length for which ``out_len(length) >= 1`` (None beyond ``limit``)."""
    lo, hi = 1, 1
    while out_len(hi) < 1:
        hi *= 2
        if hi > limit:
            return None
    while lo < hi:  # out_len is non-decreasing in the length
        mid = (lo + hi) // 2
        if out_len(mid) >= 1:
            hi = mid
        else:
            lo = mid + 1
    return lo


# ---- reverse complement ------------------------------------------------------------------------


def is_complement_ordered(alphabet: str) -> bool:
    """True for 4-letter nucleotide alphabets whose letter i pairs with letter 3 - i (dna, rna,
    and custom orders such as 'TGCA'): then flipping the channels complements."""
    try:
        letters = _seq.alphabet_letters(alphabet).replace("U", "T")
    except ValueError:
        return False
    pairs = {"A": "T", "T": "A", "C": "G", "G": "C"}
    return (len(letters) == 4 and set(letters) == set("ACGT")
            and all(pairs[letters[i]] == letters[3 - i] for i in range(4)))


def reverse_complement(x: torch.Tensor, input_kind: str = "onehot") -> torch.Tensor:
    """Reverse complement of a one-hot batch (N, 4, L) or a token batch (N, L) of a 4-letter
    nucleotide alphabet (tokens 1..4 become 5 - t; padding 0 and unknown 5 stay)."""
    if input_kind == "onehot":
        return x.flip(1, 2)
    letters = (x >= 1) & (x <= 4)
    return torch.where(letters, 5 - x, x).flip(1)


def random_mutation(x: torch.Tensor, rate: float) -> torch.Tensor:
    """One-hot sequences ``x`` (N, C, L) with each letter replaced, with probability ``rate``, by
    one of the C letters drawn uniformly (possibly itself, as EvoAug draws it); unknown and
    padded positions (zero columns) stay as they are. Draws come from torch's global generator."""
    n, c, length = x.shape
    hit = (torch.rand(n, 1, length, device=x.device) < rate) & (x.sum(1, keepdim=True) > 0)
    letters = torch.nn.functional.one_hot(torch.randint(0, c, (n, length), device=x.device), c)
    return torch.where(hit, letters.permute(0, 2, 1).to(x.dtype), x)


def random_shift(x: torch.Tensor, max_shift: int) -> torch.Tensor:
    """Each one-hot sequence of ``x`` (N, C, L) moved by its own random shift in
    [-max_shift, max_shift] (positive: towards the end); the emptied positions are zero columns
    (unknown letters). Shifts come from torch's global generator, so ``torch.manual_seed``
    repeats them."""
    n, _, length = x.shape
    shifts = torch.randint(-max_shift, max_shift + 1, (n, 1), device=x.device)
    source = torch.arange(length, device=x.device).unsqueeze(0) - shifts  # (N, L)
    inside = (source >= 0) & (source < length)
    index = source.clamp(0, length - 1).unsqueeze(1).expand_as(x)
    return x.gather(2, index) * inside.unsqueeze(1).to(x.dtype)


def random_indel(x: torch.Tensor, max_indel: int) -> torch.Tensor:
    """Each one-hot sequence of ``x`` (N, C, L) cut at a random position p with a random length
    k in [-max_indel, max_indel]: k > 0 inserts k random letters at p and what followed moves k
    positions towards the end (its last k positions leave the window); k < 0 deletes |k|
    letters from p on and what followed moves back, the emptied end unknown (zero columns), as
    ``random_shift`` leaves it. The length L is kept. The cut falls within the sequence's
    letters (from its first to its last), so that a padded sequence gets no letters inside its
    padding. Draws come from torch's global generator."""
    n, c, length = x.shape
    k = torch.randint(-max_indel, max_indel + 1, (n, 1), device=x.device)
    cut = torch.randint(0, length, (n, 1), device=x.device)
    filled = (x != 0).any(1).int()  # (N, L): a letter (not padding); argmax: the first 1
    first = filled.argmax(1, keepdim=True)                   # (an empty sequence: 0 and L)
    end = length - filled.flip(1).argmax(1, keepdim=True)
    cut = first + cut * (end - first) // length  # (a whole window: the cut as drawn)
    position = torch.arange(length, device=x.device).unsqueeze(0)
    source = torch.where(position < cut, position, position - k)  # (N, L)
    inserted = (k > 0) & (position >= cut) & (position < cut + k)
    outside = (source >= length) & ~inserted
    index = source.clamp(0, length - 1).unsqueeze(1).expand_as(x)
    moved = x.gather(2, index) * (~outside).unsqueeze(1).to(x.dtype)
    letters = nn.functional.one_hot(torch.randint(0, c, (n, length), device=x.device), c)
    return torch.where(inserted.unsqueeze(1), letters.permute(0, 2, 1).to(x.dtype), moved)


class without_augmentation:
    """Within ``with without_augmentation(model):`` every sequence model in ``model`` reads its
    training sequences as given (no random shifts, mutations, indels or reverse complements); on
    leaving, each gets its settings back. Eval mode is unaffected either way."""

    def __init__(self, model: nn.Module):
        self.models = [m for m in model.modules() if isinstance(m, SequenceModel)]

    def __enter__(self):
        self.saved = [(m.max_shift, m.mutation_rate, m.max_indel, m.strand) for m in self.models]
        for m in self.models:
            m.max_shift, m.mutation_rate, m.max_indel = 0, 0.0, 0
            if m.strand == "augment":  # (its eval mode reads the forward strand: the same)
                m.strand = "forward"
        return self

    def __exit__(self, *exc):
        for m, (shift, rate, indel, strand) in zip(self.models, self.saved):
            m.max_shift, m.mutation_rate, m.max_indel, m.strand = shift, rate, indel, strand
        return False


# ---- the base class ----------------------------------------------------------------------------


class SequenceModel(nn.Module):
    """Base of the sequence architectures: input checks and the ``strand`` modes, written once.

    Subclasses call ``super().__init__(alphabet, seq_len, strand[, max_shift, mutation_rate,
    max_indel])`` and implement ``forward_strand(x, ...)``; extra keyword arguments of
    ``forward`` are passed through. When
    ``forward_strand`` returns a tuple, its first item is the output and the others are maps over
    positions (N, L'), which ``"average"`` flips back before averaging (attention maps).
    ``min_len`` (default 1) is the shortest input the layers accept.
    """

    input_kind = "onehot"
    arch = "sequence model"

    def __init__(self, alphabet: str = "dna", seq_len: int | None = None,
                 strand: str = "forward", max_shift: int = 0, mutation_rate: float = 0.0,
                 max_indel: int = 0):
        super().__init__()
        try:
            letters = _seq.alphabet_letters(alphabet)
        except ValueError as err:
            raise ConfigError(f"alphabet: {err}", "alphabet") from None
        if strand not in STRANDS:
            raise ConfigError(f"strand must be one of {', '.join(map(repr, STRANDS))}, "
                              f"got {strand!r}", "strand")
        if strand != "forward" and not is_complement_ordered(alphabet):
            raise ConfigError(
                f"strand={strand!r} needs a 4-letter nucleotide alphabet ('dna' or 'rna'), but "
                f"the alphabet is {alphabet!r}; use strand='forward'", "strand")
        if seq_len is not None and max_shift >= seq_len:
            raise ConfigError(f"max_shift ({max_shift}) must be below seq_len ({seq_len}): a "
                              f"shift that large moves a sequence out of its window entirely; "
                              f"use a few positions (e.g. 3)", "max_shift")
        if seq_len is not None and max_indel >= seq_len:
            raise ConfigError(f"max_indel ({max_indel}) must be below seq_len ({seq_len}): an "
                              f"indel that long replaces a whole window; use a few letters "
                              f"(e.g. 3)", "max_indel")
        self.alphabet = alphabet
        self.letters = letters
        self.n_channels = len(letters)
        self.seq_len = seq_len
        self.strand = strand
        self.max_shift = max_shift
        self.mutation_rate = mutation_rate
        self.max_indel = max_indel
        self.min_len = 1

    # -- input checks --------------------------------------------------------------------------

    def check_input(self, x) -> torch.Tensor:
        name = self.arch
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} takes a torch.Tensor, not {type(x).__name__}; convert with "
                            "torch.as_tensor(x)")
        if self.input_kind == "tokens":
            if x.dim() != 2 or x.dtype.is_floating_point or x.dtype == torch.bool:
                what = ("a one-hot array" if x.dim() == 3 and x.dtype.is_floating_point else
                        f"a {str(x.dtype).replace('torch.', '')} array")
                raise ValueError(
                    f"{name} reads letters as tokens: give it the sequences themselves (they are "
                    "tokenised for it) or integer tokens of shape (N, L) (Python: seq.tokenize; "
                    f"R: sequenceTokens()); got {what} of shape {tuple(x.shape)}")
            if x.dtype != torch.long:
                x = x.long()
            length = x.shape[1]
        else:
            if x.dim() != 3 or x.shape[1] != self.n_channels:
                hint = ""
                if x.dim() == 3 and x.shape[2] == self.n_channels:
                    hint = "; " + channels_last()
                elif x.dim() == 2 and x.shape[0] == self.n_channels:
                    hint = "; for one sequence add the batch dimension: x[None]"
                elif x.dim() == 2:
                    hint = ("; 2-D input is tokens or features: encode the sequences with "
                            "deepomics.seq.one_hot")
                raise ValueError(
                    f"{name} takes one-hot input of shape (N, {self.n_channels}, L) for alphabet "
                    f"{self.alphabet!r} (seq.one_hot in Python, oneHot in R); got shape "
                    f"{tuple(x.shape)}{hint}")
            x = x.to(_param_dtype(self))
            length = x.shape[2]
        if self.seq_len is not None and length != self.seq_len:
            raise ValueError(
                f"{name} was built for sequences of length {self.seq_len} but the input has "
                f"length {length}; pad or trim to {self.seq_len} (one-hot encode with length="
                f"{self.seq_len}) or build the model with seq_len={length}")
        if length < self.min_len:
            raise ValueError(f"{name} needs sequences of at least {self.min_len} positions with "
                             f"these layer sizes; the input has length {length}")
        return x

    # -- strands -------------------------------------------------------------------------------

    def forward(self, x, *args, **kwargs):
        x = self.check_input(x)
        if self.max_shift and self.training:
            x = random_shift(x, self.max_shift)
        if self.max_indel and self.training and self.input_kind == "onehot":
            x = random_indel(x, self.max_indel)
        if self.mutation_rate and self.training and self.input_kind == "onehot":
            x = random_mutation(x, self.mutation_rate)
        if self.strand == "forward" or (self.strand == "augment" and not self.training):
            return self.forward_strand(x, *args, **kwargs)
        rc = reverse_complement(x, self.input_kind)
        if self.strand == "augment":
            flip = torch.rand(x.shape[0], device=x.device) < 0.5
            shape = (-1,) + (1,) * (x.dim() - 1)
            return self.forward_strand(torch.where(flip.view(shape), rc, x), *args, **kwargs)
        # "average": two separate passes, so that the result is exactly the same for a sequence
        # and for its reverse complement (fp addition is commutative; batch position is not).
        return _average(self.forward_strand(x, *args, **kwargs),
                        self.forward_strand(rc, *args, **kwargs))

    def forward_strand(self, x: torch.Tensor, *args, **kwargs):
        raise NotImplementedError


def _average(a, b):
    if isinstance(a, tuple):
        return (_average(a[0], b[0]),) + tuple((u + v.flip(-1)) / 2 for u, v in zip(a[1:], b[1:]))
    return (a + b) / 2


def _param_dtype(module: nn.Module) -> torch.dtype:
    """The dtype of the module's weights (inputs are cast to it: R sends doubles)."""
    for p in module.parameters():
        if p.dtype.is_floating_point:
            return p.dtype
    return torch.get_default_dtype()


def check_features(name: str, x, n_features: int, module: nn.Module) -> torch.Tensor:
    """Checks a (N, F) feature batch and casts it to the module's weight dtype (float32)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} takes a torch.Tensor, not {type(x).__name__}; convert with "
                        "torch.as_tensor(x, dtype=torch.float32)")
    if x.dim() != 2 or x.shape[1] != n_features:
        raise ValueError(f"{name} takes features of shape (N, {n_features}); got shape "
                         f"{tuple(x.shape)}: give the {n_features} columns it was trained on, "
                         "in that order (a DataFrame or AnnData is matched to them by name)")
    return x.to(_param_dtype(module))


# ---- recurrent layers over padded batches ------------------------------------------------------


def masked_rnn(rnn: nn.RNNBase, h: torch.Tensor, mask: torch.Tensor | None):
    """Runs a batch-first RNN over ``h`` (N, L, D) skipping the positions where ``mask`` is False.

    Returns ``(out, last)``: ``out`` (N, L, H * directions) at the input's positions, zero where
    masked; ``last`` (N, H * directions) the final states of the top layer (for a bidirectional
    RNN: the forward state after the last valid position and the backward state after the
    first). Valid positions may sit anywhere (left, right or centre padding, or a reverse
    complement's moved padding): they are gathered to the front in order, each direction runs
    over them unpacked (the backward one over each sequence's valid part reversed), and the
    outputs are put back. Results equal a packed sequence's, but the fused kernels stay in use:
    packed RNNs run about 20x slower on CPU.
    """
    n, length, _ = h.shape
    directions = 2 if rnn.bidirectional else 1
    if mask is None or bool(mask.all()):
        out, state = rnn(h)
        return out, _top_state(state, directions)
    if getattr(rnn, "proj_size", 0):
        raise ValueError("masked_rnn: LSTMs with proj_size are not supported")
    lengths = mask.sum(1)
    order = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)  # valid positions first
    span = max(int(lengths.max()), 1)  # positions past every sequence's end are never needed
    order = order[:, :span]
    x = h.gather(1, order.unsqueeze(-1).expand(-1, -1, h.shape[-1]))
    steps = torch.arange(span, device=h.device).unsqueeze(0)
    valid = steps < lengths.unsqueeze(1)  # (N, span)
    # per sequence, reverses the valid part and leaves the padding where it is (an involution)
    flip = torch.where(valid, lengths.unsqueeze(1) - 1 - steps, steps)
    end = (lengths.clamp(min=1) - 1).view(n, 1, 1)
    for layer in range(rnn.num_layers):
        if layer:
            x = dropout(x, rnn.dropout, rnn.training)
        outs, last = [], []
        for direction in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            xs = x.gather(1, flip.unsqueeze(-1).expand_as(x)) if direction else x
            o = _one_direction(rnn, suffix, xs)
            last.append(o.gather(1, end.expand(-1, 1, o.shape[-1])).squeeze(1))
            outs.append(o.gather(1, flip.unsqueeze(-1).expand_as(o)) if direction else o)
        x = torch.cat(outs, dim=-1) * valid.unsqueeze(-1)
    out = x.new_zeros(n, length, x.shape[-1]).scatter(
        1, order.unsqueeze(-1).expand_as(x), x)
    last = torch.cat(last, dim=-1) * (lengths > 0).unsqueeze(-1)
    return out, last


def _one_direction(rnn: nn.RNNBase, suffix: str, x: torch.Tensor) -> torch.Tensor:
    """One layer and direction of ``rnn`` (its weights named with ``suffix``) over ``x``
    (N, L, D) from a zero state, through torch's fused kernel; returns (N, L, H)."""
    weights = [getattr(rnn, f"{kind}{suffix}") for kind in ("weight_ih", "weight_hh")]
    if rnn.bias:
        weights += [getattr(rnn, f"{kind}{suffix}") for kind in ("bias_ih", "bias_hh")]
    h0 = x.new_zeros(1, x.shape[0], rnn.hidden_size)
    if isinstance(rnn, nn.LSTM):
        out, _, _ = torch.lstm(x, (h0, h0), weights, rnn.bias, 1, 0.0, rnn.training, False, True)
    elif isinstance(rnn, nn.GRU):
        out, _ = torch.gru(x, h0, weights, rnn.bias, 1, 0.0, rnn.training, False, True)
    else:
        run = torch.rnn_tanh if rnn.nonlinearity == "tanh" else torch.rnn_relu
        out, _ = run(x, h0, weights, rnn.bias, 1, 0.0, rnn.training, False, True)
    return out


def _top_state(state, directions: int) -> torch.Tensor:
    h_n = state[0] if isinstance(state, tuple) else state  # LSTM: (h_n, c_n)
    return torch.cat([h_n[-directions + i] for i in range(directions)], dim=-1)


def masked_pool(out: torch.Tensor, mask: torch.Tensor | None, how: str) -> torch.Tensor:
    """Mean or max over positions (dim 1) of (N, L, H), ignoring positions where mask is False."""
    if mask is None:
        return out.mean(1) if how == "mean" else out.amax(1)
    m = mask.unsqueeze(-1)
    if how == "mean":
        return (out * m).sum(1) / m.sum(1).clamp(min=1)
    filled = out.masked_fill(~m, float("-inf")).amax(1)
    return torch.where(mask.any(1, keepdim=True), filled, torch.zeros_like(filled))
