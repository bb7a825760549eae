"""deepomics.motifs: JASPAR matrices offline, sampling sites, planting them."""
import numpy as np
import pytest

from deepomics import motifs


def test_jaspar_pwm_is_a_probability_matrix_in_acgt_order():
    name, pwm = motifs.jaspar_pwm("MA0139.1")
    assert name == "CTCF" and pwm.shape == (4, 19)
    np.testing.assert_allclose(pwm.sum(axis=0), 1)
    # CTCF's core CCGCG...: column 9 (0-based) is almost always G in the JASPAR counts
    assert pwm[:, 9].argmax() == 2


def test_unknown_matrix_is_a_clear_error():
    with pytest.raises(ValueError, match="MA9999.9"):
        motifs.jaspar_pwm("MA9999.9")


def test_sampled_sites_follow_the_pwm():
    pwm = np.array([[0.9, 0.0], [0.1, 0.0], [0.0, 0.5], [0.0, 0.5]])
    sites = motifs.sample_sites(pwm, 4000, seed=1)
    assert all(len(s) == 2 for s in sites)
    first = np.array([s[0] for s in sites])
    second = np.array([s[1] for s in sites])
    assert abs(np.mean(first == "A") - 0.9) < 0.03 and set(first) == {"A", "C"}
    assert abs(np.mean(second == "G") - 0.5) < 0.04 and set(second) == {"G", "T"}
    assert motifs.sample_sites(pwm, 10, seed=3) == motifs.sample_sites(pwm, 10, seed=3)


def test_plant_writes_each_site_once_and_keeps_the_rest():
    background = ["A" * 30, "C" * 25]
    planted, starts = motifs.plant(background, ["GGG", "TTTT"], seed=0)
    for original, new, site, start in zip(background, planted, ["GGG", "TTTT"], starts):
        assert len(new) == len(original)
        assert new[start:start + len(site)] == site
        assert new[:start] + new[start + len(site):] == original[:len(original) - len(site)]
    assert background == ["A" * 30, "C" * 25]  # inputs untouched


def test_plant_checks_its_inputs():
    with pytest.raises(ValueError, match="one site each"):
        motifs.plant(["ACGT"], ["A", "C"])
    with pytest.raises(ValueError, match="longer than sequence 0"):
        motifs.plant(["ACG"], ["ACGTA"])
    with pytest.raises(ValueError, match=r"column\(s\) 2 \(1-based\); give probabilities or counts"):
        motifs.sample_sites([[0.7, -1.2], [0.1, 0.5], [0.1, 0.5], [0.1, 1.2]], 2)  # log-odds
    with pytest.raises(ValueError, match=r"column\(s\) 1, 3 "):
        motifs.sample_sites([[np.nan, 1, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0]], 2)
    with pytest.raises(ValueError, match=r"got shape \(3, 4\) \(transpose it\)"):
        motifs.sample_sites(np.ones((3, 4)), 2)


def test_counts_and_percentages_are_sampled_as_probabilities():
    """A JASPAR count matrix (or percentages) draws the same sites as its probabilities."""
    name, pwm = motifs.jaspar_pwm("MA0139.1")
    np.testing.assert_allclose(pwm.sum(axis=0), 1)
    counts = np.round(pwm * 200)  # columns of slightly different totals, as JASPAR's can be
    expected = motifs.sample_sites(counts / counts.sum(axis=0), 50, seed=4)
    assert motifs.sample_sites(counts, 50, seed=4) == expected
    assert motifs.sample_sites(pwm * 100, 50, seed=4) == motifs.sample_sites(pwm, 50, seed=4)
    assert len(motifs.sample_sites(pwm, 3.0)) == 3  # R's whole doubles
    with pytest.raises(ValueError, match="n must be a positive whole number, not -1"):
        motifs.sample_sites(pwm, -1)


def test_every_submodule_is_an_attribute_of_the_package_without_importing_it_first():
    """``deepomics.motifs`` (what R's jasparMotif / plantMotif call) and the other submodules
    load on first use, from ``import deepomics`` alone."""
    import subprocess
    import sys

    code = ("import deepomics; "
            "print(all(hasattr(deepomics, m) for m in ('motifs', 'genome', 'interpret', 'tl', "
            "'select', 'io', 'train', 'models', 'pl')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
