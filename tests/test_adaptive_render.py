"""Adaptive refinement of sign fields (boundaries.adaptive) and the adaptive network
render (network_trainability.render(adaptive=True)), against full evaluations."""

from __future__ import annotations

import numpy as np
import pytest

from fractal_lib.boundaries import adaptive as A
from fractal_lib.boundaries import network_trainability as NT
from fractal_lib.boundaries.boxcount import edges_2d
from fractal_lib.core.cache import ResultCache
from fractal_lib.papers import sohl_dickstein2024 as P


def _grid_field(f, log2_res):
    n = (1 << log2_res) + 1
    r, c = np.mgrid[0:n, 0:n]
    return f(r.ravel(), c.ravel()).reshape(n, n)


def _unit(i, log2_res):
    return i / float(1 << log2_res)  # grid index -> [0, 1]


def _circle(log2_res, cx=0.5, cy=0.5, radius=0.3):
    def f(rows, cols, *_):
        x, y = _unit(cols, log2_res), _unit(rows, log2_res)
        return (x - cx) ** 2 + (y - cy) ** 2 - radius**2

    return f


def _blobs(log2_res):
    """A smooth boundary that is not convex: the union of two overlapping ellipses."""

    def f(rows, cols, *_):
        x, y = _unit(cols, log2_res), _unit(rows, log2_res)
        e1 = ((x - 0.4) / 0.3) ** 2 + ((y - 0.45) / 0.2) ** 2 - 1
        e2 = ((x - 0.62) / 0.15) ** 2 + ((y - 0.6) / 0.3) ** 2 - 1
        return np.minimum(e1, e2)

    return f


def _mandelbrot(log2_res, iters=40):
    """Escape time (> 0) or -1 (bounded), on [-2.2, 0.8] x [-1.5, 1.5]."""

    def f(rows, cols, *_):
        c = (-2.2 + 3 * _unit(cols, log2_res)) + 1j * (-1.5 + 3 * _unit(rows, log2_res))
        z = np.zeros_like(c)
        out = np.full(c.shape, -1.0)
        for i in range(iters):
            live = out < 0
            z[live] = z[live] ** 2 + c[live]
            out[live & (np.abs(z) > 2)] = i + 1
        return out

    return f


def _exact_blocks(exact):
    return exact[:-1, :-1] & exact[:-1, 1:] & exact[1:, :-1] & exact[1:, 1:]


@pytest.mark.parametrize("make", [_circle, _blobs])
@pytest.mark.parametrize("guard", [0, 1])
def test_smooth_boundary_is_found_whole(make, guard):
    L = 8
    f = make(L)
    full = _grid_field(f, L)
    res = A.refine_sign_field(f, L, base_log2_res=3, guard=guard)
    assert np.array_equal(res.values[res.exact], full[res.exact])
    e_full, e_ad = edges_2d(full), edges_2d(res.values)
    assert e_full.sum() > 100
    assert np.array_equal(e_ad, e_full)  # every boundary pixel, and no other
    assert np.array_equal(res.values > 0, full > 0)
    assert np.all(_exact_blocks(res.exact)[e_ad])
    # far fewer points than the grid, and the counts add up
    assert res.fraction_computed < 0.1
    assert res.counts.sum() == res.points_computed
    assert res.counts.shape == (L - 3 + 1,)


def test_every_point_is_evaluated_once_and_filled_values_keep_the_sign():
    L = 7
    f = _mandelbrot(L)
    seen = []

    def spy(rows, cols, level, rnd):
        seen.append(rows * ((1 << L) + 1) + cols)
        return f(rows, cols)

    res = A.refine_sign_field(spy, L, base_log2_res=3, guard=1)
    idx = np.concatenate(seen)
    assert idx.size == np.unique(idx).size == res.points_computed
    full = _grid_field(f, L)
    assert np.array_equal(res.values[res.exact], full[res.exact])
    # boundary pixels of the result rest on exact values only
    assert np.all(_exact_blocks(res.exact)[edges_2d(res.values)])


def test_base_level_everything_reproduces_the_full_field():
    L = 5
    f = _mandelbrot(L)
    res = A.refine_sign_field(f, L, base_log2_res=L, guard=0)
    assert res.exact.all()
    assert np.array_equal(res.values, _grid_field(f, L))


