"""Seeded spiral (three-arm "Swiss roll") classification data, as in Ruiz-Garcia et al.
2021 and Lavin & Ruiz-Garcia 2024.

Class ``j`` of ``C`` follows one arm of a spiral: ``n`` points at radii ``r`` in
``[0, 1]`` and angles ``t = 2 pi j / C + turns * 2 pi * r + noise``, drawn as
``(r cos t, r sin t)``. The noise (Gaussian, ``sigma`` radians) is added to the *angle*,
not to the coordinates, exactly as in the authors' public notebook (``make_dataset``:
100 points per class, 2 turns, 0.2 rad).

The public code has no validation set; :func:`train_val` draws one from the same
distribution with a different seed (the paper's Fig. 3), so the two sets differ only in
their noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

#: How the radii of the spiral points are drawn.
Radius = Literal["linspace", "uniform"]


@dataclass(frozen=True)
class Spiral:
    """A spiral data set.

    Attributes
    ----------
    x : Tensor
        Points, shape ``(n_classes * n_per_class, 2)``.
    y : Tensor
        Integer labels (int64), shape ``(n_classes * n_per_class,)``.
    n_classes : int
        Number of classes (arms).
    """

    x: torch.Tensor
    y: torch.Tensor
    n_classes: int

    @property
    def onehot(self) -> torch.Tensor:
        """One-hot labels, shape ``(N, n_classes)``, in the dtype of ``x``."""
        return torch.nn.functional.one_hot(self.y, self.n_classes).to(self.x.dtype)

    def __len__(self) -> int:
        return int(self.y.shape[0])


def spiral_numpy(
    n_per_class: int = 100,
    n_classes: int = 3,
    *,
    noise: float = 0.2,
    turns: float = 2.0,
    seed: int = 0,
    radius: Radius = "linspace",
) -> tuple[np.ndarray, np.ndarray]:
    """Spiral points and labels as numpy arrays.

    Parameters
    ----------
    n_per_class : int
        Points per class (>= 2). The paper uses 100.
    n_classes : int
        Number of arms / classes (>= 2). The paper uses 3.
    noise : float
        Standard deviation of the Gaussian angle noise in radians (>= 0). The code uses
        0.2.
    turns : float
        Full turns of each arm (> 0). The code's ``linspace(w j, w j + 4 pi)`` is 2
        turns.
    seed : int
        Seed of the noise (and of the radii when ``radius="uniform"``); ``>= 0``.
    radius : {"linspace", "uniform"}
        ``"linspace"``: evenly spaced radii on ``[0, 1]`` (the authors' code);
        ``"uniform"``: radii drawn uniformly, so that a different seed also moves the
        points along the arms.

    Returns
    -------
    x : ndarray, shape (n_classes * n_per_class, 2), float64
        The points.
    y : ndarray, shape (n_classes * n_per_class,), int64
        Class labels.

    Raises
    ------
    ValueError
        Fewer than 2 points per class or classes, negative or non-finite ``noise``,
        non-positive ``turns``, negative ``seed`` or unknown ``radius``.
    """
    if int(n_per_class) < 2:
        raise ValueError(f"n_per_class must be >= 2, got {n_per_class}")
    if int(n_classes) < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise}")
    if not (np.isfinite(turns) and turns > 0):
        raise ValueError(f"turns must be a finite number > 0, got {turns}")
    if int(seed) < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if radius not in ("linspace", "uniform"):
        raise ValueError(f"radius must be 'linspace' or 'uniform', got {radius!r}")
    rng = np.random.default_rng(int(seed))
    n, c = int(n_per_class), int(n_classes)
    xs, ys = [], []
    for j in range(c):
        r = (
            np.linspace(0.0, 1.0, n)
            if radius == "linspace"
            else np.sort(rng.uniform(0.0, 1.0, n))
        )
        t = 2 * np.pi * j / c + 2 * np.pi * turns * r + noise * rng.standard_normal(n)
        xs.append(np.stack([r * np.cos(t), r * np.sin(t)], axis=1))
        ys.append(np.full(n, j, dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ys)


def spiral(
    n_per_class: int = 100,
    n_classes: int = 3,
    *,
    noise: float = 0.2,
    turns: float = 2.0,
    seed: int = 0,
    radius: Radius = "linspace",
    dtype: torch.dtype = torch.float64,
    device: torch.device | str | None = None,
) -> Spiral:
    """A seeded spiral data set as torch tensors.

    Parameters
    ----------
    n_per_class, n_classes : int
        Points per class and number of arms (see :func:`spiral_numpy`).
    noise : float
        Angle noise in radians.
    turns : float
        Full turns of each arm.
    seed : int
        Seed of the noise.
    radius : {"linspace", "uniform"}
        Placement of the radii.
    dtype : torch.dtype
        Dtype of the points.
    device : torch.device or str, optional
        Device of the tensors.

    Returns
    -------
    Spiral
        Points and integer labels.

    Raises
    ------
    ValueError
        What :func:`spiral_numpy` raises.
    """
    x, y = spiral_numpy(
        n_per_class, n_classes, noise=noise, turns=turns, seed=seed, radius=radius
    )
    return Spiral(
        torch.as_tensor(x, dtype=dtype, device=device),
        torch.as_tensor(y, device=device),
        int(n_classes),
    )


def train_val(
    n_per_class: int = 100,
    n_classes: int = 3,
    *,
    noise: float = 0.2,
    turns: float = 2.0,
    seed: int = 0,
    val_seed: int | None = None,
    n_val_per_class: int | None = None,
    radius: Radius = "linspace",
    dtype: torch.dtype = torch.float64,
    device: torch.device | str | None = None,
) -> tuple[Spiral, Spiral]:
    """Training set and a validation set from the same distribution with another seed.

    Parameters
    ----------
    n_per_class, n_classes : int
        Training points per class and number of arms (see :func:`spiral_numpy`).
    noise : float
        Angle noise in radians.
    turns : float
        Full turns of each arm.
    seed : int
        Seed of the training set (the code's ``np.random.seed(0)`` corresponds to 0 in
        spirit; numpy's new generator gives other numbers).
    val_seed : int, optional
        Seed of the validation set; default ``seed + 1``. Must differ from ``seed``.
    n_val_per_class : int, optional
        Validation points per class; default ``n_per_class``.
    radius : {"linspace", "uniform"}
        Placement of the radii.
    dtype : torch.dtype
        Dtype of the points.
    device : torch.device or str, optional
        Device of the tensors.

    Returns
    -------
    train, val : Spiral
        The two data sets.

    Raises
    ------
    ValueError
        ``val_seed`` equal to ``seed``, or what :func:`spiral_numpy` raises.
    """
    vs = int(seed) + 1 if val_seed is None else int(val_seed)
    if vs == int(seed):
        raise ValueError(f"val_seed must differ from seed ({seed}), got {val_seed}")
    nv = n_per_class if n_val_per_class is None else n_val_per_class
    kw = dict(noise=noise, turns=turns, radius=radius, dtype=dtype, device=device)
    return (
        spiral(n_per_class, n_classes, seed=seed, **kw),  # type: ignore[arg-type]
        spiral(nv, n_classes, seed=vs, **kw),
    )  # type: ignore[arg-type]
