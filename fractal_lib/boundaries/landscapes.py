"""Cosine-perturbed quadratic loss landscapes (Liu 2024, Eqs. 2, 3, 9, 10, 11).

A :class:`Landscape` is a frozen description (kind and parameters); it evaluates the
loss and its gradient with numpy for plots and references, and carries the analytic
facts the book uses: roughness, convexity and a lower bound of the loss.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from scipy.optimize import brentq, minimize_scalar

#: Name of a landscape family (see :class:`Landscape`).
Kind = Literal["quadratic", "additive", "multiplicative", "two_cosine"]
#: Kernel code of each landscape family, by name.
KINDS: dict[str, int] = {
    "quadratic": 0,
    "additive": 1,
    "multiplicative": 2,
    "two_cosine": 3,
}
CONVEXITY_THRESHOLD = 1.0 / (2.0 * math.pi**2)
"""Critical roughness of the additive case: convex iff eps / lam^2 <= 1/(2 pi^2)."""
#: Largest dimension ``dim`` a :class:`Landscape` accepts.
MAX_DIM = 10_000


def _check_nonneg(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


def _check_pos(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


@dataclass(frozen=True)
class Landscape:
    """A loss f: R^dim -> R built from x^2 and cosine perturbations.

    Use the constructors :func:`quadratic`, :func:`additive`, :func:`multiplicative`,
    :func:`two_cosine` or :func:`landscape`.

    Parameters
    ----------
    kind : {"quadratic", "additive", "multiplicative", "two_cosine"}
        ``quadratic``: ``sum x_i^2``.
        ``additive``: Eq. (2)/(10), ``sum x_i^2 + eps sum cos(2 pi x_i/lam)``.
        ``multiplicative``: Eq. (3)/(11), ``(1 + eps sum cos(2 pi x_i/lam)) sum x_i^2``.
        ``two_cosine``: Eq. (9), ``x^2 + eps cos(2 pi x/lam) + eps2 cos(2 pi x/lam2)``
        (1-D only).
    eps, lam : float
        Amplitude (>= 0) and wavelength (> 0) of the (first) cosine.
    eps2, lam2 : float
        Second amplitude and wavelength (``two_cosine`` only).
    dim : int
        Number of parameters d (1 to 10000).

    Raises
    ------
    ValueError
        Unknown ``kind``, a negative or non-finite amplitude, a wavelength not > 0,
        ``dim`` out of range, or ``dim != 1`` for ``two_cosine``.

    References
    ----------
    Liu 2024, Eqs. (2), (3), (9), (10), (11).
    """

    kind: Kind
    eps: float = 0.0
    lam: float = 1.0
    eps2: float = 0.0
    lam2: float = 1.0
    dim: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}, got {self.kind!r}")
        _check_nonneg("eps", self.eps)
        _check_pos("lam", self.lam)
        _check_nonneg("eps2", self.eps2)
        _check_pos("lam2", self.lam2)
        if not isinstance(self.dim, int | np.integer) or not 1 <= self.dim <= MAX_DIM:
            raise ValueError(
                f"dim must be an integer in [1, {MAX_DIM}], got {self.dim!r}"
            )
        if self.kind == "two_cosine" and self.dim != 1:
            raise ValueError("dim must be 1 for the two_cosine landscape")

    @property
    def code(self) -> int:
        """Integer code of the kind used by the numba kernels."""
        return KINDS[self.kind]

    def params(self) -> dict[str, float | int | str]:
        """Parameters as a plain dict (for cache keys and file names).

        Returns
        -------
        dict
            ``kind``, ``eps``, ``lam``, ``eps2``, ``lam2``, ``dim``.
        """
        return asdict(self)

    def _as_points(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self.dim == 1:
            return x[..., None] if (x.ndim == 0 or x.shape[-1] != 1) else x
        if x.shape[-1] != self.dim:
            raise ValueError(
                f"x must have last axis of length dim={self.dim}, got {x.shape}"
            )
        return x

    def loss(self, x: np.ndarray | float) -> np.ndarray:
        """Loss at ``x``.

        Parameters
        ----------
        x : float or ndarray
            Points, shape ``(..., dim)``; for dim = 1 any shape of scalars.

        Returns
        -------
        ndarray
            The loss, shape ``x.shape[:-1]`` (the shape of ``x`` for scalars of dim 1).

        Raises
        ------
        ValueError
            Last axis not of length ``dim``.
        """
        p = self._as_points(x)
        q = np.sum(p * p, axis=-1)
        u = 2 * np.pi * p / self.lam
        if self.kind == "quadratic":
            out = q
        elif self.kind == "additive":
            out = q + self.eps * np.sum(np.cos(u), axis=-1)
        elif self.kind == "multiplicative":
            out = q * (1 + self.eps * np.sum(np.cos(u), axis=-1))
        else:
            out = (
                q
                + self.eps * np.cos(u[..., 0])
                + self.eps2 * np.cos(2 * np.pi * p[..., 0] / self.lam2)
            )
        return out

    def grad(self, x: np.ndarray | float) -> np.ndarray:
        """Gradient at ``x``.

        Parameters
        ----------
        x : float or ndarray
            Points, as in :meth:`loss`.

        Returns
        -------
        ndarray
            The gradient, same shape as ``x``.

        Raises
        ------
        ValueError
            Last axis not of length ``dim``.
        """
        x_arr = np.asarray(x, dtype=np.float64)
        p = self._as_points(x_arr)
        k = 2 * np.pi / self.lam
        if self.kind == "quadratic":
            g = 2 * p
        elif self.kind == "additive":
            g = 2 * p - self.eps * k * np.sin(k * p)
        elif self.kind == "multiplicative":
            c = np.sum(np.cos(k * p), axis=-1, keepdims=True)
            q = np.sum(p * p, axis=-1, keepdims=True)
            g = 2 * p * (1 + self.eps * c) - q * self.eps * k * np.sin(k * p)
        else:
            k2 = 2 * np.pi / self.lam2
            g = 2 * p - self.eps * k * np.sin(k * p) - self.eps2 * k2 * np.sin(k2 * p)
        return g.reshape(x_arr.shape)

    def curvature(self, x: np.ndarray | float) -> np.ndarray:
        """Second derivative f''(x) of a 1-D landscape (Eq. S1 if multiplicative).

        Parameters
        ----------
        x : float or ndarray
            Points, any shape.

        Returns
        -------
        ndarray
            ``f''(x)``, same shape as ``x``.

        Raises
        ------
        ValueError
            ``dim != 1``.

        References
        ----------
        Liu 2024, Eq. (S1).
        """
        if self.dim != 1:
            raise ValueError("curvature is defined here for dim = 1 only")
        x = np.asarray(x, dtype=np.float64)
        k = 2 * np.pi / self.lam
        if self.kind == "quadratic":
            return np.full_like(x, 2.0)
        if self.kind == "additive":
            return 2 - self.eps * k**2 * np.cos(k * x)
        if self.kind == "multiplicative":
            return (
                2
                + 2 * self.eps * np.cos(k * x)
                - 4 * self.eps * k * x * np.sin(k * x)
                - self.eps * (k * x) ** 2 * np.cos(k * x)
            )
        k2 = 2 * np.pi / self.lam2
        return 2 - self.eps * k**2 * np.cos(k * x) - self.eps2 * k2**2 * np.cos(k2 * x)

    @property
    def roughness(self) -> float:
        """Roughness: eps / lam^2 (additive, Eq. 7) or eps (multiplicative, Eq. 8).

        Raises
        ------
        ValueError
            For the two-cosine landscape.
        """
        if self.kind == "additive":
            return self.eps / self.lam**2
        if self.kind == "multiplicative":
            return self.eps
        if self.kind == "quadratic":
            return 0.0
        raise ValueError(
            "the two-cosine landscape has no single roughness (see Liu 2024, Eq. 9)"
        )

    @property
    def is_convex(self) -> bool:
        """Whether f is convex on all of R^dim."""
        if self.kind == "quadratic" or self.eps == 0 and self.eps2 == 0:
            return True
        if self.kind == "additive":
            return self.roughness <= CONVEXITY_THRESHOLD
        if self.kind == "multiplicative":
            return False
        return min_curvature_two_cosine(self.eps, self.lam, self.eps2, self.lam2) >= 0

    @property
    def loss_floor(self) -> float:
        """A lower bound of the loss (``-inf`` when it is unbounded below)."""
        if self.kind == "quadratic":
            return 0.0
        if self.kind == "additive":
            return -self.eps * self.dim
        if self.kind == "two_cosine":
            return -(self.eps + self.eps2)
        return 0.0 if self.eps * self.dim <= 1 else -math.inf

    def label(self) -> str:
        """Short LaTeX label, e.g. for legends.

        Returns
        -------
        str
            Matplotlib mathtext, e.g. ``"$f_+$, $\\epsilon=0.2$, $\\lambda=0.1$"``.
        """
        if self.kind == "quadratic":
            return r"$x^2$"
        if self.kind == "two_cosine":
            return (
                rf"$f_+$, $\epsilon_1={self.eps:g}$, $\lambda_1={self.lam:g}$, "
                rf"$\epsilon_2={self.eps2:g}$, $\lambda_2={self.lam2:g}$"
            )
        sym = r"f_+" if self.kind == "additive" else r"f_\times"
        d = f", $d={self.dim}$" if self.dim > 1 else ""
        return rf"${sym}$, $\epsilon={self.eps:g}$, $\lambda={self.lam:g}${d}"


def quadratic(dim: int = 1) -> Landscape:
    """``f(x) = |x|^2``, whose GD diverges exactly when the learning rate exceeds 1.

    Parameters
    ----------
    dim : int
        Number of parameters d.

    Returns
    -------
    Landscape
        The quadratic.
    """
    return Landscape("quadratic", dim=dim)


def additive(eps: float, lam: float, dim: int = 1) -> Landscape:
    """Additive perturbation, Liu 2024 Eq. (2) (dim = 1) and Eq. (10).

    ``f(x) = sum x_i^2 + eps sum cos(2 pi x_i / lam)``.

    Parameters
    ----------
    eps : float
        Amplitude, >= 0.
    lam : float
        Wavelength, > 0 (same units as x).
    dim : int
        Number of parameters d.

    Returns
    -------
    Landscape
        The additive landscape.

    Raises
    ------
    ValueError
        Invalid parameters (see :class:`Landscape`).

    References
    ----------
    Liu 2024, Eqs. (2), (10).
    """
    return Landscape("additive", eps=eps, lam=lam, dim=dim)


def multiplicative(eps: float, lam: float, dim: int = 1) -> Landscape:
    """Multiplicative perturbation, Liu 2024 Eq. (3) (dim = 1) and Eq. (11).

    ``f(x) = (1 + eps sum cos(2 pi x_i / lam)) sum x_i^2``.

    Parameters
    ----------
    eps : float
        Amplitude, >= 0.
    lam : float
        Wavelength, > 0 (same units as x).
    dim : int
        Number of parameters d.

    Returns
    -------
    Landscape
        The multiplicative landscape.

    Raises
    ------
    ValueError
        Invalid parameters (see :class:`Landscape`).

    References
    ----------
    Liu 2024, Eqs. (3), (11).
    """
    return Landscape("multiplicative", eps=eps, lam=lam, dim=dim)


def two_cosine(eps1: float, lam1: float, eps2: float, lam2: float) -> Landscape:
    """Additive perturbation with two cosines, Liu 2024 Eq. (9).

    ``f(x) = x^2 + eps1 cos(2 pi x / lam1) + eps2 cos(2 pi x / lam2)``, 1-D.

    Parameters
    ----------
    eps1, lam1 : float
        Amplitude (>= 0) and wavelength (> 0) of the first cosine.
    eps2, lam2 : float
        Amplitude (>= 0) and wavelength (> 0) of the second cosine.

    Returns
    -------
    Landscape
        The two-cosine landscape.

    Raises
    ------
    ValueError
        Invalid parameters (see :class:`Landscape`).

    References
    ----------
    Liu 2024, Eq. (9).
    """
    return Landscape("two_cosine", eps=eps1, lam=lam1, eps2=eps2, lam2=lam2)


def landscape(kind: str, **params: float) -> Landscape:
    """Build a landscape by name.

    Parameters
    ----------
    kind : {"quadratic", "additive", "multiplicative", "two_cosine"}
        The family.
    **params : float
        Fields of :class:`Landscape` (``eps``, ``lam``, ``eps2``, ``lam2``, ``dim``).

    Returns
    -------
    Landscape
        The landscape.

    Raises
    ------
    ValueError
        Unknown ``kind`` or invalid parameters.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    return Landscape(kind, **params)  # type: ignore[arg-type]


