"""Box counting on 2-D masks against known dimensions."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_box_counts_vectorised_matches_loop_over_tiling_boxes():
    # the grid tiles the image with round(L / s) boxes per axis; box k spans the pixels whose
    # centres lie in [k L / nb, (k + 1) L / nb)
    rng = np.random.default_rng(3)
    m = rng.random((50, 37)) < 0.02
    for s in (1, 2, 4, 7, 16):
        nh, nw = round(37 / s) * 50 / 37, round(37 / s)
        nh = max(1, round(nh))
        eh = [int(np.ceil(k * 50 / nh - 0.5)) for k in range(nh + 1)]
        ew = [int(np.ceil(k * 37 / nw - 0.5)) for k in range(nw + 1)]
        loop = sum(m[eh[a]:eh[a + 1], ew[b]:ew[b + 1]].any() for a in range(nh) for b in range(nw))
        assert B.box_counts(m, [s])[0] == loop
        # every pixel is in exactly one box
        assert sum((eh[a + 1] - eh[a]) * (ew[b + 1] - ew[b]) for a in range(nh) for b in range(nw)) == 50 * 37


def test_pooled_fit_recovers_common_slope():
    y, x = np.mgrid[0:129, 0:129].astype(float)
    masks = [B.edges_2d(y - a * x - 3.1) for a in (0.2, 0.5, 0.8)]
    pooled = B.pooled_box_dimension(masks)
    assert abs(pooled.slope - 1.0) < 0.05
    assert abs(pooled.median_local - 1.0) < 0.1
    assert len(pooled.fits) == 3
    assert "±" in fmt(pooled.as_tuple())


@pytest.mark.parametrize("bad, name", [
    (lambda: B.edges_2d(np.zeros(5)), "image"),
    (lambda: B.edges_2d(np.array([[np.nan, 1.0], [1.0, 1.0]])), "NaN"),
    (lambda: B.box_counts(np.ones((4, 4), bool), [0]), "sizes"),
    (lambda: B.box_counts(np.ones((4, 4), bool), []), "sizes"),
    (lambda: B.default_sizes((4, 4)), "box size"),
])
def test_bad_input_raises(bad, name):
    with pytest.raises(ValueError, match=name):
        bad()
