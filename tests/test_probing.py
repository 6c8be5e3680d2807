"""Directional probing of torch models: exact quadratic case, weights untouched, seeds,
errors."""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from fractal_lib.core.checks import EstimatorWarning
from fractal_lib.multifractal import measures as mf
from fractal_lib.multifractal import probing

EPS = np.logspace(-5, -1, 6)
Q = np.array([-2.0, -1.0, 0.5, 1.0, 2.0, 3.0])


def _linear_regression():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(40, 5, generator=gen, dtype=torch.float64)
    y = torch.randn(40, 3, generator=gen, dtype=torch.float64)
    model = nn.Linear(5, 3).double()
    return model, x, y


def _tiny_cnn():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1),
        nn.BatchNorm2d(3),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(12, 4),
    )
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(8, 1, 6, 6, generator=gen)
    y = torch.randint(0, 4, (8,), generator=gen)
    return model, x, y


def test_quadratic_loss_gives_exponent_two_and_zero_m_tau():
    # the MSE of a linear model is exactly quadratic in the weights: R_i = eps^2 d_i^T H
    # d_i
    model, x, y = _linear_regression()
    res = probing.probe(
        model, x, y, EPS, n_directions=12, loss=nn.functional.mse_loss, progress=False
    )
    ex = mf.direction_exponents(res.R, res.scales)
    np.testing.assert_allclose(ex.slope, 2.0, atol=1e-4)
    rec = mf.analyze(res.R, res.scales, Q, [(0, 4), (2, 6)])
    assert np.all(rec.m_tau < 1e-4)
    # and the prefactor is the exact curvature along the same directions
    dhd = probing.quadratic_form(
        model, x, y, n_directions=12, loss=nn.functional.mse_loss
    )
    np.testing.assert_allclose(res.R[:, -1] / EPS[-1] ** 2, dhd, rtol=1e-8)


def test_probing_never_changes_the_weights():
    model, x, y = _tiny_cnn()
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    for protocol, dtype in (("fresh", "float64"), ("inplace", "float32")):
        probing.probe(
            model,
            x,
            y,
            EPS,
            n_directions=3,
            protocol=protocol,
            dtype=dtype,
            progress=False,
        )
    with pytest.warns(EstimatorWarning, match="did not converge"):
        probing.curvature(model, x, y, n_iter=3, n_hutchinson=2)
    after = model.state_dict()
    for k, v in before.items():
        assert torch.equal(v, after[k]), k
    assert model.training and next(model.parameters()).dtype == torch.float32


def test_same_seed_same_numbers_and_nested_directions():
    model, x, y = _tiny_cnn()
    a = probing.probe(
        model, x, y, EPS, n_directions=4, seed=5, bank_size=2, progress=False
    )
    b = probing.probe(
        model, x, y, EPS, n_directions=4, seed=5, bank_size=2, progress=False
    )
    np.testing.assert_array_equal(a.R, b.R)
    c = probing.probe(
        model, x, y, EPS, n_directions=2, seed=5, bank_size=2, progress=False
    )
    np.testing.assert_array_equal(
        a.R[:2], c.R
    )  # fewer directions = a subset of the same ones
    d = probing.probe(
        model, x, y, EPS, n_directions=4, seed=6, bank_size=2, progress=False
    )
    assert not np.array_equal(a.R, d.R)
    np.testing.assert_array_equal(a.seeds, [100_005, 100_006, 200_005, 200_006])


def test_directions_include_batchnorm_and_have_unit_norm():
    model, x, y = _tiny_cnn()
    params = list(model.parameters())
    from fractal_lib.nets.directions import random_directions

    d = random_directions(params, 1, normalize="tensor", unit_norm=True, seed=1)[0]
    assert abs(float(sum((t.double() ** 2).sum() for t in d)) - 1.0) < 1e-6
    bn = model[1]
    idx = [i for i, p in enumerate(params) if p is bn.weight][0]
    assert float(d[idx].norm()) > 0  # BatchNorm weights are perturbed too