def min_curvature_two_cosine(
    eps1: float, lam1: float, eps2: float, lam2: float, n_grid: int = 4096
) -> float:
    """Minimum over x of f''(x) for Eq. (9): a dense scan refined by a minimiser.

    f'' is periodic when lam1/lam2 is rational; the scan covers
    ``[0, 20 max(lam1, lam2)]``, which contains a full period for the ratios used in the
    book (0.3/0.5: period 1.5).

    Parameters
    ----------
    eps1, lam1 : float
        Amplitude and wavelength of the first cosine.
    eps2, lam2 : float
        Amplitude and wavelength of the second cosine.
    n_grid : int
        Scan points per ``max(lam1, lam2)`` (the scan has ``20 n_grid`` points).

    Returns
    -------
    float
        The minimum curvature (negative: non-convex).

    References
    ----------
    Liu 2024, Eq. (9).
    """
    k1, k2 = 2 * np.pi / lam1, 2 * np.pi / lam2

    def fpp(x: np.ndarray | float) -> np.ndarray | float:
        return 2 - eps1 * k1**2 * np.cos(k1 * x) - eps2 * k2**2 * np.cos(k2 * x)

    span = 20 * max(lam1, lam2)
    xs = np.linspace(0.0, span, n_grid * 20)
    i = int(np.argmin(fpp(xs)))
    h = xs[1] - xs[0]
    res = minimize_scalar(
        fpp, bounds=(xs[i] - h, xs[i] + h), method="bounded", options={"xatol": 1e-12}
    )
    return float(min(res.fun, fpp(xs[i])))


