"""The explorers start at the values their chapter passes (the paper modules' facts).

The figure functions are replaced by stubs that record their arguments, so no training
or sweep runs.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("ipywidgets")

from widget_tools import controls  # noqa: E402

from fractal_lib.boundaries import trainability as T  # noqa: E402
from fractal_lib.boundaries import widgets as BW  # noqa: E402
from fractal_lib.boundaries import widgets_networks as NW  # noqa: E402
from fractal_lib.core.style import log_options  # noqa: E402
from fractal_lib.dynamical import widgets as DW  # noqa: E402
from fractal_lib.multifractal import widgets as MW  # noqa: E402
from fractal_lib.papers import lavin2024, liu2024, sohl_dickstein2024  # noqa: E402
from fractal_lib.papers import torok_bartha as TB  # noqa: E402


@pytest.fixture
def calls(monkeypatch):
    """Replace every explorer's figure function by a recorder."""
    seen: list[dict] = []

    def stub(*args, **kw):
        seen.append(kw)
        return plt.figure()

    for mod, name in [
        (BW, "explore"),
        (NW, "explore"),
        (DW, "explore"),
        (MW, "explore_probing"),
    ]:
        monkeypatch.setattr(mod, name, stub)
    yield seen
    plt.close("all")


def test_log_options_contain_the_value_exactly():
    # defect (issue 15): the A slider read 70.8 for a figure computed at A = 70; then
    # 70 and 70.8 sat side by side, so one step right showed almost the same setting.
    opts = log_options(70.0, 1.0, 1000.0)
    values = [v for _, v in opts]
    assert values == sorted(values)
    assert ("70", 70.0) in opts and 70.8 not in values
    i = values.index(70.0)
    assert (values[i - 1], values[i + 1]) == (63.1, 79.4)
    assert values[0] == 1.0 and values[-1] == 1000.0


def test_log_options_offer_extra_values_exactly():
    opts = log_options(70.0, 1.0, 1000.0, extra=lavin2024.FIG4_A)
    assert {("25", 25.0), ("50", 50.0), ("75", 75.0), ("70", 70.0)} <= set(opts)
    assert 25.1 not in [v for _, v in opts]  # the grid point next to 25 is left out
    with pytest.raises(ValueError, match="extra"):
        log_options(70.0, 1.0, 1000.0, extra=(2000.0,))


@pytest.mark.parametrize("args", [(0.5, 1.0, 10.0), (1.0, 0.0, 10.0), (1.0, 1.0, 1.0)])
def test_log_options_raise(args):
    with pytest.raises(ValueError):
        log_options(*args)


def test_dynamical_explorer_starts_at_the_papers_values(calls):
    box = DW.dynamical_loss_explorer(
        500,
        data=None,
        schedule=None,
        lanczos_iter=1,
        A=lavin2024.A,
        lr=lavin2024.LR_FIG2,
        width=lavin2024.WIDTH_FIG2,
    )
    c = controls(box)
    assert c["A"].value == lavin2024.A == 70.0
    assert c["A"].label == "70"
    assert c["η"].value == lavin2024.LR_FIG2
    assert c["width"].value == lavin2024.WIDTH_FIG2
    assert c["T"].value == 500
    assert calls[-1]["A"] == 70.0 and calls[-1]["lr"] == lavin2024.LR_FIG2


def test_trainability_explorer_starts_at_the_papers_values(calls):
    box = BW.trainability_explorer(
        12,
        eps=liu2024.EPS,
        lam=liu2024.LAM,
        x0=1.0,
        lr_window=(liu2024.LR_MIN, liu2024.LR_MAX),
        criteria=(liu2024.SUM_1E16, liu2024.MAX_1E8),
    )
    c = controls(box)
    assert c["ε (amplitude)"].value == liu2024.EPS
    assert c["λ (wavelength)"].value == liu2024.LAM
    assert c["learning rates"].value == (liu2024.LR_MIN, liu2024.LR_MAX)
    assert c["divergence"].value == liu2024.SUM_1E16
    assert c["divergence"].label == "sum of losses ≥ 1e16"
    assert calls[-1]["criterion"] == liu2024.SUM_1E16
    assert calls[-1]["kind"] == "multiplicative"


def test_criterion_label():
    assert BW.criterion_label(T.Criterion("max", 1e8)) == "some loss > 1e8"
    assert BW.criterion_label(T.Criterion("max", 1e8, nan="bounded")) == (
        "some loss > 1e8 (NaN bounded)"
    )


def test_network_explorer_starts_at_the_papers_window(calls):
    box = NW.network_explorer(
        5, steps=100, window=sohl_dickstein2024.ROOT, width=sohl_dickstein2024.WIDTH
    )
    c = controls(box)
    x0, x1, y0, y1 = sohl_dickstein2024.ROOT.bounds
    assert c["x window"].value == (x0, x1)
    assert (c["y window"].min, c["y window"].max) == (y0, y1)
    assert calls[-1]["x_range"] == (x0, x1)
    assert calls[-1]["width"] == 16  # the paper's width reaches the figure


def test_probing_explorer_passes_window_and_floors(calls):
    scales = TB.SCALES[5:]
    responses = {0.1: np.ones((4, scales.size)), 0.5: np.ones((4, scales.size))}
    box = MW.probing_explorer(
        responses, scales, TB.Q, window=(0, 3), n_banks=2, floors=TB.FLOORS
    )
    c = controls(box)
    assert c["scale indices"].value == (0, 3)
    assert calls[-1]["floors"] == TB.FLOORS
    assert calls[-1]["window"] == (0, 3)
