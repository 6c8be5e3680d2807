"""Dynamical loss functions (Ruiz-Garcia et al. 2021; Lavin & Ruiz-Garcia 2024).

A dynamical loss weights each class ``i`` by a factor ``Gamma_i(t)`` that oscillates
with the training step ``t``: for one period ``T`` one class is emphasised, its weight
rising from 1 to a peak and back, then the next class, cycling through all ``C`` classes
(a full cycle lasts ``C T`` steps). At the start and end of every period all weights are
1 and the static loss is recovered, and a network that classifies every point perfectly
is a global minimum for every ``Gamma`` (for DCE and DMSE1).

Two readings of the amplitude ``A`` (see :class:`Schedule`):

``"normalized"`` (default; the authors' public code, ``c_fn``)
    A triangle wave ``w(t)`` from 1 up to ``A`` at ``T/2`` and back to 1; the emphasised
    class gets ``w`` and the others 1, and the vector is rescaled to sum to ``C``:
    ``Gamma_i = C w / (w + C - 1)``, ``Gamma_j = C / (w + C - 1)``. At ``A = 70`` and
    ``C = 3`` the peak weight is ``210/72 = 2.92`` and the others drop to 0.042.
``"literal"``
    The same triangle wave without rescaling: the emphasised class peaks at ``A`` itself
    and the others stay at 1.

Losses (``f`` the network outputs, ``y`` one-hot labels, ``P`` training points; all are
means over the points, as in the code, so that ``lr = 1`` is the code's learning rate):

* ``ce``:    ``(1/P) sum_j -log softmax(f_j)[y_j]``
* ``dce``:   ``(1/P) sum_j Gamma_{y_j}(t) (-log softmax(f_j)[y_j])``           (Eq. 2)
* ``mse``:   ``(1/P) sum_j sum_i (f_ji - y_ji)**2``
* ``dmse1``: ``(1/P) sum_j sum_i Gamma_i(t) (f_ji - y_ji)**2``                  (Eq. 3)
* ``dmse2``: ``(1/P) sum_j sum_i (f_ji - Gamma_i(t) y_ji)**2``                  (Eq. 4)

DMSE2 moves the target instead of weighting the error, so its minima move with
``Gamma``.

The first instability of a run is detected from the updates (:func:`first_instability`).
On a quadratic valley of curvature ``lam`` the update along the valley's steep direction
is multiplied by ``1 - lr lam`` every step: for ``lam < 1/lr`` consecutive updates point
the same way, for ``1/lr < lam < 2/lr`` they alternate but shrink, and for
``lam > 2/lr`` they alternate and grow, so the iterate starts to bounce between the
walls of the valley (the first period-doubling). The trainer records
``ratio_t = g_t . g_{t-1} / |g_{t-1}|**2``, which equals ``1 - lr lam`` when that
direction dominates; the first instability is the first run of steps with
``ratio < -1``. (A negative cosine alone only marks the overshooting regime
``lam > 1/lr``.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

#: All loss names, static and dynamical.
LOSSES: tuple[str, ...] = ("ce", "dce", "mse", "dmse1", "dmse2")
#: The dynamical losses (class weights that oscillate with the step).
DYNAMICAL: tuple[str, ...] = ("dce", "dmse1", "dmse2")
#: Name of a reading of the amplitude ``A``.
Reading = Literal["normalized", "literal"]
#: The readings of the amplitude ``A`` (see the module summary).
READINGS: tuple[str, ...] = ("normalized", "literal")


def check_loss(kind: str) -> str:
    """Validate a loss name.

    Parameters
    ----------
    kind : str
        A name of :data:`LOSSES`, in any case.

    Returns
    -------
    str
        ``kind`` lower-cased.

    Raises
    ------
    ValueError
        ``kind`` names no loss of :data:`LOSSES`.
    """
    k = str(kind).lower()
    if k not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {kind!r}")
    return k


def static_counterpart(kind: str) -> str:
    """The static loss a loss reduces to when every class weight is 1.

    Parameters
    ----------
    kind : str
        A name of :data:`LOSSES`.

    Returns
    -------
    str
        ``"ce"`` for ``ce``/``dce``, ``"mse"`` for ``mse``/``dmse1``/``dmse2``.

    Raises
    ------
    ValueError
        ``kind`` names no loss.
    """
    return "ce" if check_loss(kind) in ("ce", "dce") else "mse"


# --------------------------------------------------------------------------- schedule
def triangle(t: np.ndarray | int, A: float, T: int) -> np.ndarray:
    """The raw triangle wave of the code: 1 at the start of each period, ``A`` at
    ``T/2``.

    ``w = 1 + 2 (A - 1) phi`` for ``phi < 1/2`` and ``1 + 2 (A - 1)(1 - phi)``
    otherwise, with ``phi = (t mod T) / T``.

    Parameters
    ----------
    t : int or ndarray of int
        Training step(s), >= 0.
    A : float
        Amplitude (peak of the wave).
    T : int
        Period in steps.

    Returns
    -------
    ndarray
        ``w(t)``, shaped like ``t``.
    """
    phi = (np.asarray(t, dtype=np.int64) % int(T)) / float(T)
    return 1.0 + 2.0 * (A - 1.0) * np.where(phi < 0.5, phi, 1.0 - phi)


@dataclass(frozen=True)
class Schedule:
    """The oscillating class weights ``Gamma_i(t)``.

    Parameters
    ----------
    A : float
        Amplitude, ``>= 1`` (``A = 1`` is the static loss). Required.
    T : int
        Period in steps, ``>= 1``: class ``(t // T + first_class) mod C`` is emphasised
        during steps ``[k T, (k + 1) T)``. Required. (The authors' code resets its
        clock only when ``t > T``, so its periods are ``T + 1`` steps; pass ``T + 1``
        to mimic it.)
    n_classes : int
        Number of classes ``C``, ``>= 2``.
    reading : {"normalized", "literal"}
        How ``A`` enters (module docstring). Default ``"normalized"``, the public code.
    static_from : int, optional
        From this step on every weight is 1 (the paper's "A = 1 for the last
        oscillation").
    first_class : int
        Class emphasised in the first period.
    """

    A: float
    T: int
    n_classes: int = 3
    reading: Reading = "normalized"
    static_from: int | None = None
    first_class: int = 0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.A) and self.A >= 1):
            raise ValueError(
                f"A (amplitude) must be a finite number >= 1, got {self.A}"
            )
        if int(self.T) != self.T or self.T < 1:
            raise ValueError(f"T (period) must be an integer >= 1, got {self.T}")
        if int(self.n_classes) != self.n_classes or self.n_classes < 2:
            raise ValueError(f"n_classes must be an integer >= 2, got {self.n_classes}")
        if self.reading not in READINGS:
            raise ValueError(f"reading must be one of {READINGS}, got {self.reading!r}")
        if self.static_from is not None and self.static_from < 0:
            raise ValueError(
                f"static_from must be >= 0 or None, got {self.static_from}"
            )
        if not 0 <= self.first_class < self.n_classes:
            raise ValueError(
                f"first_class must be in [0, {self.n_classes - 1}], got "
                f"{self.first_class}"
            )

    def emphasised(self, t: np.ndarray | int) -> np.ndarray:
        """Index of the emphasised class at step(s) ``t``.

        Parameters
        ----------
        t : int or ndarray of int
            Training step(s).

        Returns
        -------
        ndarray of int
            ``(t // T + first_class) mod C``, shaped like ``t``.
        """
        return (
            np.asarray(t, dtype=np.int64) // int(self.T) + self.first_class
        ) % self.n_classes

    def weights(self, t: np.ndarray | int) -> np.ndarray:
        """The class weights ``Gamma(t)``.

        Parameters
        ----------
        t : int or ndarray of int
            Training step(s), >= 0.

        Returns
        -------
        ndarray, shape ``t.shape + (C,)``
            The weights (float64).

        Raises
        ------
        ValueError
            A negative step.
        """
        t = np.asarray(t, dtype=np.int64)
        if np.any(t < 0):
            raise ValueError("t must be >= 0")
        c = self.n_classes
        w = triangle(t, self.A, self.T)
        if self.static_from is not None:
            w = np.where(t >= self.static_from, 1.0, w)
        hot = np.eye(c, dtype=bool)[self.emphasised(t)]
        if self.reading == "literal":
            return np.where(hot, w[..., None], 1.0)
        norm = c / (w + c - 1.0)
        return np.where(hot, (w * norm)[..., None], norm[..., None])

    @property
    def peak(self) -> float:
        """Largest weight of the emphasised class (``C A / (A + C - 1)`` when
        normalised)."""
        c = self.n_classes
        return float(
            self.A if self.reading == "literal" else c * self.A / (self.A + c - 1)
        )

    @property
    def trough(self) -> float:
        """Smallest weight of the other classes (1 when literal)."""
        c = self.n_classes
        return 1.0 if self.reading == "literal" else float(c / (self.A + c - 1))

    @property
    def is_static(self) -> bool:
        """Whether every weight is 1 at every step (``A == 1``)."""
        return self.A == 1


STATIC = Schedule(A=1.0, T=1)
"""All weights 1 at every step."""


# --------------------------------------------------------------------------- losses
def _gamma(gamma: torch.Tensor | np.ndarray | None, out: torch.Tensor) -> torch.Tensor:
    c = out.shape[-1]
    if gamma is None:
        return torch.ones(c, dtype=out.dtype, device=out.device)
    g = torch.as_tensor(gamma, dtype=out.dtype, device=out.device)
    if g.shape[-1] != c:
        raise ValueError(
            f"gamma must have {c} entries in its last axis, got shape {tuple(g.shape)}"
        )
    return g


def loss_value(
    kind: str,
    out: torch.Tensor,
    y: torch.Tensor,
    gamma: torch.Tensor | np.ndarray | None = None,
) -> torch.Tensor:
    """The loss of outputs ``out`` (differentiable with autograd).

    Parameters
    ----------
    kind : {"ce", "dce", "mse", "dmse1", "dmse2"}
        Which loss (module docstring). ``ce`` and ``mse`` ignore ``gamma``.
    out : Tensor, shape (..., P, C)
        Network outputs (logits); leading axes are a batch of models.
    y : Tensor, shape (P, C)
        One-hot labels.
    gamma : array, shape (..., C), optional
        Class weights ``Gamma(t)`` (one row per model, or one shared row); default all
        1.

    Returns
    -------
    Tensor, shape (...)
        The loss of each model.

    Raises
    ------
    ValueError
        Unknown ``kind``, ``y`` not shaped like the last two axes of ``out``, or
        ``gamma`` with another number of classes.

    References
    ----------
    Lavin, E. & Ruiz-Garcia, M. (2024). Dynamical loss functions shape landscape
    topography and improve learning in artificial neural networks. arXiv:2410.10690,
    Eqs. (2)-(4).
    """
    k = check_loss(kind)
    if out.shape[-2:] != y.shape:
        raise ValueError(
            f"y must have shape {tuple(out.shape[-2:])} (points, classes), got "
            f"{tuple(y.shape)}"
        )
    g = _gamma(None if k in ("ce", "mse") else gamma, out)
    p = out.shape[-2]
    if k in ("ce", "dce"):
        nll = -(torch.log_softmax(out, dim=-1) * y).sum(-1)  # (..., P)
        wy = (y * g.unsqueeze(-2)).sum(-1)  # Gamma_{y_j}
        return (wy * nll).sum(-1) / p
    if k in ("mse", "dmse1"):
        return ((out - y) ** 2 * g.unsqueeze(-2)).sum((-1, -2)) / p
    return ((out - y * g.unsqueeze(-2)) ** 2).sum((-1, -2)) / p


def loss_and_grad(
    kind: str,
    out: torch.Tensor,
    y: torch.Tensor,
    gamma: torch.Tensor | np.ndarray | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Loss and its analytic gradient with respect to ``out`` (no autograd; fast
    training).

    Parameters
    ----------
    kind : {"ce", "dce", "mse", "dmse1", "dmse2"}
        Which loss (module docstring). ``ce`` and ``mse`` ignore ``gamma``.
    out : Tensor, shape (..., P, C)
        Network outputs (logits); leading axes are a batch of models.
    y : Tensor, shape (P, C)
        One-hot labels.
    gamma : array, shape (..., C), optional
        Class weights ``Gamma(t)``; default all 1.

    Returns
    -------
    loss : Tensor, shape (...)
        The loss of each model, as :func:`loss_value`.
    grad : Tensor, shape (..., P, C)
        ``d loss / d out``.

    Raises
    ------
    ValueError
        Unknown ``kind`` or ``gamma`` with another number of classes.

    References
    ----------
    Lavin, E. & Ruiz-Garcia, M. (2024). arXiv:2410.10690, Eqs. (2)-(4).
    """
    k = check_loss(kind)
    g = _gamma(None if k in ("ce", "mse") else gamma, out).unsqueeze(-2)
    p = out.shape[-2]
    if k in ("ce", "dce"):
        logp = torch.log_softmax(out, dim=-1)
        wy = (y * g).sum(-1, keepdim=True)  # (..., P, 1)
        loss = -(wy * logp * y).sum((-1, -2)) / p
        return loss, wy * (logp.exp() - y) / p
    if k in ("mse", "dmse1"):
        r = out - y
        return (r * r * g).sum((-1, -2)) / p, 2.0 * g * r / p
    r = out - y * g
    return (r * r).sum((-1, -2)) / p, 2.0 * r / p


# ------------------------------------------------------------------------ instabilities
def first_instability(
    ratio: np.ndarray, *, threshold: float = -1.0, run: int = 3, start: int = 0
) -> np.ndarray:
    """First step at which consecutive updates turn against each other and grow.

    Parameters
    ----------
    ratio : ndarray, shape (..., steps)
        ``ratio[..., t] = g_t . g_{t-1} / |g_{t-1}|**2`` (``TrainResult.ratio`` of
        :func:`fractal_lib.dynamical.batched_mlp.train`; NaN where undefined). A cosine
        works too with a threshold in ``(-1, 0)``, but it fires already in the stable
        overshooting regime.
    threshold : float
        A step is unstable when its ratio is below ``threshold`` (finite; -1 is the edge
        of stability).
    run : int
        Number of consecutive unstable steps required (>= 1), so that one stray kink is
        not an instability.
    start : int
        Ignore steps before ``start`` (e.g. the first transient).

    Returns
    -------
    ndarray of int, shape (...)
        First step of the first such run, or -1 where there is none *within the series*:
        -1 is a censored search (the instability may come later), not evidence that
        there is none. Callers report it as such (e.g.
        :func:`fractal_lib.papers.lavin2024.fig4` extends the window and returns
        ``censored`` with the window length).

    Raises
    ------
    ValueError
        Empty or 0-d ``ratio``, ``ratio`` entirely NaN (nothing was measured, which is
        not "no instability"), non-finite ``threshold``, ``run < 1``, or ``start``
        outside ``[0, steps - 1]`` (a search that looks at no step).
    """
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be finite, got {threshold}")
    if int(run) < 1:
        raise ValueError(f"run must be >= 1, got {run}")
    if int(start) < 0:
        raise ValueError(f"start must be >= 0, got {start}")
    c = np.asarray(ratio, dtype=float)
    if c.ndim == 0 or c.shape[-1] == 0:
        raise ValueError(
            "ratio must have at least one step along its last axis, got shape "
            f"{c.shape}"
        )
    if np.all(np.isnan(c)):
        raise ValueError(
            "ratio has no finite value (all NaN): there is nothing to search"
        )
    if int(start) >= c.shape[-1]:
        raise ValueError(
            f"start must lie in [0, {c.shape[-1] - 1}] for a series of {c.shape[-1]} "
            "steps, "
            f"got {start}"
        )
    bad = np.nan_to_num(c, nan=1.0) < threshold
    bad[..., : max(int(start), 0)] = False
    n = bad.shape[-1]
    if n < run:
        return np.full(bad.shape[:-1], -1, dtype=np.int64)
    ok = np.ones(bad.shape[:-1] + (n - run + 1,), dtype=bool)
    for k in range(run):
        ok &= bad[..., k : n - run + 1 + k]
    has = ok.any(-1)
    return np.where(has, ok.argmax(-1), -1).astype(np.int64)


def value_at(steps: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """A recorded series read at given steps (the last record at or before each).

    Parameters
    ----------
    steps : ndarray of int, shape (K,)
        Sorted steps at which ``values`` were recorded.
    values : ndarray, shape (..., K)
        The records.
    at : ndarray of int, shape (...)
        Step wanted for each leading index (e.g. :func:`first_instability`; -1 for
        none).

    Returns
    -------
    ndarray, shape (...)
        ``values`` at the last recorded step ``<= at``; NaN where ``at < 0`` or before
        the first record.
    """
    steps = np.asarray(steps)
    v = np.asarray(values, dtype=float)
    at = np.asarray(at)
    idx = np.searchsorted(steps, at, side="right") - 1
    ok = (at >= 0) & (idx >= 0)
    taken = np.take_along_axis(v, np.clip(idx, 0, None)[..., None], axis=-1)[..., 0]
    return np.where(ok, taken, np.nan)


def period_of(
    series: np.ndarray,
    *,
    max_period: int = 8,
    rtol: float = 0.05,
    level_tol: float = 1e-4,
) -> int:
    """Smallest period ``p <= max_period`` of the tail of a (loss or accuracy) series.

    The last ``5 max_period`` values are detrended (a straight line is removed: the
    class weights drift slowly) and compared with themselves shifted by ``p``. The tail
    has period ``p`` when every difference is below ``rtol`` times the detrended spread
    plus ``level_tol`` times the mean level. Returns 0 when no period up to
    ``max_period`` fits (chaotic or irregular) and -1 when the tail is not finite (a
    diverged run), so that neither reads as a period. A period-doubling cascade shows as
    1, 2, 4, ... along a trajectory.

    Parameters
    ----------
    series : ndarray, shape (n,)
        The series, ``n >= 5 max_period``.
    max_period : int
        Largest period searched (>= 1).
    rtol : float
        Tolerance relative to the detrended spread (>= 0).
    level_tol : float
        Tolerance relative to the mean level (>= 0).

    Returns
    -------
    int
        The period, 0 when none fits, -1 when the tail is not finite.

    Raises
    ------
    ValueError
        ``max_period < 1``, negative tolerances, or a series that is not 1-D or shorter
        than ``5 max_period``.
    """
    s = np.asarray(series, dtype=float)
    if int(max_period) < 1:
        raise ValueError(f"max_period must be >= 1, got {max_period}")
    if not (rtol >= 0 and level_tol >= 0):
        raise ValueError(f"rtol and level_tol must be >= 0, got {rtol}, {level_tol}")
    n = 5 * int(max_period)
    if s.ndim != 1 or s.size < n:
        raise ValueError(f"series must be 1-D with at least {n} values")
    raw = s[-n:]
    if not np.all(np.isfinite(raw)):
        return -1
    k = np.arange(n, dtype=float)
    tail = raw - np.polyval(np.polyfit(k, raw, 1), k)
    tol = rtol * float(np.ptp(tail)) + level_tol * abs(float(np.mean(raw))) + 1e-300
    for p in range(1, int(max_period) + 1):
        if np.all(np.abs(tail[p:] - tail[:-p]) <= tol):
            return p
    return 0


def period_scan(series: np.ndarray, times: np.ndarray | list[int], **kw) -> np.ndarray:
    """:func:`period_of` of ``series[: t + 1]`` for each ``t`` in ``times``.

    Parameters
    ----------
    series : ndarray, shape (n,)
        The series.
    times : sequence of int
        Last step of each prefix searched.
    **kw
        ``max_period``, ``rtol``, ``level_tol`` of :func:`period_of`.

    Returns
    -------
    ndarray of int, shape (len(times),)
        The period, 0 where none fits, -1 where the tail is not finite or too short
        (``t + 1 < 5 max_period``: not searched).

    Raises
    ------
    ValueError
        What :func:`period_of` raises.
    """
    s = np.asarray(series, dtype=float)
    need = 5 * int(kw.get("max_period", 8))
    return np.array(
        [period_of(s[: int(t) + 1], **kw) if int(t) + 1 >= need else -1 for t in times],
        dtype=np.int64,
    )


def first_appearances(times: np.ndarray, periods: np.ndarray) -> list[tuple[int, int]]:
    """The first time each period appears, in order of appearance.

    Parameters
    ----------
    times : ndarray of int, shape (n,)
        Times of the periods.
    periods : ndarray of int, shape (n,)
        Periods (:func:`period_scan`); values < 1 are skipped.

    Returns
    -------
    list of (int, int)
        ``(period, first time)`` for each period ``>= 1`` (a cascade reads 1, 2, 4, 8,
        ...).
    """
    seen: dict[int, int] = {}
    for t, p in zip(
        np.asarray(times).tolist(), np.asarray(periods).tolist(), strict=True
    ):
        if p >= 1 and p not in seen:
            seen[p] = t
    return list(seen.items())
