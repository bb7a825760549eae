"""deepomics.genome: interval sequences from an indexed FASTA, against plain Python slicing."""
import gzip
import os

import numpy as np
import pandas as pd
import pysam
import pytest

from deepomics import genome, seq


def _write_genome(path, chroms: dict[str, str], width: int = 60) -> None:
    with open(path, "w") as f:
        for name, s in chroms.items():
            f.write(f">{name} some description\n")
            for i in range(0, len(s), width):
                f.write(s[i:i + width] + "\n")


@pytest.fixture
def random_genome(tmp_path):
    rng = np.random.default_rng(0)
    chroms = {f"chr{i}": "".join(rng.choice(list("ACGTacgtN"), size=int(n)))
              for i, n in enumerate([1000, 357, 2048], 1)}
    path = tmp_path / "genome.fa"
    _write_genome(path, chroms)
    return path, chroms


def test_fetch_equals_slicing_with_minus_strand_reverse_complemented(random_genome):
    path, chroms = random_genome
    rng = np.random.default_rng(1)
    names = list(chroms)
    chrom = rng.choice(names, size=300)
    start = np.array([rng.integers(0, len(chroms[c]) - 1) for c in chrom])
    end = np.array([rng.integers(s + 1, len(chroms[c]) + 1) for s, c in zip(start, chrom)])
    strand = rng.choice(["+", "-", ".", "*"], size=300)
    got = genome.fetch(str(path), pd.DataFrame({"chrom": chrom, "start": start, "end": end,
                                                "strand": strand}))
    for g, c, s, e, st in zip(got, chrom, start, end, strand):
        want = chroms[c][s:e]
        assert g == (seq.reverse_complement(want) if st == "-" else want)
    # the index is built next to the FASTA, as samtools does
    assert os.path.exists(str(path) + ".fai")



def test_a_letter_without_complement_on_the_minus_strand_names_the_interval(tmp_path):
    path = tmp_path / "odd.fa"
    path.write_text(">1\nACGTACGTAC\n>2\nACGTXACGTA\n")
    table = pd.DataFrame({"chrom": ["1", "2", "2"], "start": [0, 0, 0], "end": [4, 4, 8],
                          "strand": ["-", "-", "-"]})
    assert genome.fetch(str(path), table.iloc[:2]) == ["ACGT", "ACGT"]
    with pytest.raises(genome.GenomeError, match=r"interval 2 \(2:0-8, 0-based, end exclusive, "
                                                 r"strand '-'\): the genome's letter 'X' at 2:4 "
                                                 r"\(0-based\) has no DNA complement; drop"):
        genome.fetch(str(path), table)
    # away from the chromosome's start: the genome's own coordinate, not the interval's offset
    table = pd.DataFrame({"chrom": ["2"], "start": [2], "end": [9], "strand": ["-"]})
    with pytest.raises(genome.GenomeError, match=r"letter 'X' at 2:4 \(0-based\)"):
        genome.fetch(str(path), table)


def test_interval_tables_are_read_in_their_own_convention(random_genome):
    """BED / pyranges tables are 0-based and end-exclusive; a GRanges as R's as.data.frame
    writes it (seqnames, start, end, width, strand) is 1-based with the end included."""
    path, chroms = random_genome
    want = [chroms["chr1"][10:20], seq.reverse_complement(chroms["chr2"][0:5])]
    bed = {"chrom": ["chr1", "chr2"], "start": [10, 0], "end": [20, 5], "strand": ["+", "-"]}
    assert genome.fetch(str(path), pd.DataFrame(bed)) == want
    pyranges = pd.DataFrame({"Chromosome": ["chr1", "chr2"], "Start": [10, 0], "End": [20, 5],
                             "Strand": ["+", "-"]})
    assert genome.fetch(str(path), pyranges) == want
    granges = pd.DataFrame({"seqnames": ["chr1", "chr2"], "start": [11, 1], "end": [20, 5],
                            "width": [10, 5], "strand": ["+", "-"]})
    assert genome.fetch(str(path), granges) == want


def test_bgzip_works_and_plain_gzip_says_how_to_fix(random_genome, tmp_path):
    path, chroms = random_genome
    bgz = str(tmp_path / "genome.fa.gz")
    pysam.tabix_compress(str(path), bgz)
    assert genome.fetch(bgz, {"chrom": ["chr2"], "start": [10], "end": [30]}) == [chroms["chr2"][10:30]]
    gz = tmp_path / "plain.fa.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    with pytest.raises(genome.GenomeError, match="plain gzip.*bgzip"):
        genome.fetch(str(gz), {"chrom": ["chr1"], "start": [0], "end": [5]})


