"""Variant effects: the model's prediction for the reference and the alternative sequence.

``variant_effect(model, ref, alt)`` takes the two sequences of each variant (sequences or
one-hot arrays of the model's length); ``variant_effect(model, "calls.vcf", genome="hg38.fa")``
reads SNVs and small indels from a VCF and cuts a window of the model's length centred on each
from the genome FASTA (checking that the VCF's REF matches it). The table holds ``ref_pred``
and ``alt_pred`` (probabilities for a classifier, values for regression), ``difference``
(alt minus ref) and, for a classifier, ``log_odds_ratio``: log(p_alt / (1 - p_alt)) -
log(p_ref / (1 - p_ref)), from the raw outputs so it does not saturate. Negative: the
variant lowers the prediction (a damaging variant for a binding model).
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import torch

from ..args import user_path
from ..genome import open_text
from ..messages import nth
from . import _utils as U

__all__ = ["variant_effect", "read_vcf", "variant_windows"]


def variant_effect(model, X, alt=None, *, genome=None, target=None, batch_size: int = 256,
                   device: str = "auto") -> pd.DataFrame:
    """Effects of variants on the model's output ``target`` (see the module note).

    ``X``: reference sequences (or one-hot ``(N, C, L)``) with ``alt`` the alternative ones in
    the same order; or a VCF path (plain or gzip) or a DataFrame of variants (chrom, pos
    1-based, ref, alt[, id]) with ``genome`` the FASTA path (or an open ``pysam.FastaFile``).
    Returns one row per variant (per alternative allele of a VCF line).
    """
    batch_size = U.check_batch_size(batch_size)
    variants = None
    if genome is not None or _is_vcf(X):
        if alt is not None:
            raise ValueError("give reference and alternative sequences, or a VCF with genome=, "
                             "not both")
        if genome is None:
            raise ValueError("a VCF needs genome= (the reference FASTA its windows are cut "
                             "from)")
        length = U.model_length(model)
        if length is None:
            raise ValueError("the model takes any length; train it first (or give ref and alt "
                             "sequences) so that the window around each variant has a length")
        variants = X if isinstance(X, pd.DataFrame) else read_vcf(X)
        variants, ref_seqs, alt_seqs = variant_windows(variants, genome, length)
        ref_x = U.one_hot_inputs(model, ref_seqs, "reference windows")
        alt_x = U.one_hot_inputs(model, alt_seqs, "alternative windows")
    else:
        if alt is None:
            raise ValueError("give the alternative sequences (alt=) for the reference ones, or "
                             "a VCF path with genome=")
        ref_x = U.one_hot_inputs(model, X, "ref")
        alt_x = U.one_hot_inputs(model, alt, "alt")
        if len(ref_x) != len(alt_x):
            raise ValueError(f"there are {len(ref_x)} reference and {len(alt_x)} alternative "
                             "sequences; give one alternative per reference, in the same order")
    output = U.output_column(model, target)
    with U.on_device(model, device) as dev:
        ref_raw = _raw(model, ref_x, batch_size, dev)
        alt_raw = _raw(model, alt_x, batch_size, dev)
    table = _effects(model, ref_raw, alt_raw, output)
    if variants is not None:
        table = pd.concat([variants.reset_index(drop=True), table], axis=1)
    return table


def _raw(model, x, batch_size, dev) -> torch.Tensor:
    outs = []
    with torch.inference_mode():
        for start in range(0, len(x), batch_size):
            batch = torch.from_numpy(np.array(x[start:start + batch_size], dtype=np.float32))
            outs.append(U.raw_outputs(model, batch.to(dev)).double().cpu())
    return torch.cat(outs)


def _effects(model, ref_raw, alt_raw, output) -> pd.DataFrame:
    task = getattr(model, "task", None)
    log_odds = None
    if task in ("binary", "multilabel"):  # the output is the class's log-odds
        z_ref, z_alt = output(ref_raw), output(alt_raw)
        ref_pred, alt_pred, log_odds = torch.sigmoid(z_ref), torch.sigmoid(z_alt), z_alt - z_ref
    elif task == "multiclass":
        ref_pred = torch.softmax(ref_raw, dim=1)[:, output.column]
        alt_pred = torch.softmax(alt_raw, dim=1)[:, output.column]
        log_odds = _log_odds(alt_raw, output.column) - _log_odds(ref_raw, output.column)
    else:
        ref_pred, alt_pred = output(ref_raw), output(alt_raw)
    table = pd.DataFrame({"ref_pred": ref_pred.numpy(), "alt_pred": alt_pred.numpy()})
    table["difference"] = table["alt_pred"] - table["ref_pred"]
    if log_odds is not None:
        table["log_odds_ratio"] = log_odds.numpy()
    return table


def _log_odds(raw: torch.Tensor, column: int) -> torch.Tensor:
    """log(p_c / (1 - p_c)) of a softmax over raw outputs: z_c - logsumexp(z without c)."""
    others = torch.cat([raw[:, :column], raw[:, column + 1:]], dim=1)
    return raw[:, column] - torch.logsumexp(others, dim=1)


# ---- VCF + genome ------------------------------------------------------------------------------


def _is_vcf(x) -> bool:
    if isinstance(x, pd.DataFrame):
        return True
    if isinstance(x, (str, os.PathLike)):
        return os.fspath(x).lower().endswith((".vcf", ".vcf.gz", ".vcf.bgz"))
    return False


def read_vcf(path) -> pd.DataFrame:
    """The variants of a VCF file (plain or gzip): chrom, pos (1-based), id, ref, alt, line.
    A line with several ALT alleles gives one row per allele. What has no sequence to score is
    skipped, with one warning counting each kind: records without an alternative allele (ALT
    ``.``, a reference call), spanning deletions (``*``), symbolic alleles (``<DEL>``, gVCF's
    ``<NON_REF>``) and breakends (``A[chr2:5[``). Any other ALT or REF that is not a sequence of
    A, C, G, T, N is an error naming the line."""
    path = user_path(path, "the VCF path")
    rows, skipped = [], dict.fromkeys(_UNSCORED, 0)
    with open_text(path, "VCF") as handle:
        for lineno, line in enumerate(handle, 1):
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) < 5:
                raise ValueError(f"{path}, line {lineno}: a VCF line needs CHROM, POS, ID, REF "
                                 f"and ALT separated by tabs; got {line.strip()[:60]!r}")
            chrom, pos, vid, ref, alts = fields[:5]
            if alts == ".":
                skipped["."] += 1
                continue
            try:
                pos = int(pos)
            except ValueError:
                raise ValueError(f"{path}, line {lineno}: POS must be a whole number, not "
                                 f"{pos!r}") from None
            for allele in alts.split(","):
                kind = _unscored_kind(allele)
                if kind is not None:
                    skipped[kind] += 1
                    continue
                if not allele or not set(allele.upper()) <= set("ACGTN"):
                    raise ValueError(
                        f"{path}, line {lineno}: ALT {allele!r} is not a sequence of A, C, G, "
                        "T, N; fix the line or drop it")
                if not ref or not set(ref.upper()) <= set("ACGTN"):
                    raise ValueError(f"{path}, line {lineno}: REF {ref!r} is not a sequence of "
                                     "A, C, G, T, N")
                rows.append({"chrom": chrom, "pos": pos, "id": vid, "ref": ref, "alt": allele,
                             "line": lineno})
    if any(skipped.values()):
        import warnings

        from .. import DeepomicsWarning

        counted = "; ".join(f"{n} {_UNSCORED[kind]}" for kind, n in skipped.items() if n)
        warnings.warn(f"{path}: skipped what has no sequence to score: {counted}",
                      DeepomicsWarning, stacklevel=2)
    if not rows:
        raise ValueError(f"{path} holds no variants" + (" with a sequence to score" if
                                                       any(skipped.values()) else ""))
    return pd.DataFrame(rows)


#: What read_vcf skips, by kind: how its warning counts them.
_UNSCORED = {".": "record(s) with ALT '.' (no alternative allele)",
             "*": "allele(s) '*' (spanning deletions)",
             "<>": "symbolic allele(s) such as <DEL> or <NON_REF>",
             "[]": "breakend(s)"}


def _unscored_kind(allele: str) -> str | None:
    """The kind of an ALT allele that has no sequence (a key of _UNSCORED), or None."""
    if allele == "*":
        return "*"
    if allele.startswith("<") and allele.endswith(">"):
        return "<>"
    if "[" in allele or "]" in allele or (len(allele) > 1 and "." in (allele[0], allele[-1])):
        return "[]"
    return None


def _chrom_name(value) -> str:
    """A chromosome as the FASTA names it: text as it is, a number as its digits (1.0 -> "1")."""
    if isinstance(value, (int, np.integer)) or (isinstance(value, (float, np.floating))
                                                and float(value).is_integer()):
        return str(int(value))
    return str(value)


def _is_whole(value) -> bool:
    try:
        return float(value).is_integer()
    except (TypeError, ValueError):
        return False


def variant_windows(variants: pd.DataFrame, genome, length: int):
    """(variants, ref windows, alt windows): windows of ``length`` letters from the genome,
    the variant's first base at position ``length // 2``; an indel's alternative window is cut
    to the same length (extended to the right from the genome after a deletion)."""
    from .. import genome as G

    missing = {"chrom", "pos", "ref", "alt"} - set(variants.columns)
    if missing:
        raise ValueError(f"variants need columns chrom, pos (1-based), ref and alt; missing "
                         f"{', '.join(sorted(missing))}")
    fasta = G.open_genome(genome) if isinstance(genome, (str, os.PathLike)) else genome
    sizes = dict(zip(fasta.references, fasta.lengths))
    ref_windows, alt_windows = [], []
    for i, row in enumerate(variants.itertuples(index=False)):
        where = f"variant {nth(i)} ({row.chrom}:{row.pos} {row.ref}>{row.alt}" + (
            f", line {row.line})" if hasattr(row, "line") else ")")
        chrom = _chrom_name(row.chrom)  # a number column (1, 2, X read as text) names "1"
        if chrom not in sizes:
            raise G.GenomeError(f"{where}: the genome has no sequence {chrom!r}; check the "
                                "naming ('chr1' or '1')")
        if not _is_whole(row.pos) or int(row.pos) < 1:
            raise ValueError(f"{where}: pos must be a 1-based position (a whole number >= 1), "
                             f"not {row.pos!r}")
        for name, allele in (("REF", row.ref), ("ALT", row.alt)):
            if not isinstance(allele, str):  # a missing cell (NaN) or a number
                what = "missing" if pd.isna(allele) else repr(allele)
                raise ValueError(f"{where}: {name} is {what}; give it as text, a sequence of A, "
                                 "C, G, T, N")
        ref, alt = str(row.ref).upper(), str(row.alt).upper()
        for name, allele in (("REF", ref), ("ALT", alt)):  # as read_vcf checks a file's
            if not allele or not set(allele) <= set("ACGTN"):
                raise ValueError(
                    f"{where}: {name} {allele!r} is not a sequence of A, C, G, T, N; give an "
                    "indel as VCF does, with the base before it in both alleles (REF 'AT', ALT "
                    "'A'; not MAF's '-'), and drop '*', '.' and symbolic alleles")
        at = int(row.pos) - 1
        start = at - length // 2
        extra = max(0, len(ref) - len(alt))
        end = start + length + extra
        if start < 0 or end > sizes[chrom]:
            raise G.GenomeError(f"{where}: the {length}-letter window around it runs past the "
                                f"ends of {chrom} ({sizes[chrom]} bases); drop it")
        window = fasta.fetch(chrom, start, end).upper()
        offset = at - start
        if window[offset:offset + len(ref)] != ref:
            raise G.GenomeError(f"{where}: REF {ref!r} does not match the genome, which has "
                                f"{window[offset:offset + len(ref)]!r} there; is this the "
                                "genome build the VCF was called on?")
        ref_windows.append(window[:length])
        alt_windows.append((window[:offset] + alt + window[offset + len(ref):])[:length])
    return variants, ref_windows, alt_windows