def test_float32_hits_a_precision_floor_that_float64_does_not():
    model, x, y = _tiny_cnn()
    eps = np.logspace(-7, -1, 7)
    r64 = probing.probe(
        model, x, y, eps, n_directions=4, dtype="float64", progress=False
    ).R
    r32 = probing.probe(
        model, x, y, eps, n_directions=4, dtype="float32", progress=False
    ).R
    # eps in [1e-5, 1e-3], R ~ 1e-13 .. 1e-9: float64 sees the quadratic regime
    # (exponent 2), float32 (loss quantised at ~1e-7 L) sees rounding noise
    w = (2, 5)
    assert np.all(np.abs(mf.direction_exponents(r64, eps, window=w).slope - 2) < 0.02)
    assert (
        np.median(
            np.abs(mf.direction_exponents(r32, eps, window=w, floor=1e-30).slope - 2)
        )
        > 0.5
    )
    # float64 too has a floor, ~1e-16 L, reached at eps = 1e-7 for this curvature
    assert np.all(r64[:, 0] < 1e-14)
    # at the largest scale both agree
    np.testing.assert_allclose(r32[:, -1], r64[:, -1], rtol=1e-2)


def test_checkpoint_arrays_roundtrip():
    model, _, _ = _tiny_cnn()
    arrays = probing.state_to_arrays(model.state_dict(), prefix="c0/")
    back = probing.arrays_to_state(arrays, prefix="c0/")
    for k, v in model.state_dict().items():
        assert torch.equal(v, back[k])


@pytest.mark.parametrize(
    "kw, name",
    [
        (dict(scales=[1e-3, 0.0]), "scales"),
        (dict(scales=[1e-3, -1e-2]), "scales"),
        (dict(scales=[]), "scales"),
        (dict(n_directions=0), "n_directions"),
        (dict(protocol="drift"), "protocol"),
        (dict(dtype="float16"), "dtype"),
    ],
)
def test_bad_input_raises_naming_parameter(kw, name):
    model, x, y = _tiny_cnn()
    args = dict(scales=EPS, n_directions=2, progress=False) | kw
    with pytest.raises(ValueError, match=name):
        probing.probe(model, x, y, **args)


def test_explorer_and_figures_render_from_synthetic_responses():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from fractal_lib.multifractal import plotting as pp
    from fractal_lib.multifractal import widgets as multifractal_widgets

    rng = np.random.default_rng(0)
    eps = np.logspace(-4, -2, 5)
    R = {
        f: rng.lognormal(size=(32, 1)) * eps ** rng.uniform(1.5, 2.5, size=(32, 1))
        for f in (0.1, 0.5)
    }
    fig = multifractal_widgets.explore_probing(
        R, eps, Q, 0.5, (-2.0, 3.0), (0, 3), n_banks=2
    )
    assert len(fig.axes) == 3
    fig2 = pp.plot_precision_floor(
        eps, {"a": R[0.1], "zeros": np.zeros((4, 5))}, window=(1, 5), curvature=1.0
    )
    assert fig2.axes[0].get_xscale() == "log"
    plt.close("all")