def test_bad_intervals_name_the_interval_and_the_fix(random_genome):
    path, _ = random_genome
    fasta = genome.open_genome(path)
    cases = [
        ({"chrom": ["chr1", "1"], "start": [0, 0], "end": [5, 5]}, r"interval 1 .*no sequence '1'.*'chr1' or '1'"),
        ({"chrom": ["chr2"], "start": [300], "end": [400]}, r"interval 0 .*outside chr2, which has 357 bases"),
        ({"chrom": ["chr2"], "start": [-1], "end": [4]}, "outside chr2"),
        ({"chrom": ["chr1"], "start": [7], "end": [7]}, "empty"),
        ({"chrom": ["chr1"], "start": [np.nan], "end": [7]}, "start of interval 0 is nan"),
        ({"chrom": ["chr1"], "start": [0], "end": [7], "strand": ["x"]}, "strand of interval 0 is 'x'"),
        ({"chrom": ["chr1", "chr1"], "start": [0, 1], "end": [7]}, "end has 1 values, chrom 2"),
        ({"contig": ["chr1"], "start": [0], "end": [7]}, "need columns chrom, start and end"),
        ({"chrom": [], "start": [], "end": []}, "no intervals"),
    ]
    for intervals, message in cases:
        with pytest.raises(genome.GenomeError, match=message):
            genome.fetch(fasta, intervals)
    with pytest.raises(genome.GenomeError, match="must be a BED file, a DataFrame"):
        genome.fetch(fasta, 42)


def test_bad_fasta_files(tmp_path):
    with pytest.raises(genome.GenomeError, match="does not exist"):
        genome.open_genome(tmp_path / "missing.fa")
    table = tmp_path / "peaks.fa"
    table.write_text("chrom\tstart\tend\nchr1\t1\t5\n")
    with pytest.raises(genome.GenomeError, match=r"peaks.fa' is not a FASTA file: it starts with "
                                                 r"'chrom\\tstart\\tend', not a '>' header line"):
        genome.open_genome(table)
    assert not (tmp_path / "peaks.fa.fai").exists()
    ragged = tmp_path / "ragged.fa"
    ragged.write_text(">chr1\nACGT\nACGTAA\nAC\n")
    with pytest.raises(genome.GenomeError, match="cannot be indexed.*same length"):
        genome.open_genome(ragged)
    stale = tmp_path / "stale.fa"
    _write_genome(stale, {"chr1": "ACGT" * 10})
    genome.open_genome(stale)
    before = (tmp_path / "stale.fa.fai").read_bytes()
    _write_genome(stale, {"chr1": "ACGT" * 20})
    # fixed timestamps (no clock): the index from 2001, the FASTA edited in 2002
    os.utime(tmp_path / "stale.fa.fai", (1_000_000_000, 1_000_000_000))
    os.utime(stale, (1_030_000_000, 1_030_000_000))
    with pytest.raises(genome.GenomeError, match="older than.*does not match it.*delete the .fai"):
        genome.open_genome(stale)
    assert (tmp_path / "stale.fa.fai").read_bytes() == before   # the user's index is left alone
    # an older index that still describes the FASTA is fine (a copy finished the .fai first)
    _write_genome(stale, {"chr1": "ACGT" * 10})
    os.utime(stale, (1_030_000_000, 1_030_000_000))
    assert genome.fetch(stale, {"chrom": ["chr1"], "start": [4], "end": [8]}) == ["ACGT"]
    assert (tmp_path / "stale.fa.fai").read_bytes() == before
    with pytest.raises(genome.GenomeError, match="is a folder; give the path of the FASTA file"):
        genome.open_genome(tmp_path)