def test_small_island_is_missed_by_a_coarse_base_and_found_by_a_fine_one():
    """The documented trade-off: an island smaller than a base cell, away from the
    main boundary, is invisible to a coarse base whatever the guard."""
    L = 8

    def f(rows, cols, *_):
        x, y = _unit(cols, log2_res=L), _unit(rows, log2_res=L)
        big = (x - 0.3) ** 2 + (y - 0.3) ** 2 - 0.15**2
        island = (x - 0.77) ** 2 + (y - 0.77) ** 2 - 0.02**2  # radius ~ 5 pixels
        return np.minimum(big, island)

    full = _grid_field(f, L)
    e_full = edges_2d(full)
    island = np.zeros_like(e_full)
    island[160:, 160:] = True
    assert (e_full & island).sum() > 10
    for guard in (0, 2):
        coarse = A.refine_sign_field(f, L, base_log2_res=3, guard=guard)  # cells 32 px
        e = edges_2d(coarse.values)
        assert not (e & island).any()  # the island is missed ...
        assert np.array_equal(e & ~island, e_full & ~island)  # ... the rest is found
    fine = A.refine_sign_field(f, L, base_log2_res=5, guard=0)  # cells 8 px
    assert np.array_equal(edges_2d(fine.values), e_full)


def test_guard_reduces_misses_on_a_fractal_boundary():
    L = 8
    f = _mandelbrot(L)
    e_full = edges_2d(_grid_field(f, L))
    missed = []
    for guard in (0, 2):
        res = A.refine_sign_field(f, L, base_log2_res=4, guard=guard)
        missed.append(int((e_full & ~edges_2d(res.values)).sum()))
    assert missed[1] < missed[0]
    assert missed[1] < 0.05 * e_full.sum()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"log2_res": 0, "base_log2_res": 0}, "log2_res"),
        ({"log2_res": 4.0, "base_log2_res": 2}, "log2_res"),
        ({"log2_res": 4, "base_log2_res": 5}, "base_log2_res"),
        ({"log2_res": 4, "base_log2_res": -1}, "base_log2_res"),
        ({"log2_res": 4, "base_log2_res": 2, "guard": -1}, "guard"),
        ({"log2_res": 4, "base_log2_res": 2, "guard": True}, "guard"),
        ({"log2_res": 4, "base_log2_res": 2, "max_rounds": 0}, "max_rounds"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        A.refine_sign_field(_circle(4), **kwargs)


def test_bad_evaluate_output_is_refused():
    with pytest.raises(ValueError, match="shape"):
        A.refine_sign_field(lambda r, c, *_: np.zeros(3), 4, base_log2_res=2)
    with pytest.raises(ValueError, match="NaN"):
        A.refine_sign_field(
            lambda r, c, *_: np.full(r.shape, np.nan), 4, base_log2_res=2
        )
    with pytest.raises(ValueError, match="finite"):
        A.refine_sign_field(
            lambda r, c, *_: np.where(c > 8, np.inf, -1.0), 4, base_log2_res=2
        )
    with pytest.raises(ValueError, match="evaluate"):
        A.refine_sign_field(None, 4, base_log2_res=2)  # type: ignore[arg-type]


def test_round_cap_warns():
    L = 6
    from fractal_lib.core.checks import EstimatorWarning

    with pytest.warns(EstimatorWarning, match="max_rounds"):
        A.refine_sign_field(_mandelbrot(L), L, base_log2_res=2, guard=0, max_rounds=1)


# ------------------------------------------------------------------ the network render
STEPS = 60


@pytest.fixture(scope="module")
def tanh():
    return P.problem("tanh")


@pytest.fixture(scope="module")
def full65(tanh):
    return NT.render(tanh, P.ROOT, log2_res=6, steps=STEPS, cache=False, progress=False)


def test_adaptive_network_render_agrees_with_the_full_one(tanh, full65):
    ad = NT.render(
        tanh,
        P.ROOT,
        log2_res=6,
        steps=STEPS,
        cache=False,
        progress=False,
        adaptive=True,
        base_log2_res=3,
        guard=1,
    )
    assert ad.exact is not None and ad.exact.shape == full65.measure.shape
    assert ad.points_computed == int(ad.exact.sum()) < 0.6 * ad.measure.size
    assert ad.dtype == "float64"
    # exact points: the same numbers as the full render
    np.testing.assert_allclose(
        ad.measure[ad.exact], full65.measure[ad.exact], rtol=1e-12, atol=0
    )
    # outcomes agree almost everywhere; boundary pixels rest on exact points
    assert np.mean(ad.diverged == full65.diverged) > 0.99
    e_ad, e_full = ad.edges(), full65.edges()
    assert e_full.sum() > 50
    assert np.all(_exact_blocks(ad.exact)[e_ad])
    assert (e_full & ~e_ad).sum() <= 0.05 * e_full.sum()


def test_full_render_image_defaults(full65):
    assert full65.exact is None
    assert full65.points_computed == full65.measure.size
    assert full65.dtype == "float64"
    old = NT.NetImage(
        full65.problem, "lr_vs_lr", P.ROOT, 6, STEPS, full65.measure, 0, 0.0
    )  # positional construction of before the adaptive render
    assert old.exact is None and old.points_computed == full65.measure.size


def test_interrupted_adaptive_render_resumes_from_the_cache(
    tanh, tmp_path, monkeypatch
):
    kw = dict(
        log2_res=5,
        steps=STEPS,
        progress=False,
        adaptive=True,
        base_log2_res=2,
        guard=1,
        chunk_rows=2,
    )
    reference = NT.render(tanh, P.ROOT, cache=False, **kw)
    real = NT.run_points
    calls = []

    def counting(*args, **kwargs):
        calls.append(len(args[1]))
        return real(*args, **kwargs)

    def failing(*args, **kwargs):
        if calls:
            raise KeyboardInterrupt  # interrupted after the base level (one chunk)
        return counting(*args, **kwargs)

    cache = ResultCache(tmp_path)
    monkeypatch.setattr(NT, "run_points", failing)
    with pytest.raises(KeyboardInterrupt):
        NT.render(tanh, P.ROOT, cache=cache, **kw)
    assert calls == [25]  # the 5 x 5 base level, stored
    calls.clear()
    monkeypatch.setattr(NT, "run_points", counting)
    resumed = NT.render(tanh, P.ROOT, cache=cache, **kw)
    assert sum(calls) == reference.points_computed - 25  # the base came from the cache
    assert np.array_equal(resumed.measure, reference.measure)
    assert np.array_equal(resumed.exact, reference.exact)
    assert resumed.steps_run == reference.steps_run
    calls.clear()
    again = NT.render(tanh, P.ROOT, cache=cache, **kw)
    assert calls == [] and again.seconds == 0.0
    assert np.array_equal(again.measure, reference.measure)


def test_adaptive_render_on_an_executor_gives_the_same_image(tanh):
    from concurrent.futures import ThreadPoolExecutor

    kw = dict(log2_res=5, steps=STEPS, progress=False, adaptive=True, cache=False)
    here = NT.render(tanh, P.ROOT, **kw)
    with ThreadPoolExecutor(2) as ex:
        there = NT.render(tanh, P.ROOT, executor=ex, chunk_rows=1, **kw)
    assert np.array_equal(here.measure, there.measure)
    assert np.array_equal(here.exact, there.exact)
    assert here.steps_run == there.steps_run


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"dtype": "float16"}, "dtype"),
        ({"backend": "jax"}, "backend"),
        ({"adaptive": True, "guard": -1}, "guard"),
        ({"adaptive": True, "base_log2_res": 9}, "base_log2_res"),
    ],
)
def test_render_bad_arguments_name_the_parameter(tanh, kwargs, name):
    with pytest.raises(ValueError, match=name):
        NT.render(tanh, P.ROOT, log2_res=4, steps=5, cache=False, **kwargs)


