"""Interactive explorers (ipywidgets). They need a live kernel; on the static site they show
the figure for their initial values."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..core.style import control_style, explorer_box
from . import landscapes as L
from . import plotting
from . import trainability as T

CRITERIA = {
    "sum of losses ≥ 1e16 (paper text)": T.Criterion("sum", 1e16),
    "some loss > 1e8 (authors' code)": T.Criterion("max", 1e8),
}
MAX_LOG2_N = 14
STRIP_LOG2_N = 12



def explore(kind: str, eps: float, lam: float, x0: float, lr_window: tuple[float, float],
            log2_n: int, criterion: str) -> plt.Figure:
    """Landscape, colour strip and box counting for one setting (what the explorer draws).

    Classification uses the fast kernel where it applies (no cache); the strip's intensities
    need the reference kernel and use at most ``2**12`` segments of the same grid.
    """
    ls = L.quadratic() if kind == "quadratic" else L.landscape(kind, eps=eps, lam=lam)
    lo, hi = lr_window
    hi = max(hi, lo + 1e-6)
    log2_n = int(min(log2_n, MAX_LOG2_N))
    crit = CRITERIA[criterion]
    grid = T.LRGrid(lo, hi, log2_n)
    out = T.classify(ls, grid.values(), x0=x0, criterion=crit)
    counts = T.boundary_counts(out.diverged)
    fit = T.box_dimension(counts)
    sgrid = grid.level(min(log2_n, STRIP_LOG2_N))
    strip = T.classify(ls, sgrid.values(), x0=x0, criterion=crit, intensity=True)
    fig = plt.figure(figsize=(9.0, 4.2))
    top, bottom = fig.subfigures(2, 1, height_ratios=[3, 1])
    ax_l, ax_c = top.subplots(1, 2)
    span = max(1.2, 1.2 * abs(x0))
    plotting.plot_landscape(ls, x=np.linspace(-span, span, 4001), ax=ax_l)
    ax_l.axvline(x0, color="k", lw=0.8, ls=":")
    plotting.plot_box_counts(counts, fit, ax=ax_c,
                             label=f"{int(np.count_nonzero(out.diverged))} of {grid.n_points} diverge")
    plotting.plot_strip(sgrid.values(), strip.diverged, strip.intensity, ax=bottom.subplots())
    bottom.axes[0].set_xlabel(r"learning rate $s$")
    return fig


def trainability_explorer(log2_n: int = 12):
    """A widget: pick the landscape (quadratic / additive / multiplicative), eps, lam, x0, the
    learning-rate window, the resolution (``2**log2_n`` segments, at most ``2**14``) and the
    divergence criterion; it redraws the landscape, the colour strip and ``|B_N|`` vs ``N``
    with the fitted box dimension.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as w

    style, lay = control_style()
    controls = {
        "kind": w.Dropdown(options=["multiplicative", "additive", "quadratic"],
                           value="multiplicative", description="landscape", style=style, layout=lay),
        "eps": w.FloatSlider(value=0.2, min=0.0, max=0.5, step=0.005, description="ε (amplitude)",
                             style=style, layout=lay, readout_format=".3f"),
        "lam": w.FloatSlider(value=0.1, min=0.02, max=1.0, step=0.01, description="λ (wavelength)",
                             style=style, layout=lay),
        "x0": w.FloatSlider(value=1.0, min=-5.0, max=5.0, step=0.05, description="x0 (start)",
                            style=style, layout=lay),
        "lr_window": w.FloatRangeSlider(value=(0.0, 1.5), min=0.0, max=2.0, step=0.001,
                                        description="learning rates", style=style, layout=lay,
                                        readout_format=".3f"),
        "log2_n": w.IntSlider(value=min(log2_n, MAX_LOG2_N), min=6, max=MAX_LOG2_N,
                              description="log2 N", style=style, layout=lay),
        "criterion": w.Dropdown(options=list(CRITERIA), description="divergence",
                                style=style, layout=lay),
    }

    return explorer_box(explore, controls)