def test_an_unindexable_fasta_names_its_line_and_duplicate_names_are_refused(tmp_path):
    """htslib's own message goes to stderr; ours names the line. A second record of one name
    would be dropped from the index, so its intervals would read the first's letters."""
    cases = {">chr1\nACGT\nACGTAA\nAC\n": "line 3 .*'chr1'.* is longer \\(6 letters\\) than",
             ">chr1\nACGTAA\nACG\nACGTAA\n": "line 3 of sequence 'chr1' is shorter than its first",
             ">chr0\nAC\n>chr1 x\nACGT\n\nACGT\n": "line 5 is blank inside sequence 'chr1'"}
    for i, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"bad{i}.fa"
        path.write_text(text)
        with pytest.raises(genome.GenomeError, match="cannot be indexed: " + message):
            genome.open_genome(path)
    both = tmp_path / "both.fa"
    both.write_text(">chr1 human\nAAAAAAAA\n>chr2\nGG\n>chr1 mouse\nCCCCCCCC\n")
    with pytest.raises(genome.GenomeError, match="more than one sequence named 'chr1'.*Rename"):
        genome.fetch(both, {"chrom": ["chr1"], "start": [0], "end": [4]})
    assert not (tmp_path / "both.fa.fai").exists()
    # the names of a large file are read in blocks: a header across a block's end is whole
    names = genome._sequence_names.__wrapped__ if hasattr(genome._sequence_names, "__wrapped__") \
        else genome._sequence_names
    big = tmp_path / "big.fa"
    big.write_bytes(b">a\n" + b"A" * ((1 << 24) - 5) + b"\n>bcd efg\nAC\n>e")
    assert names(str(big)) == ["a", "bcd", "e"]


def test_intervals_are_taken_by_mask_and_named_by_their_number_in_the_whole_set(random_genome):
    path, chroms = random_genome
    regions = genome.GenomeIntervals(path, {"chrom": ["chr1", "chr2", "chr1"], "start": [0, 5, 9],
                                            "end": [4, 9, 13]})
    picked = regions.take(np.array([False, True, False]))
    assert list(picked.intervals.chrom) == ["chr2"] and list(picked.intervals.start) == [5]
    with pytest.raises(IndexError, match="boolean mask of intervals needs 3 values"):
        regions.take([True, False])
    with pytest.raises(IndexError, match="row numbers or a boolean mask, not float64"):
        regions.take([0.0, 1.0])
    # a batch's error names the interval's number in the user's set, not in the batch
    bad = {"chrom": ["chr1", "chr1", "chr1", "chr9"], "start": [0, 1, 2, 0], "end": [4, 5, 6, 4]}
    with pytest.raises(genome.GenomeError, match="interval 3 .*no sequence 'chr9'"):
        genome.fetch(path, genome.as_intervals(bad).__class__(
            *(np.asarray(v)[[1, 3]] for v in (bad["chrom"], bad["start"], bad["end"])),
            np.array(["+", "+"])), numbers=np.array([1, 3]))


def test_a_bed_file_that_is_not_utf8_names_its_line(tmp_path):
    bed = tmp_path / "peaks.bed"
    lines = [f"chr1\t{i}\t{i + 5}\tpeak{i}\n".encode() for i in range(3000)]
    lines[2500] = b"chr1\t1\t9\tpe\xe9k\n"  # latin-1, past the first decoded block
    bed.write_bytes(b"".join(lines))
    with pytest.raises(genome.GenomeError, match=r"peaks.bed, line 2501: byte b'\\xe9' is not "
                                                 r"UTF-8 text; save the file as UTF-8"):
        genome.read_bed(bed)


