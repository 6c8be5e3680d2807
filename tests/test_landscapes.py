"""Loss, gradient, curvature and convexity of the cosine-perturbed quadratics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fractal_lib.boundaries import _gd_kernels as K
from fractal_lib.boundaries import landscapes as L

H = 1e-6  # central-difference step; error O(H^2 f''') + O(ulp/H), below the tolerances


def fd_grad(ls: L.Landscape, x: np.ndarray) -> np.ndarray:
    """Central differences of ls.loss, coordinate by coordinate (x: shape (n, dim))."""
    g = np.empty_like(x)
    for i in range(x.shape[-1]):
        e = np.zeros(x.shape[-1])
        e[i] = H
        g[:, i] = (ls.loss(x + e) - ls.loss(x - e)) / (2 * H)
    return g


ONE_D = [
    L.quadratic(),
    L.additive(0.2, 0.1),
    L.additive(0.003, 0.7),
    L.multiplicative(0.2, 0.1),
    L.multiplicative(1e-3, 0.37),
    L.two_cosine(0.003, 0.3, 0.02, 0.5),
]


@pytest.mark.parametrize("ls", ONE_D, ids=lambda ls: f"{ls.kind}-{ls.eps}")
def test_grad_matches_finite_differences_1d(ls):
    x = np.linspace(-3.0, 3.0, 401)[:, None] + 0.0123
    num = fd_grad(ls, x)
    ana = ls.grad(x)
    assert ana.shape == x.shape
    scale = 1 + np.abs(ana)
    assert np.max(np.abs(num - ana) / scale) < 1e-5


@pytest.mark.parametrize("ls", ONE_D, ids=lambda ls: f"{ls.kind}-{ls.eps}")
def test_loss_matches_paper_formula_and_kernel(ls):
    """Eqs. (2), (3), (9) written out here, and the numba kernel's loss1/grad1."""
    x = np.linspace(-2.0, 2.0, 201)
    c1 = np.cos(2 * np.pi * x / ls.lam)
    expected = {
        "quadratic": x**2,
        "additive": x**2 + ls.eps * c1,
        "multiplicative": x**2 * (1 + ls.eps * c1),
        "two_cosine": x**2 + ls.eps * c1 + ls.eps2 * np.cos(2 * np.pi * x / ls.lam2),
    }[ls.kind]
    np.testing.assert_allclose(ls.loss(x), expected, rtol=1e-13, atol=1e-14)
    args = (ls.code, ls.eps, ls.lam, ls.eps2, ls.lam2)
    kern_f = np.array([K.loss1(args[0], xi, *args[1:]) for xi in x])
    kern_g = np.array([K.grad1(args[0], xi, *args[1:]) for xi in x])
    np.testing.assert_allclose(kern_f, ls.loss(x), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(kern_g, ls.grad(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["quadratic", "additive", "multiplicative"])
def test_grad_matches_finite_differences_3d(kind):
    """Eq. (10) (additive, separable) and Eq. (11) (multiplicative), at d = 3."""
    ls = (
        L.landscape(kind, eps=0.15, lam=0.4, dim=3)
        if kind != "quadratic"
        else L.quadratic(3)
    )
    rng = np.random.default_rng(1)
    x = rng.uniform(-1.5, 1.5, size=(64, 3))
    q = np.sum(x**2, axis=-1)
    cs = np.sum(np.cos(2 * np.pi * x / 0.4), axis=-1)
    expected = {
        "quadratic": q,
        "additive": q + 0.15 * cs,
        "multiplicative": q * (1 + 0.15 * cs),
    }
    np.testing.assert_allclose(ls.loss(x), expected[kind], rtol=1e-13)
    ana = ls.grad(x)
    assert ana.shape == x.shape
    np.testing.assert_allclose(fd_grad(ls, x), ana, rtol=1e-6, atol=1e-6)


def test_multiplicative_is_not_separable():
    """Eq. (11): the perturbation of one coordinate changes the gradient of another."""
    ls = L.multiplicative(0.2, 0.1, dim=3)
    a = ls.grad(np.array([0.3, 0.4, 0.5]))
    b = ls.grad(np.array([0.3, 0.4, 0.55]))
    assert abs(a[0] - b[0]) > 1e-3
    add = L.additive(0.2, 0.1, dim=3)
    assert (
        add.grad(np.array([0.3, 0.4, 0.5]))[0]
        == add.grad(np.array([0.3, 0.4, 0.55]))[0]
    )


@pytest.mark.parametrize("ls", ONE_D, ids=lambda ls: f"{ls.kind}-{ls.eps}")
def test_curvature_matches_finite_differences_of_grad(ls):
    x = np.linspace(-3.0, 3.0, 401) + 0.0071
    num = (ls.grad(x + H) - ls.grad(x - H)) / (2 * H)
    ana = ls.curvature(x)
    assert np.max(np.abs(num - ana) / (1 + np.abs(ana))) < 1e-5


def test_curvature_needs_dim_1():
    with pytest.raises(ValueError, match="dim"):
        L.additive(0.2, 0.1, dim=2).curvature(0.0)


@pytest.mark.parametrize("side", [-1, 1])
def test_additive_convexity_threshold(side):
    """f_+ is convex iff eps / lam^2 <= 1/(2 pi^2) (minimum curvature 2 - eps k^2)."""
    lam = 0.1
    eps = L.CONVEXITY_THRESHOLD * lam**2 * (1 + side * 1e-3)
    ls = L.additive(eps, lam)
    assert ls.is_convex is (side < 0)
    x = np.linspace(
        -lam, lam, 200_001
    )  # one period around x = 0, where the minimum sits
    fpp = ls.curvature(x)
    assert bool(fpp.min() >= 0) is (side < 0)
    assert fpp.min() == pytest.approx(2 - eps * (2 * np.pi / lam) ** 2, abs=1e-9)
    assert ls.roughness == pytest.approx(eps / lam**2)


def test_multiplicative_never_convex_unless_flat():
    assert not L.multiplicative(1e-6, 0.1).is_convex
    assert L.multiplicative(0.0, 0.1).is_convex
    assert L.quadratic().is_convex


@pytest.mark.parametrize("eps1", [0.0, 0.001, 0.003])
def test_two_cosine_convexity_boundary(eps1):
    lam1, lam2 = 0.3, 0.5
    e2 = float(L.convexity_boundary_two_cosine(np.array([eps1]), lam1, lam2)[0])
    assert 0 < e2 < 2 / (2 * np.pi / lam2) ** 2 + 1e-12
    # f'' has period 1.5 (lcm of 0.3 and 0.5): a dense scan of one period is an
    # independent check
    x = np.linspace(0.0, 1.5, 300_001)
    at = L.two_cosine(eps1, lam1, e2, lam2)
    assert L.min_curvature_two_cosine(eps1, lam1, e2, lam2) == pytest.approx(
        0.0, abs=1e-7
    )
    assert at.curvature(x).min() == pytest.approx(0.0, abs=1e-6)
    above = L.two_cosine(eps1, lam1, e2 * 1.001, lam2)
    below = L.two_cosine(eps1, lam1, e2 * 0.999, lam2)
    assert above.curvature(x).min() < -1e-6 and not above.is_convex
    assert below.curvature(x).min() > 1e-6 and below.is_convex
    if eps1 == 0.0:  # a single cosine: the additive threshold eps2 = 2 / k2^2
        assert e2 == pytest.approx(2 / (2 * np.pi / lam2) ** 2, rel=1e-8)


def test_two_cosine_boundary_nan_when_first_cosine_alone_is_nonconvex():
    lam1 = 0.3
    eps1 = 1.01 * 2 / (2 * np.pi / lam1) ** 2
    out = L.convexity_boundary_two_cosine(np.array([eps1, 0.001]), lam1, 0.5)
    assert np.isnan(out[0]) and np.isfinite(out[1])


def test_fmax_nonconvexity_eps_formula():
    """Eq. (S3): eps = lam^2 / (2 pi^2 f_max), where 2 - eps f_max k^2 (S2) is 0."""
    lam = np.array([0.01, 0.1, 0.5, 1.0])
    for f_max in (1e3, 1e6):
        eps = L.fmax_nonconvexity_eps(lam, f_max)
        np.testing.assert_allclose(eps, lam**2 / (2 * np.pi**2 * f_max), rtol=1e-15)
        np.testing.assert_allclose(
            2 - eps * f_max * (2 * np.pi / lam) ** 2, 0.0, atol=1e-12
        )


@pytest.mark.parametrize("factor,convex", [(0.5, True), (2.0, False)])
def test_fmax_nonconvexity_is_the_visible_convexity_edge(factor, convex):
    """Within |x| < sqrt(f_max), f_x is convex below the S3 amplitude, not above it."""
    lam, f_max = 0.5, 1e3
    eps = factor * float(L.fmax_nonconvexity_eps(lam, f_max))
    x = np.linspace(-math.sqrt(f_max), math.sqrt(f_max), 400_001)
    assert bool(L.multiplicative(eps, lam).curvature(x).min() > 0) is convex


@pytest.mark.parametrize(
    "make, param",
    [
        (lambda: L.additive(-0.1, 0.1), "eps"),
        (lambda: L.multiplicative(0.1, 0.0), "lam"),
        (lambda: L.additive(0.1, -1.0), "lam"),
        (lambda: L.additive(float("nan"), 0.1), "eps"),
        (lambda: L.additive(0.1, float("nan")), "lam"),
        (lambda: L.additive(0.1, float("inf")), "lam"),
        (lambda: L.two_cosine(0.1, 0.3, -0.2, 0.5), "eps2"),
        (lambda: L.two_cosine(0.1, 0.3, 0.2, 0.0), "lam2"),
        (lambda: L.additive(0.1, 0.1, dim=0), "dim"),
        (lambda: L.quadratic(dim=-3), "dim"),
        (lambda: L.additive(0.1, 0.1, dim=2.5), "dim"),
        (lambda: L.landscape("sinusoidal", eps=0.1), "kind"),
        (lambda: L.Landscape("cubic"), "kind"),
        (lambda: L.Landscape("two_cosine", eps=0.1, lam=0.3, dim=2), "dim"),
    ],
)
def test_bad_inputs_raise_naming_the_parameter(make, param):
    with pytest.raises(ValueError, match=rf"\b{param}\b"):
        make()


def test_loss_floor_is_a_lower_bound():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=(2000, 1))
    for ls in ONE_D:
        assert ls.loss(x).min() >= ls.loss_floor - 1e-12
    x3 = rng.uniform(-3, 3, size=(2000, 3))
    assert L.additive(0.2, 0.1, dim=3).loss(x3).min() >= -0.6 - 1e-12
    assert L.multiplicative(0.5, 0.1, dim=3).loss_floor == -math.inf
    assert L.multiplicative(0.3, 0.1, dim=3).loss_floor == 0.0


def test_convexity_boundary_wavelengths_are_required():
    from fractal_lib.papers import liu2024

    with pytest.raises(TypeError, match="lam1"):
        L.convexity_boundary_two_cosine(np.array([0.001]))
    out = L.convexity_boundary_two_cosine(
        np.array([0.001]), liu2024.TWO_COS_LAM1, liu2024.TWO_COS_LAM2
    )
    assert 0 < out[0] < 2.0 / (2 * np.pi / 0.5) ** 2