def test_zoom_sequence_passes_adaptive_through(tanh):
    images = NT.zoom_sequence(
        tanh,
        1,
        window=P.ROOT,
        log2_res=5,
        steps=STEPS,
        cache=False,
        adaptive=True,
        base_log2_res=2,
    )
    assert len(images) == 2
    for im in images:
        assert im.exact is not None
        assert np.all(_exact_blocks(im.exact)[im.edges()])
    assert images[1].window.level == 2


@pytest.mark.parametrize(
    "kw",
    [
        {"guard": -5},
        {"guard": True},
        {"dense": float("nan")},
        {"dense": 1.5},
        {"base_log2_res": 99},
        {"chunk_rows": True},
    ],
)
def test_render_checks_adaptive_settings_even_when_not_adaptive(kw):
    prob = NT.NetworkProblem("tanh", width=4)
    with pytest.raises(ValueError, match=next(iter(kw))):
        NT.render(prob, log2_res=2, steps=3, cache=False, **kw)


def test_render_accepts_numpy_scalars_for_dense():
    prob = NT.NetworkProblem("tanh", width=4)
    a = NT.render(prob, log2_res=3, steps=5, cache=False, adaptive=True, dense=0.5)
    b = NT.render(
        prob, log2_res=3, steps=5, cache=False, adaptive=True, dense=np.float32(0.5)
    )
    np.testing.assert_array_equal(a.measure, b.measure)