def test_a_genome_in_a_read_only_folder_is_indexed_once_elsewhere(random_genome, tmp_path,
                                                                   monkeypatch):
    """A shared reference folder cannot be written: the .fai (and bgzip's .gzi, which samtools
    would put next to the genome) go to a temporary folder, built once for every later open."""
    path, chroms = random_genome
    bgz = tmp_path / "genome.fa.gz"
    pysam.tabix_compress(str(path), str(bgz))
    folder = str(tmp_path)
    writable = os.access
    monkeypatch.setattr(genome.os, "access",
                        lambda p, mode: False if os.path.abspath(p) == folder else writable(p, mode))
    built = []
    build = genome._build_index
    monkeypatch.setattr(genome, "_build_index", lambda *a: built.append(a[0]) or build(*a))
    interval = {"chrom": ["chr2"], "start": [10], "end": [30]}
    for genome_path in (path, bgz):
        for _ in range(3):
            assert genome.fetch(genome_path, interval) == [chroms["chr2"][10:30]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["genome.fa", "genome.fa.gz"]
    assert built == [str(path), str(bgz)]  # once each


def _temporary_index_in_a_child(path):
    return genome._temporary_index(path, False)[0], dict(genome._TEMPORARY_INDEXES)


def test_a_spawned_child_uses_its_parents_temporary_index(random_genome, monkeypatch):
    """A spawned DataLoader worker's exit handlers do not run: it must not build (and leave
    behind) an index of its own, but use the one the parent built and removes."""
    import multiprocessing

    path, _ = random_genome
    monkeypatch.setattr(genome, "_TEMPORARY_INDEXES", {})
    monkeypatch.delenv(genome._INDEXES_ENV, raising=False)
    index, _ = genome._temporary_index(str(path), False)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        child_index, child_built = pool.apply(_temporary_index_in_a_child, (str(path),))
    assert child_index == index and child_built == {}
    monkeypatch.setenv(genome._INDEXES_ENV, "not json")  # a damaged variable: built afresh
    monkeypatch.setattr(genome, "_TEMPORARY_INDEXES", {})
    assert genome._temporary_index(str(path), False)[0] != index


def test_a_bad_strand_in_a_bed_file_names_the_line(tmp_path):
    bed = tmp_path / "peaks.bed"
    bed.write_text("track name=x\nchr1\t0\t4\ta\t0\t+\nchr1\t0\t4\tn\t0\tx\n")
    with pytest.raises(genome.GenomeError, match=r"peaks.bed, line 3: strand \(column 6\) is "
                                                 r"'x'; use '\+', '-' or '\.'"):
        genome.read_bed(bed)


def test_files_are_read_from_home_and_gzip_is_told_by_its_bytes(random_genome, tmp_path,
                                                                 monkeypatch):
    path, chroms = random_genome
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "peaks").write_bytes(gzip.compress(b"chr1\t5\t15\n"))  # no .gz in its name
    assert list(genome.read_bed("~/peaks").end) == [15]
    assert seq.read_fasta("~/genome.fa").sequences == list(chroms.values())
    with pytest.raises(FileNotFoundError, match="BED file .*nope.bed' does not exist"):
        genome.read_bed(tmp_path / "nope.bed")


def test_bed_and_vcf_are_read_from_a_pipe(tmp_path):
    """<(zcat peaks.bed.gz): a FIFO, plain or gzip, is read (its first bytes peeked for gzip)."""
    import threading

    from deepomics.interpret import read_vcf

    vcf = b"#CHROM\tPOS\tID\tREF\tALT\nchr1\t5\tx\tA\tC\n"
    for name, data, read, check in (
            ("plain.bed", b"chr1\t0\t10\n", genome.read_bed, lambda r: list(r.end) == [10]),
            ("packed.bed", gzip.compress(b"chr1\t0\t12\n"), genome.read_bed,
             lambda r: list(r.end) == [12]),
            ("calls.vcf", gzip.compress(vcf), read_vcf, lambda r: list(r["id"]) == ["x"])):
        fifo = tmp_path / name
        os.mkfifo(fifo)
        writer = threading.Thread(target=fifo.write_bytes, args=(data,))
        writer.start()
        result = read(fifo)
        writer.join()
        assert check(result), name


def test_read_bed(random_genome, tmp_path):
    path, chroms = random_genome
    bed = tmp_path / "peaks.bed"
    bed.write_text("track name=peaks\n# comment\nchr1\t5\t15\tpeak1\t0\t-\nchr3\t0\t8\n\n")
    intervals = genome.read_bed(bed)
    assert list(intervals.names) == ["peak1", "chr3:0-8"]
    assert genome.fetch(path, bed) == [seq.reverse_complement(chroms["chr1"][5:15]), chroms["chr3"][:8]]
    bad = tmp_path / "bad.bed"
    bad.write_text("chr1\t5\n")
    with pytest.raises(genome.GenomeError, match="line 1: a BED line needs chrom, start and end"):
        genome.read_bed(bad)
    bad.write_text("chr1\t5\tten\n")
    with pytest.raises(genome.GenomeError, match="line 1: start and end must be whole numbers"):
        genome.read_bed(bad)


