"""Explorer of multifractal probing results (ipywidgets).

In a kernel it redraws on every change; on the static site it switches between frames
precomputed for the probed checkpoints (:mod:`fractal_lib.core.explorer`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ..core.style import control_factory, explorer_box
from . import measures as mf
from . import plotting as pp


def explore_probing(
    responses: Mapping[float, np.ndarray],
    scales: np.ndarray,
    q: np.ndarray,
    fraction: float,
    q_range: tuple[float, float],
    window: tuple[int, int],
    *,
    n_banks: int = 1,
    floors: Mapping[str, float | None] | None = None,
) -> plt.Figure:
    """The explorer's figure: ``tau(q)``, both Chhabra-Jensen spectra and the exponents.

    Drawn for the checkpoint at ``fraction``, the q values inside ``q_range`` (at least
    the two nearest its middle) and the scale indices ``window = (first, last)``
    (inclusive, at least two scales).

    Parameters
    ----------
    responses : mapping of float to ndarray, shape (n_dirs, n_scales)
        Fraction of training to the responses ``R`` of that checkpoint.
    scales : ndarray, shape (n_scales,)
        Step lengths ``eps``.
    q : ndarray, shape (n_q,)
        Moment orders available.
    fraction : float
        Key of ``responses`` to show.
    q_range : (float, float)
        Lowest and highest ``q`` to use.
    window : (int, int)
        First and last scale index, inclusive.
    n_banks : int
        Banks of directions (:func:`~fractal_lib.multifractal.measures.analyze_banks`).
    floors : mapping of str to float or None, optional
        ``gamma`` and the floors passed to
        :func:`~fractal_lib.multifractal.measures.analyze` (default: its defaults).

    Returns
    -------
    Figure
        Three panels: ``tau(q)``, the spectra and the exponent histogram.
    """
    qs = np.asarray(q)[(q >= q_range[0]) & (q <= q_range[1])]
    if qs.size < 2:
        qs = np.asarray(q)[np.argsort(np.abs(np.asarray(q) - np.mean(q_range)))[:2]]
        qs.sort()
    win = (int(window[0]), max(int(window[1]) + 1, int(window[0]) + 2))
    R = responses[fraction]
    bs = mf.analyze_banks(R, scales, qs, [win], n_banks=n_banks, **(floors or {}))
    fig, axes = plt.subplots(1, 3, figsize=(9.0, 3.0), layout="constrained")
    m_tau, se = bs.mean_se("m_tau")
    pp.plot_tau_curves(
        qs,
        {f"{fraction:g} of training, M_tau = {m_tau:.3f}": bs.mean_se("tau")},
        colors=["C0"],
        ax=axes[0],
    )
    pp.plot_spectra(
        {
            "ratio form (authors)": (bs.alpha_ratio.mean(0), bs.f_ratio.mean(0)),
            "slope form (textbook)": (bs.alpha_slope.mean(0), bs.f_slope.mean(0)),
        },
        colors=["C1", "C2"],
        xlabel=r"$\hat\alpha(q)$",
        ax=axes[1],
    )
    pp.plot_exponent_distributions(
        {f"eps {scales[win[0]]:.1e} .. {scales[win[1] - 1]:.1e}": bs.exponents},
        colors=["C0"],
        ax=axes[2],
    )
    return fig


def probing_explorer(
    responses: Mapping[float, np.ndarray],
    scales: np.ndarray,
    q: np.ndarray,
    *,
    window: tuple[int, int],
    n_banks: int = 1,
    floors: Mapping[str, float | None] | None = None,
    frames: Mapping[Any, Any] | None = None,
):
    """A widget: pick the checkpoint, the q range and the window of scales.

    It redraws :func:`explore_probing` (``tau(q)``, ``f(alpha)`` and the exponent
    histogram) on every change in a kernel. It starts at the middle checkpoint and the
    full q grid. On the static page it shows one frame per checkpoint (at most nine,
    evenly spaced, the middle one included) unless ``frames`` says otherwise.

    Parameters
    ----------
    responses : mapping of float to ndarray
        Checkpoint fractions to responses, as in :func:`explore_probing`.
    scales, q : ndarray
        Step lengths and moment orders, as in :func:`explore_probing`.
    window : (int, int)
        Initial ``(first, last)`` scale index, inclusive (the chapter passes the
        authors' first fit window).
    n_banks : int
        Banks of directions.
    floors : mapping of str to float or None, optional
        ``gamma`` and the floors of the measure (see :func:`explore_probing`).
    frames : mapping, optional
        The static page's grid (see :func:`~fractal_lib.core.style.explorer_box`),
        for example ``{"fraction": (...)}``; default: the checkpoints.

    Returns
    -------
    ipywidgets.VBox
        The controls above the figure.
    """
    import ipywidgets as w

    make = control_factory(120, 420)
    fr = sorted(responses)
    q = np.asarray(q, dtype=float)
    controls = {
        "fraction": make(
            w.SelectionSlider, "checkpoint", options=fr, value=fr[len(fr) // 2]
        ),
        "q_range": make(
            w.FloatRangeSlider,
            "q range",
            value=(float(q.min()), float(q.max())),
            min=float(q.min()),
            max=float(q.max()),
            step=0.25,
        ),
        "window": make(
            w.IntRangeSlider,
            "scale indices",
            value=window,
            min=0,
            max=len(scales) - 1,
        ),
    }
    figure = functools.partial(
        explore_probing, responses, scales, q, n_banks=n_banks, floors=floors
    )
    if frames is None:
        mid = len(fr) // 2
        step = max(1, -(-(len(fr) - 1) // 8))  # at most nine frames
        frames = {"fraction": sorted({*fr[mid % step :: step], fr[mid]})}
    return explorer_box(
        figure, controls, split=len(controls), frames=frames, name="torok-probing"
    )
