"""Fuzzes one_hot, tokenize, reverse_complement and kmer_counts with atheris.

Arguments and sequences are drawn from the fuzzer's bytes. Bad input must raise ValueError or
TypeError; good input must give arrays of the documented shape and range. Run:
python tests/fuzz/fuzz_one_hot.py -max_total_time=60
"""
import sys

import atheris

with atheris.instrument_imports():
    import numpy as np

    from deepomics import seq

ALPHABETS = ["dna", "rna", "protein", "ACGT", "xy", "AA", "", "é"]


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    n = fdp.ConsumeIntInRange(0, 6)
    as_bytes = fdp.ConsumeBool()
    seqs = [fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 40)) for _ in range(n)]
    if not as_bytes:
        seqs = [s.decode("latin-1") for s in seqs]
    alphabet = fdp.PickValueInList(ALPHABETS)
    length = fdp.PickValueInList([None, 1, 7, 64, 0, -3, 2.5])
    pad = fdp.PickValueInList(["right", "left", "center", "middle"])
    try:
        x = seq.one_hot(
            seqs,
            alphabet=alphabet,
            length=length,
            pad=pad,
            unknown=fdp.PickValueInList(["zero", "uniform", "error", "skip"]),
            iupac=fdp.ConsumeBool(),
            dtype=fdp.PickValueInList([np.float32, np.float16, np.uint8, "int7"]),
        )
        assert x.ndim == 3 and x.shape[0] == n
        assert np.all(x >= 0) and np.all(x.astype(np.float32).sum(axis=1) <= 1.001)
    except (ValueError, TypeError):
        pass
    try:
        tokens = seq.tokenize(seqs, alphabet=alphabet, length=length, pad=pad)
        assert tokens.shape[0] == n and tokens.min() >= 0
        assert len(seq.decode(tokens, alphabet=alphabet)) == n
    except (ValueError, TypeError):
        pass
    try:
        rc = seq.reverse_complement(seqs)
        assert seq.reverse_complement(rc) == seqs
    except (ValueError, TypeError):
        pass
    try:
        counts = seq.kmer_counts(seqs, k=fdp.ConsumeIntInRange(0, 4))
        assert counts.shape[0] == n and counts.min() >= 0
    except (ValueError, TypeError):
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