def _planted_genome(tmp_path, n: int = 400, width: int = 50, motif: str = "TGACTCAG"):
    """A genome of 2 chromosomes with ``motif`` written into the positive windows; windows
    (half positive) as a DataFrame, and labels."""
    rng = np.random.default_rng(7)
    chroms = {c: np.array(list(rng.choice(list("ACGT"), size=n * width // 2 + 500)))
              for c in ("chrA", "chrB")}
    rows, labels = [], []
    for i in range(n):
        chrom = "chrA" if i % 2 else "chrB"
        start = (i // 2) * width
        positive = i % 4 < 2
        if positive:
            at = start + int(rng.integers(0, width - len(motif)))
            chroms[chrom][at:at + len(motif)] = list(motif)
        rows.append((chrom, start, start + width, "+" if i % 3 else "-"))
        labels.append(int(positive))
    path = tmp_path / "planted.fa"
    _write_genome(path, {c: "".join(s) for c, s in chroms.items()})
    windows = pd.DataFrame(rows, columns=["chrom", "start", "end", "strand"])
    return path, windows, np.array(labels)


def test_fit_and_predict_stream_intervals_from_the_genome(tmp_path):
    from deepomics import train

    path, windows, y = _planted_genome(tmp_path)
    regions = genome.GenomeIntervals(path, windows)
    assert len(regions) == 400 and set(regions.lengths) == {50}
    config = {"arch": "deepbind", "n_filters": 8, "filter_size": 10}
    streamed = train.fit(config, (regions, y), epochs=8, lr=0.01, batch_size=32, seed=0,
                         num_workers=2, valid_fraction=0.25)
    in_memory = train.fit(config, (genome.fetch(path, windows), y), epochs=8, lr=0.01,
                          batch_size=32, seed=0, valid_fraction=0.25)
    pd.testing.assert_frame_equal(streamed.history, in_memory.history)   # the same batches
    assert streamed.history["valid_auroc"].max() >= 0.95
    np.testing.assert_array_equal(train.predict(streamed, regions),
                                  train.predict(in_memory, genome.fetch(path, windows)))
    # longer regions: an any-length model reads them whole, as it reads the same strings
    wide = windows.assign(end=windows["end"] + 30)[:20]
    np.testing.assert_allclose(train.predict(streamed, genome.GenomeIntervals(path, wide)),
                               train.predict(streamed, genome.fetch(path, wide)), rtol=1e-6)
    fixed = train.fit({"arch": "promoter_cnn", "n_filters": 4, "filter_size": 5, "hidden": 4},
                      (regions, y), epochs=1)
    with pytest.raises(ValueError, match="sequence 0 has 80 letters but the model reads 50"):
        train.predict(fixed, genome.GenomeIntervals(path, wide))
    with pytest.raises(genome.GenomeError, match="interval 1 .*outside chrA"):
        genome.GenomeIntervals(path, {"chrom": ["chrA", "chrA"], "start": [0, 10**7],
                                      "end": [50, 10**7 + 50]})


@pytest.mark.parametrize("text", [">chr1\nACGT\nACGT\n>chr2\nAAAAAA", ">chr1 d\nACGT\nAAAA",
                                  ">chr1\r\nACGT\r\nAC\r\n>chr2\r\nGG\r\n",
                                  ">chr1 x\nACGT\n\n>empty\n>chr2 y z\nGG\n", ">a\nACGT\n\n\n"])
def test_an_older_index_that_describes_its_fasta_is_used(tmp_path, text):
    """No newline at the end, CRLF, descriptions, blank lines and empty records: an index from
    samtools still fits its FASTA when it is older (a copy finished it first)."""
    path = tmp_path / "g.fa"
    path.write_bytes(text.encode())
    pysam.faidx(str(path), "--fai-idx", str(path) + ".fai")
    os.utime(str(path) + ".fai", (1_000_000_000, 1_000_000_000))
    assert genome._index_fits(str(path), str(path) + ".fai", None)
    for changed in (text.replace("ACGT", "ACGTA", 1), text.replace(">chr1", ">chr0").replace(">a", ">b")):
        path.write_bytes(changed.encode())
        assert not genome._index_fits(str(path), str(path) + ".fai", None)


def test_a_stale_index_in_a_read_only_folder_is_rebuilt_elsewhere(tmp_path, monkeypatch):
    path = tmp_path / "g.fa"
    _write_genome(path, {"chr1": "ACGT" * 10})
    genome.open_genome(path).close()
    before = (tmp_path / "g.fa.fai").read_bytes()
    _write_genome(path, {"chr1": "ACGT" * 20})
    os.utime(tmp_path / "g.fa.fai", (1_000_000_000, 1_000_000_000))
    folder, writable = str(tmp_path), os.access
    monkeypatch.setattr(genome.os, "access",
                        lambda p, mode: False if os.path.abspath(p) == folder else writable(p, mode))
    monkeypatch.setattr(genome, "_TEMPORARY_INDEXES", {})
    monkeypatch.setattr(genome, "TEMPORARY_ROOT", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    assert genome.fetch(path, {"chrom": ["chr1"], "start": [60], "end": [64]}) == ["ACGT"]
    assert (tmp_path / "g.fa.fai").read_bytes() == before  # the user's file is left as it was
    assert [p.name[:13] for p in (tmp_path / "scratch").iterdir()] == ["deepomics-fai"]