def test_window_refuses_grids_finer_than_float64_integers():
    """level + log2_res > 52: np.arange in float64 would merge grid points."""
    assert np.unique(NT.Window(level=38, ix=2**37).coords(14)[0]).size == 2**14 + 1
    with pytest.raises(ValueError, match="52"):
        NT.Window(level=40, ix=2**39).coords(14)


def test_zoom_sequence_checks_its_depth_before_rendering():
    prob = NT.NetworkProblem("tanh", width=4)
    calls = []
    with pytest.raises(ValueError, match="level 40"):
        NT.zoom_sequence(
            prob, 21, zoom_log2=2, log2_res=2, steps=5, cache=False, progress=calls
        )
    assert calls == []


def test_max_rounds_warns_only_when_cells_are_left():
    """A level that used all its rounds but resolved every cell does not warn."""
    n = 2**6 + 1
    yy, xx = np.mgrid[0:n, 0:n] / (n - 1)
    field = np.where((xx - 0.5) ** 2 + (yy - 0.5) ** 2 < 0.1, 1.0, -1.0)

    def evaluate(r, c, level, rnd):
        return field[r, c]

    out = None
    for max_rounds in range(1, 50):
        import warnings

        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = A.refine_sign_field(
                evaluate, 6, base_log2_res=2, guard=0, max_rounds=max_rounds
            )
        left = [
            k
            for k in range(out.log2_res - out.base_log2_res + 1)
            if out.rounds[k] == max_rounds
        ]
        filled_edges = edges_2d(out.values) & ~(
            out.exact[:-1, :-1]
            & out.exact[1:, 1:]
            & out.exact[:-1, 1:]
            & out.exact[1:, :-1]
        )
        assert bool(w) == bool(filled_edges.any()), (max_rounds, left)
        if not w:
            break


def test_check_int_refuses_bools_and_out_of_range_values():
    from fractal_lib.core.checks import check_int

    assert check_int(np.int64(3), "n", 0, 5) == 3
    assert check_int(7, "n", 1) == 7
    for bad in (True, 2.0, -1, 6, "3"):
        with pytest.raises(ValueError, match="^n must be an integer"):
            check_int(bad, "n", 0, 5)


def test_zoom_sequence_checks_its_finest_grid_and_bools_up_front(monkeypatch):
    """Found by the recheck: a last frame past float64's exact grid indices failed
    only after the earlier frames were rendered, and ``True`` passed as a count."""
    prob = NT.NetworkProblem("tanh", width=4)
    calls = []
    monkeypatch.setattr(NT, "render", lambda *a, **k: calls.append(a))
    with pytest.raises(ValueError, match="52"):
        NT.zoom_sequence(prob, 20, zoom_log2=2, log2_res=13, steps=5, cache=False)
    for kw in ({"n_zooms": True}, {"zoom_log2": True}):
        args = {"n_zooms": 1, "zoom_log2": 1, **kw}
        with pytest.raises(ValueError, match=next(iter(kw))):
            NT.zoom_sequence(prob, args.pop("n_zooms"), log2_res=2, steps=5, **args)
    assert calls == []
    with pytest.raises(ValueError, match="ix"):
        NT.Window(level=1, ix=True)
