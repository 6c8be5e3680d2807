"""Explorer of multifractal probing results (ipywidgets). It needs a live kernel; on the static
site it shows the figure for its initial values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from . import measures as mf
from . import plotting as pp


def explore_probing(responses: Mapping[float, np.ndarray], scales: np.ndarray, q: np.ndarray,
                    fraction: float, q_range: tuple[float, float], window: tuple[int, int], *,
                    n_banks: int = 1) -> plt.Figure:
    """tau(q), the Chhabra-Jensen spectrum (both forms) and the per-direction exponents of the
    checkpoint at ``fraction``, for the q values inside ``q_range`` and the scale indices
    ``window = (first, last)`` (inclusive). ``responses[fraction]`` is ``R`` (n_dirs, n_scales)."""
    qs = np.asarray(q)[(q >= q_range[0]) & (q <= q_range[1])]
    if qs.size < 2:
        qs = np.asarray(q)[np.argsort(np.abs(np.asarray(q) - np.mean(q_range)))[:2]]
        qs.sort()
    win = (int(window[0]), max(int(window[1]) + 1, int(window[0]) + 2))
    R = responses[fraction]
    bs = mf.analyze_banks(R, scales, qs, [win], n_banks=n_banks)
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.2), layout="constrained")
    m_tau, se = bs.mean_se("m_tau")
    pp.plot_tau_curves(qs, {f"{fraction:g} of training, M_tau = {m_tau:.3f}": bs.mean_se("tau")},
                       colors=["C0"], ax=axes[0])
    pp.plot_spectra({"ratio form (authors)": (bs.alpha_ratio.mean(0), bs.f_ratio.mean(0)),
                     "slope form (textbook)": (bs.alpha_slope.mean(0), bs.f_slope.mean(0))},
                    colors=["C1", "C2"], xlabel=r"$\hat\alpha(q)$", ax=axes[1])
    pp.plot_exponent_distributions({f"eps {scales[win[0]]:.1e} .. {scales[win[1] - 1]:.1e}":
                                    bs.exponents}, colors=["C0"], ax=axes[2])
    return fig


def probing_explorer(responses: Mapping[float, np.ndarray], scales: np.ndarray, q: np.ndarray, *,
                     window: tuple[int, int] = (0, 3), n_banks: int = 1,
                     scale_labels: Sequence[str] | None = None):
    """A widget: pick the checkpoint, the q range and the window of scales; redraws tau(q),
    f(alpha) and the exponent histogram. ``window`` is ``(first, last)`` scale index, inclusive.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as w
    from IPython.display import display

    style = {"description_width": "120px"}
    lay = w.Layout(width="420px")
    fr = sorted(responses)
    q = np.asarray(q, dtype=float)
    controls = {
        "fraction": w.SelectionSlider(options=fr, value=fr[len(fr) // 2], description="checkpoint",
                                      style=style, layout=lay),
        "q_range": w.FloatRangeSlider(value=(float(q.min()), float(q.max())), min=float(q.min()),
                                      max=float(q.max()), step=0.25, description="q range",
                                      style=style, layout=lay),
        "window": w.IntRangeSlider(value=window, min=0, max=len(scales) - 1,
                                   description="scale indices", style=style, layout=lay),
    }

    def draw(**kw: object) -> None:
        fig = explore_probing(responses, scales, q, n_banks=n_banks, **kw)  # type: ignore[arg-type]
        display(fig)
        plt.close(fig)

    out = w.interactive_output(draw, controls)
    return w.VBox([w.VBox(list(controls.values())), out])