def convexity_boundary_two_cosine(
    eps1: np.ndarray, lam1: float, lam2: float
) -> np.ndarray:
    """For each eps1, the eps2 at which Eq. (9) stops being convex.

    The minimum curvature is decreasing in eps2 (at the minimiser its derivative is
    -k2^2 cos(k2 x) < 0 where it matters), so the root is bracketed on [0, 2 / k2^2].

    Parameters
    ----------
    eps1 : float or ndarray, shape ``(n,)``
        First amplitudes.
    lam1, lam2 : float
        The two wavelengths.

    Returns
    -------
    ndarray, shape ``(n,)``
        The critical eps2 per eps1 (NaN where eps2 = 0 is already non-convex).

    References
    ----------
    Liu 2024, Eq. (9) and Fig. 4a.
    """
    eps1 = np.atleast_1d(np.asarray(eps1, dtype=np.float64))
    out = np.full(eps1.shape, np.nan)
    hi = 2.0 / (2 * np.pi / lam2) ** 2
    for i, e1 in enumerate(eps1):
        g0 = min_curvature_two_cosine(e1, lam1, 0.0, lam2)
        if g0 < 0:
            continue
        out[i] = brentq(
            lambda e2, e1=e1: min_curvature_two_cosine(e1, lam1, e2, lam2),
            0.0,
            hi,
            xtol=1e-10,
        )
    return out


def fmax_nonconvexity_eps(lam: np.ndarray, f_max: float) -> np.ndarray:
    """Liu 2024 Eq. (S3): eps above which f_x is non-convex in ``|x| < sqrt(f_max)``.

    Parameters
    ----------
    lam : float or ndarray
        Wavelengths.
    f_max : float
        The loss bound of the divergence test.

    Returns
    -------
    ndarray
        ``lam**2 / (2 pi**2 f_max)``, shape of ``lam``.

    References
    ----------
    Liu 2024, Eq. (S3).
    """
    return np.asarray(lam, dtype=np.float64) ** 2 / (2 * np.pi**2 * f_max)
