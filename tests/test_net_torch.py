"""The torch backend of the network grid: the same runs as the numba kernel (outcomes,
measures, early ends), in float64 and float32, on the CPU."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from fractal_lib.boundaries import _net_torch as NTT
from fractal_lib.boundaries import network_trainability as NT
from fractal_lib.papers import sohl_dickstein2024 as SD

SMALL = dict(width=6, n_data=20)


def _points(size=120, seed=0):
    rng = np.random.default_rng(seed)
    lr = 10 ** rng.uniform(-3, 5, size=(2, size))
    return lr[0], lr[1], rng.uniform(-1.0, 1.0, size)


@pytest.mark.parametrize(
    "kw",
    [
        dict(activation="tanh"),
        dict(activation="relu"),
        dict(activation="identity"),
        dict(activation="tanh", batch_size=5),
        dict(activation="tanh", offset_mode="every_step"),
        dict(activation="relu", parameterisation="ntk"),
    ],
)
def test_torch_follows_the_reference_run(kw):
    prob = NT.NetworkProblem(**kw, **SMALL)
    lr1, lr2, off = _points(24, seed=1)
    m, done = NT.run_points(prob, lr1, lr2, offset=off, steps=30, backend="torch")
    ref = np.array(
        [
            NT.reference_run(prob, a, b, offset=o, steps=30)
            for a, b, o in zip(lr1, lr2, off, strict=True)
        ]
    )
    assert np.all(np.sign(m) == np.sign(ref))
    # non-chaotic runs agree to rounding; a few chaotic ones (large rates) drift
    rel = np.abs(m / ref - 1)
    assert np.median(rel) < 1e-12 and np.mean(rel < 1e-9) >= 0.75
    assert np.any(m < 0) and np.any(m > 0) and np.all(done <= 30)


def test_torch_early_ends_and_measure_match_the_kernel_definition():
    prob = NT.NetworkProblem("relu", **SMALL)
    lr1, lr2, off = _points(200)
    a, da = NT.run_points(prob, lr1, lr2, offset=off, steps=40, parallel=False)
    b, db = NT.run_points(prob, lr1, lr2, offset=off, steps=40, backend="torch")
    assert np.array_equal(da, db)  # every run ends at the same step
    ended = da < 40
    assert ended.sum() > 20  # many runs end early and count the rest as 1e6
    np.testing.assert_allclose(b, a, rtol=1e-12)


def test_torch_is_deterministic_and_chunks_change_only_rounding():
    """The same call gives the same numbers, bit for bit. Chunking changes the shapes of
    the matrix products, and torch's CPU BLAS and reductions pick their summation order
    by shape, so a point's last bits depend on the points trained with it (unlike the
    numba kernel, whose lanes never mix): measured here, no sign changes and every
    measure within 1e-9 relative."""
    prob = NT.NetworkProblem("tanh", batch_size=4, **SMALL)
    lr1, lr2, off = _points(50, seed=2)
    args = (
        NT.ACTIVATIONS["tanh"],
        *prob.arrays(),
        lr1,
        lr2,
        off,
        False,
        25,
        *prob.scales(),
        prob.batches(25),
    )
    whole = NTT.run_grid(*args, device="cpu")
    again = NTT.run_grid(*args, device="cpu")
    assert np.array_equal(whole[0], again[0]) and np.array_equal(whole[1], again[1])
    chunked = NTT.run_grid(*args, device="cpu", chunk_points=7)
    assert np.array_equal(np.sign(whole[0]), np.sign(chunked[0]))
    assert np.array_equal(whole[1], chunked[1])
    np.testing.assert_allclose(chunked[0], whole[0], rtol=1e-9)
    with pytest.raises(ValueError, match="chunk_points"):
        NTT.run_grid(*args, chunk_points=0)
    with pytest.raises(ValueError, match="batches"):
        NTT.run_grid(*args[:-1], prob.batches(10))


def test_float32_training_is_float32_and_close():
    prob = NT.NetworkProblem("tanh", **SMALL)
    lr1, lr2, off = _points(200, seed=3)
    a, _ = NT.run_points(prob, lr1, lr2, steps=40, backend="torch")
    b, _ = NT.run_points(prob, lr1, lr2, steps=40, backend="torch", dtype="float32")
    assert not np.array_equal(a, b)  # float32 arithmetic, not float64 rounded
    assert np.mean(np.sign(a) == np.sign(b)) >= 0.97
    rel = np.abs(a / b - 1)
    assert np.median(rel) < 1e-4  # float32 rounding (2**-24) grown over 40 steps
    c, _ = NT.run_points(prob, lr1, lr2, steps=40, dtype="float32", parallel=False)
    assert np.mean(np.sign(b) == np.sign(c)) >= 0.97  # torch and numba in float32
    assert np.median(np.abs(c / b - 1)) < 1e-5


def test_importing_the_module_does_not_import_torch_backend():
    # network_trainability imports _net_torch only when backend="torch" is asked for
    assert "from . import _net_torch" in open(NT.__file__).read()
    assert all(
        "_net_torch" not in line
        for line in open(NT.__file__).read().splitlines()
        if line.startswith(("import ", "from "))
    )
    assert "torch" in sys.modules  # (this test module itself imported it)


#: Sign flips (torch against numba) observed on the 33 x 33 root grid at 100 steps,
#: per configuration (2-core x86 CPU, torch 2.13 CPU build): the largest count seen with
#: the issue-13 and the issue-14 kernels (tanh 4 and 3); see the test's docstring.
FLIPS_OBSERVED = {"tanh": 4, "relu": 0, "identity": 0, "minibatch": 4}
#: Fraction of points whose measures agree to 1e-9 relative, lower bounds with room for
#: other builds' summation orders (observed: tanh 0.78, relu 1.00, identity 0.998,
#: minibatch 0.77).
AGREE_FRACTION = {"tanh": 0.6, "relu": 0.99, "identity": 0.95, "minibatch": 0.6}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FLIPS_OBSERVED))
def test_torch_gives_the_numba_outcomes_on_the_33x33_root_grid(name):
    """Torch (CPU, float64) against the numba kernel on the paper's root window
    ``[-3, 6]^2`` of the learning-rate plane, 33 x 33 points, 100 steps, width 16.

    Both implement the same arithmetic up to rounding: torch's ``tanh`` (not the
    kernel's polynomial) and its matrix products (another summation order) differ in
    the last bits. Rounding differences grow where training is chaotic, so:

    * signs: a handful of points flip, all of them next to the boundary (an 8-neighbour
      of the other sign in the numba image): chaotic runs at the boundary, and runs
      whose mean of the last 20 normalised losses sits within rounding of 1 (measures
      near +-100 after 100 steps: saturated tanh units and a tiny output rate keep the
      loss near its start). Observed: tanh 3
      (4 with the issue-13 kernel) and minibatch 4 flips out of about 108 and 120
      boundary-adjacent pixels, relu and identity none. Two float64 implementations of
      the same maths disagree as often: numba against the plain NumPy
      ``reference_run`` flips 2 (tanh) and 6 (minibatch) points of the same grids. The
      bound asserted is relative, at most 5 % of the boundary-adjacent pixels, and
      every flip must be one of them (the counts depend on the build's summation
      order).
    * measures: most points agree to 1e-9 relative (rounding accumulated over 100
      steps); the rest lie in the large-``lr1`` region of tanh networks where the
      weights move chaotically (percent-level differences, same sign). ReLU and identity
      networks have no such region.
    """
    kw = {
        "tanh": dict(activation="tanh"),
        "relu": dict(activation="relu"),
        "identity": dict(activation="identity"),
        "minibatch": dict(activation="tanh", batch_size=SD.BATCH_SIZE),
    }[name]
    prob = SD.problem(**kw)  # type: ignore[arg-type]
    xs = NT.Window((-3.0, 6.0, -3.0, 6.0)).coords(5)[0]
    assert xs.size == 33
    lr1, lr2, off = NT.plane_rates("lr_vs_lr", xs, xs)
    a, da = NT.run_points(prob, lr1, lr2, steps=100)
    b, db = NT.run_points(prob, lr1, lr2, steps=100, backend="torch")
    A = np.sign(a).reshape(33, 33)
    P = np.pad(A, 1, mode="edge")
    adjacent = np.zeros(A.shape, dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            adjacent |= P[1 + dy : 34 + dy, 1 + dx : 34 + dx] != A
    flips = (np.sign(a) != np.sign(b)).reshape(33, 33)
    assert 0 < np.mean(a < 0) < 1 and adjacent.sum() > 30  # the grid has a boundary
    # the observed counts are for the record; the bound is relative (another CPU,
    # BLAS or torch build sums in another order and may flip another boundary point)
    assert flips.sum() <= 0.05 * adjacent.sum()
    assert np.all(adjacent[flips])
    rel = np.abs(a / b - 1)
    assert np.mean(rel <= 1e-9) >= AGREE_FRACTION[name]
    assert np.mean(da == db) >= 0.97  # runs end at the same step
