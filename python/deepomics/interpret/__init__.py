"""Reading trained sequence models: which letters matter, which mutations break binding, what
the filters learned.

One signature everywhere, as in tangermeme: ``op(model, X, *, batch_size, device, ...)`` with
``X`` sequences (encoded as the model was trained) or a one-hot array ``(N, C, L)`` of the
model's length; nothing is written into ``X``; the operations that draw random numbers take
``seed``. Outputs are the model's raw outputs (log-odds for a classifier) unless said otherwise.

- ``ism``: in-silico saturation mutagenesis, effects ``(N, C, L)``.
- ``attribute``: saliency, input x gradient, integrated gradients, DeepLIFT, DeepSHAP (captum),
  the baseline methods against dinucleotide shuffles (``dinucleotide_shuffle``).
- ``attention``: attention weights ``(N, L)`` of a ``deeploc`` model.
- ``filter_motifs`` / ``match_motifs``: first-layer filters as PWMs; their Tomtom matches in
  JASPAR.
- ``variant_effect``: reference vs alternative predictions, from sequences or a VCF + genome.
- ``plot_logo``, ``plot_attribution``, ``plot_filter_logos``, ``plot_mutation_map``.
"""
from .attention import attention
from .attribute import METHODS, attribute
from .dinuc_shuffle import dinucleotide_shuffle
from .ism import ism
from .motifs import FilterMotifs, filter_motifs, information_content, match_motifs
from .plot import plot_attribution, plot_filter_logos, plot_logo, plot_mutation_map
from .variant_effect import read_vcf, variant_effect

__all__ = [
    "METHODS", "FilterMotifs", "attention", "attribute", "dinucleotide_shuffle",
    "filter_motifs", "information_content", "ism", "match_motifs", "plot_attribution",
    "plot_filter_logos", "plot_logo", "plot_mutation_map", "read_vcf", "variant_effect",
]