def _calls(function, name):
    """Number of calls to ``name`` in the source of ``function``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return sum(
        isinstance(node, ast.Call) and getattr(node.func, "id", None) == name
        for node in ast.walk(tree)
    )


def test_probe_is_one_call_with_or_without_a_thread_limit():
    # One call to _probe, in a null context without a thread limit (it was written
    # twice); the thread count is restored either way and the numbers agree
    assert _calls(probing.probe, "_probe") == 1
    model, x, y = _linear_regression()
    before = torch.get_num_threads()
    r1 = probing.probe(model, x, y, EPS, n_directions=2, threads=1, progress=False)
    assert torch.get_num_threads() == before
    r0 = probing.probe(model, x, y, EPS, n_directions=2, threads=None, progress=False)
    assert torch.get_num_threads() == before
    np.testing.assert_allclose(r0.R, r1.R, rtol=1e-12)


def test_tau_curves_and_spectra_share_one_line_helper():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from fractal_lib.multifractal import plotting as pp

    # Both draw through _stage_lines (the loop was written twice)
    for plot in (pp.plot_tau_curves, pp.plot_spectra):
        assert _calls(plot, "_stage_lines") == 1
        tree = ast.parse(textwrap.dedent(inspect.getsource(plot)))
        assert not any(isinstance(node, ast.For) for node in ast.walk(tree))
    q = np.array([-1.0, 1.0, 2.0])
    curves = {"early": (q, 0.1 * q), "late": (2 * q, 0.2 * q)}
    ax = pp.plot_tau_curves(q, curves).axes[0]
    assert len(ax.collections) == 2  # one +- se band per curve
    np.testing.assert_allclose(ax.lines[1].get_ydata(), 2 * q)
    assert list(ax.lines[-1].get_ydata()) == [0, 0]  # the zero line
    ax = pp.plot_spectra({"a": (q, q**2), "b": (q, -q)}).axes[0]
    assert not ax.collections and len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[0].get_xydata(), np.c_[q, q**2])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    plt.close("all")


def test_chapter_shows_every_comparison_and_names_the_authors_settings():
    # Every ledger row is shown in its cell (six trend rows were added unseen next to
    # a hand-built table): a cell with rows ends with ledger.show; the paper module is
    # `P` as in every chapter, and
    # "Differences" states min_total and the probe batches from the paper's constants
    import jupytext

    path = Path(__file__).resolve().parents[1] / "notebooks"
    nb = jupytext.read(path / "torok_multifractal_probing.md")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    cells = [c.source for c in nb.cells if "ledger.compare(" in c.source]
    assert cells and all(
        c.strip().splitlines()[-1].startswith("ledger.show(") for c in cells
    )
    assert "torok_bartha as P\n" in code and "TB." not in code
    text = "\n".join(c.source for c in nb.cells)
    differences = text.split("## Differences from the paper")[1].split("## Explore")[0]
    for name in ("P.MIN_TOTAL", "P.N_PROBE_BATCHES", "min_total = 0"):
        assert name in differences


def test_state_digest_tracks_the_weights():
    model, _, _ = _tiny_cnn()
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    d0 = probing.state_digest(sd)
    assert probing.state_digest({k: v.clone() for k, v in sd.items()}) == d0
    sd["5.bias"][0] += 1e-6
    assert probing.state_digest(sd) != d0


# ----------------------------------------------------------------------------- training
# cache key
def _factory_a():
    torch.manual_seed(0)
    return nn.Linear(4, 3)


def _factory_b():
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    nn.init.zeros_(model.weight)  # same settings, different model code
    return model


def test_training_key_follows_the_model_factory_code(tmp_path):
    """A cached training is keyed by the code that builds the model: a factory with
    other source (same key_params) retrains instead of serving the other factory's
    checkpoints."""
    from fractal_lib.core.cache import ResultCache
    from fractal_lib.nets import models

    def notebook_build():  # user code calling the library, as in the chapter
        return models.resnet18(in_channels=1, width=1)

    deps, _ = probing.factory_dependencies(notebook_build)
    assert {"fractal_lib.nets.models", "fractal_lib.nets.data"} <= set(deps)
    assert "fractal_lib.nets.models" in probing.factory_dependencies(models.resnet18)[0]
    va, vb = probing.training_version(_factory_a), probing.training_version(_factory_b)
    assert va != vb and va == probing.training_version(_factory_a)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(16, 4, generator=gen)
    y = torch.randint(0, 3, (16,), generator=gen)
    kw = dict(
        fractions=[0.0, 1.0],
        train_kwargs=dict(epochs=1, batch_size=8, lr=0.1, seed=0),
        x_test=x,
        y_test=y,
        n_eval=16,
        key_params={"model": "linear"},
        cache=ResultCache(tmp_path),
        progress=False,
    )
    run_a = probing.train_checkpoints(_factory_a, x, y, **kw)
    run_b = probing.train_checkpoints(_factory_b, x, y, **kw)
    assert (
        torch.count_nonzero(run_b.states[0]["weight"]) == 0
    )  # b's own initial weights
    assert not torch.equal(run_a.states[0]["weight"], run_b.states[0]["weight"])
    again = probing.train_checkpoints(_factory_a, x, y, **kw)  # and a is still cached
    assert torch.equal(again.states[1]["weight"], run_a.states[1]["weight"])
    assert len(list(tmp_path.rglob("probing-train-*.npz"))) == 2
