"""Box counting on 2-D masks against known dimensions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fractal_lib.boundaries import boxcount as B
from fractal_lib.core.checks import EstimatorWarning
from fractal_lib.core.report import fmt


def test_edges_of_a_sign_image():
    img = np.array([[-1.0, -1.0, 1.0], [-1.0, -1.0, 1.0], [-1.0, -1.0, -1.0]])
    e = B.edges_2d(img)
    assert e.shape == (2, 2)
    assert e.tolist() == [[False, True], [False, True]]
    # booleans: a block is an edge when it holds both values
    assert B.edges_2d(img > 0).tolist() == e.tolist()
    # zeros belong to neither phase (Sohl-Dickstein's sign(max * min) < 0)
    assert not B.edges_2d(np.array([[0.0, 1.0], [1.0, 1.0]])).any()


def test_all_converged_plane_has_no_edges_and_dimension_zero():
    img = -np.ones((65, 65))
    e = B.edges_2d(img)
    assert not e.any()
    with pytest.warns(EstimatorWarning, match="empty mask"):
        fit = B.box_dimension_2d(e)
    assert fit.alpha == 0.0 and fit.stderr == 0.0 and fit.levels.size == 0
    assert not fit.reliable and "empty" in fit.note


@pytest.mark.parametrize("slope", [0.0, 0.37, 1.0, 3.0])
def test_straight_boundary_has_dimension_one(slope):
    y, x = np.mgrid[0:257, 0:257].astype(float)
    img = y - slope * x - 20.3  # a straight boundary at any angle
    fit = B.box_dimension_2d(B.edges_2d(img))
    assert abs(fit.alpha - 1.0) < 0.05, fit
    assert fit.stderr < 0.05


def test_filled_region_has_dimension_two_and_point_zero():
    full = np.ones((128, 128), bool)
    assert abs(B.box_dimension_2d(full).alpha - 2.0) < 1e-12
    point = np.zeros((128, 128), bool)
    point[37, 90] = True
    assert B.box_dimension_2d(point).alpha == 0.0


def test_sierpinski_carpet_dimension():
    # exact counts for a self-similar set: N(3**k) for the carpet of 3**5 px
    c = np.ones((1, 1), bool)
    for _ in range(5):
        z = np.zeros_like(c)
        c = np.block([[c, c, c], [c, z, c], [c, c, c]])
    sizes = [1, 3, 9, 27]
    counts = B.box_counts(c, sizes)
    assert counts.tolist() == [8**5, 8**4, 8**3, 8**2]
    fit = B.box_dimension_2d(c, sizes)
    assert abs(fit.alpha - np.log(8) / np.log(3)) < 1e-12


def _edges(length: int, nb: int) -> list[int]:
    """First pixel of each box: pixel r is in box k when its centre r + 1/2 lies in [k L
    / nb, (k + 1) L / nb); a centre exactly on an edge goes to the box nearer the
    middle."""
    out = []
    for k in range(nb + 1):
        e = k * length / nb - 0.5  # pixels r >= e have centres at or beyond the edge
        first = int(np.ceil(e))
        if (
            first == e and 2 * k > nb
        ):  # a centre on this edge stays in the lower (middle-ward) box
            first += 1
        out.append(min(max(first, 0), length))
    return out


def test_box_counts_vectorised_matches_loop_over_tiling_boxes():
    # the grid tiles the image with about L / s boxes per axis (odd on an odd side)
    rng = np.random.default_rng(3)
    m = rng.random((50, 37)) < 0.02
    for s in (1, 2, 4, 7, 16):
        nh, nw = B.boxes_per_side(m.shape, [s])[0]
        assert nw % 2 == 1 and abs(nw - 37 / s) <= 1
        eh, ew = _edges(50, nh), _edges(37, nw)
        loop = sum(
            m[eh[a] : eh[a + 1], ew[b] : ew[b + 1]].any()
            for a in range(nh)
            for b in range(nw)
        )
        assert B.box_counts(m, [s])[0] == loop
        # every pixel is in exactly one box
        assert (
            sum(
                (eh[a + 1] - eh[a]) * (ew[b + 1] - ew[b])
                for a in range(nh)
                for b in range(nw)
            )
            == 50 * 37
        )


def test_pooled_fit_recovers_common_slope():
    y, x = np.mgrid[0:129, 0:129].astype(float)
    masks = [B.edges_2d(y - a * x - 3.1) for a in (0.2, 0.5, 0.8)]
    pooled = B.pooled_box_dimension(masks)
    assert abs(pooled.slope - 1.0) < 0.05
    assert abs(pooled.median_local - 1.0) < 0.1
    assert len(pooled.fits) == 3
    assert "±" in fmt(pooled.as_tuple())


@pytest.mark.parametrize("n", [129, 257, 1000])
def test_anti_diagonal_has_dimension_one_like_the_diagonal(n):
    """Before: the anti-diagonal gave 0.928 +- 0.015 (129), 0.942 (257), 0.958 (1000)
    while the diagonal gave 1.000: pixel centres on a box edge all went to the higher
    box."""
    d = np.eye(n, dtype=bool)
    for m in (d, d[:, ::-1]):
        fit = B.box_dimension_2d(m)
        assert abs(fit.alpha - 1.0) < 1e-12, (n, fit)
        assert (
            B.box_counts(m, fit.sizes).tolist()
            == B.boxes_per_side(m.shape, fit.sizes)[:, 0].tolist()
        )


@pytest.mark.parametrize("shape", [(129, 129), (300, 300), (301, 200), (100, 157)])
def test_filled_rectangle_and_axis_lines_are_exact_at_any_side(shape):
    full = np.ones(shape, bool)
    nb = B.boxes_per_side(shape, B.default_sizes(shape))
    assert (
        B.box_counts(full, B.default_sizes(shape)).tolist()
        == (nb[:, 0] * nb[:, 1]).tolist()
    )
    assert abs(B.box_dimension_2d(full).alpha - 2.0) < 1e-12
    for r in (0, shape[0] // 2, shape[0] - 1):
        line = np.zeros(shape, bool)
        line[r] = True
        assert B.box_counts(line, B.default_sizes(shape)).tolist() == nb[:, 1].tolist()


@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(9, 140),
    w=st.integers(9, 140),
    density=st.floats(0.001, 0.3),
    seed=st.integers(0, 2**32 - 1),
)
def test_box_counts_are_invariant_under_mirror_rotation_and_transpose(
    h, w, density, seed
):
    rng = np.random.default_rng(seed)
    m = rng.random((h, w)) < density
    m[rng.integers(h), rng.integers(w)] = True
    sizes = [1, 2, 3, 5, 8]
    sizes = [v for v in sizes if v <= min(h, w)]
    ref = B.box_counts(m, sizes).tolist()
    for t in (m[::-1], m[:, ::-1], m[::-1, ::-1]):
        assert B.box_counts(t, sizes).tolist() == ref
    assert B.box_counts(m.T, sizes).tolist() == ref
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        a = B.box_dimension_2d(m).alpha
        assert B.box_dimension_2d(m[:, ::-1]).alpha == a
        assert B.box_dimension_2d(m.T).alpha == a


def test_non_integer_sizes_raise():
    """Before: sizes=[2.7, 5.5, 8.9] were silently truncated to [2, 5, 8]."""
    m = np.eye(64, dtype=bool)
    with pytest.raises(ValueError, match="sizes"):
        B.box_dimension_2d(m, sizes=[2.7, 5.5, 8.9])
    with pytest.raises(ValueError, match="sizes"):
        B.box_levels(m.shape, [2.5])
    assert (
        B.box_dimension_2d(m, sizes=[2.0, 4.0, 8.0]).alpha == 1.0
    )  # whole floats are fine


@pytest.mark.parametrize(
    "bad, name",
    [
        (lambda: B.edges_2d(np.zeros(5)), "image"),
        (lambda: B.edges_2d(np.array([[np.nan, 1.0], [1.0, 1.0]])), "NaN"),
        (lambda: B.box_counts(np.ones((4, 4), bool), [0]), "sizes"),
        (lambda: B.box_counts(np.ones((4, 4), bool), []), "sizes"),
        (lambda: B.default_sizes((4, 4)), "box size"),
    ],
)
def test_bad_input_raises(bad, name):
    with pytest.raises(ValueError, match=name):
        bad()
