"""Settings and reported statements of Török & Bartha.

*Multifractal structure of neural network loss landscapes*, the chapter
``notebooks/torok_multifractal_probing.md``.

Only the paper's constants, protocol choices and the statements the chapter compares
with (:data:`REPORTED`) live here, taken from the authors' public code,
``gergotorok02/MultiFractal``, as summarised in ``shared/research/abstract_papers.md``,
Paper 2. The machinery is generic (:mod:`fractal_lib.multifractal.probing`,
:mod:`fractal_lib.multifractal.measures`, :mod:`fractal_lib.nets.training`). The paper
itself is available only as an abstract: **no numbers are published**, only definitions,
settings and figure designs. Sizes per scale live in
:mod:`fractal_lib.papers.presets.torok_multifractal_probing`, which reads the ``paper``
scale from here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..core.report import Reported
from ..multifractal import measures as mf

# ------------------------------------------------------------------------------ probing
SCALES = np.logspace(-6.5, -1.9, 12)
"""The 12 absolute step lengths eps (3.16e-7 .. 1.26e-2); directions have unit norm."""
WINDOWS: tuple[tuple[int, int], ...] = (
    (5, 9),
    (6, 10),
    (7, 11),
    (8, 12),
    (5, 10),
    (6, 11),
    (7, 12),
    (5, 11),
)
"""Fixed fit windows (Python slices into SCALES): eps in [3.9e-5, 1.26e-2]; 1.25 to 2.09
decades. The five smallest scales are never used. Descriptors are averaged over the
windows."""
Q = np.array(
    [-3.0, -2.0, -1.5, -1.0, -0.5, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0]
)
"""The q grid (q = 0 excluded)."""
#: Directions per bank.
BANK_SIZE = 128
N_BANKS = 8
"""8 banks x 128 directions = 1024 directions per checkpoint; direction j of bank b has
seed ``seed + 100000 (b + 1) + j``."""
PROBE_BATCH = 256
"""A fixed training batch of 256 images, no augmentation; model and BatchNorm in eval
mode."""
N_PROBE_BATCHES = 3
"""Three fixed batches drawn once with ``np.random.default_rng(0)``; bank b uses batch
b mod 3."""
GAMMA = 1.0
"""Primary measure ``global_abs_d2``: mu_i = max(R_i, 1e-20)**gamma / sum_j (gamma in
{1, 2, 4})."""
#: Floor of the raw responses R_i inside the measure (see :data:`GAMMA`).
R_FLOOR = 1e-20
MU_FLOOR = 1e-10
"""Floors of the raw responses and of mu (inside Z and the Chhabra-Jensen
logarithms)."""
FLOORS = {
    "gamma": GAMMA,
    "r_floor": R_FLOOR,
    "mu_floor": MU_FLOOR,
    "log_floor": MU_FLOOR,
}
"""The measure's exponent and floors as keywords of
:func:`fractal_lib.multifractal.measures.analyze` (the authors' values)."""
MIN_TOTAL = 1e-10
"""A scale row is valid only if sum_j r_j > 1e-10."""
#: Floating-point type of the authors' probing (see :data:`PROTOCOL`).
DTYPE = "float32"
PROTOCOL = "inplace"
"""The authors evaluate in float32 with in-place +eps, -2 eps, +eps updates, never
restored."""
EARLY_MID_LATE = (0.10, 0.50, 0.90)
"""Fractions of training shown as early / middle / late (Figs. 3, 4)."""
CHECKPOINT_FRACTIONS = (
    0,
    0.015,
    0.03,
    0.045,
    0.06,
    0.08,
    0.1,
    0.125,
    0.15,
    0.18,
    0.21,
    0.245,
    0.28,
    0.32,
    0.36,
    0.405,
    0.45,
    0.5,
    0.55,
    0.605,
    0.66,
    0.715,
    0.77,
    0.82,
    0.87,
    0.91,
    0.94,
    0.965,
    0.985,
    1,
)
"""The 30 "representative fractions" of training (dense early)."""

# ----------------------------------------------------------------------------- training
#: The authors' training set.
DATASET = "cifar10"
N_TRAIN, N_TEST = 50_000, 10_000
"""CIFAR-10: all training images; the test set."""
WIDTH = 64
"""Channels of the first ResNet-18 stage."""
#: Training epochs.
EPOCHS = 200
#: Minibatch size.
BATCH_SIZE = 128
#: Initial learning rate (cosine annealing from here).
LR = 0.1
#: SGD momentum.
MOMENTUM = 0.9
#: Nesterov momentum.
NESTEROV = True
#: Weight decay (L2 coefficient).
WEIGHT_DECAY = 5e-4
SCHEDULE = "cosine"
"""ResNet-18 (3x3 stem, no max-pool) on CIFAR-10 with crop + flip augmentation, SGD with
Nesterov momentum, cosine annealing (stepped per epoch in their code, per step here),
AMP fp16, seed 0."""

# ---------------------------------------------------------------------------- curvature
#: Power iterations for lambda_max of the Hessian.
POWER_ITERATIONS = 24
#: Hutchinson samples for the Hessian trace.
HUTCHINSON_SAMPLES = 24
EOS_LINE = 2.0
"""The reference line eta * lambda_max = 2 of their plots (for SGD with momentum 0.9 the
classical stability threshold is (2 + 2 beta) = 3.8)."""
#: The classical stability threshold eta * lambda_max = 2 + 2 beta of SGD with
#: momentum beta = :data:`MOMENTUM` (3.8).
EOS_LINE_MOMENTUM = 2.0 + 2.0 * MOMENTUM


# ----------------------------------------------------------------------------- reported
_NONE = "the abstract states no number and the authors' code holds none"
_TRENDS = (
    "abstract: moment-scaling variability decreases, directional scaling exponents "
    "become more concentrated, and the estimated multifractal profiles become less "
    "dispersed"
)


def _claim(figure: str, quantity: str, value: str, source: str) -> Reported:
    return Reported(figure, quantity, value, kind="claim", source=source)


REPORTED: dict[str, Reported] = {
    "cascade_tau": Reported(
        "Validation",
        "cascade, max |τ(q) − closed form|",
        0.0,
        source="binomial cascade, τ(q) = −log2(p^q + (1 − p)^q) (Falconer 2007)",
        display="0 (exact)",
    ),
    "cascade_alpha": Reported(
        "Validation",
        "cascade, max |α(q) − closed form| (CJ)",
        0.0,
        source="binomial cascade, closed-form α(q) (Falconer 2007)",
        display="0 (exact)",
    ),
    "uniform_m_tau": Reported(
        "Validation",
        "uniform measure, M_τ",
        0.0,
        source="a uniform measure has a linear τ(q)",
    ),
    "float32_off": _claim(
        "Precision",
        "share of (direction, scale) in the fit range where float32 in-place R is off "
        "by > 50 %",
        "not examined",
        "the authors' code evaluates in float32 in place; the abstract is silent",
    ),
    "exponents": _claim(
        "Fig. 4",
        "α̂_i: median; std over directions (± SE)",
        "not published",
        f"figure design of the authors' code; {_NONE}",
    ),
    "m_tau": _claim(
        "Fig. 3",
        "M_τ (± SE over banks)",
        "not published",
        f"figure design of the authors' code; {_NONE}",
    ),
    "delta_tau": _claim(
        "Figs. 5/6",
        "largest |Δτ(q)| from the first checkpoint, per checkpoint",
        "not published",
        f"figure design of the authors' code; {_NONE}",
    ),
    "trend_m_tau": _claim(
        "Abstract", "M_τ decreases", "decreases (no number)", _TRENDS
    ),
    "trend_exponent_std": _claim(
        "Abstract",
        "exponents concentrate (std of α̂_i)",
        "decreases (no number)",
        _TRENDS,
    ),
    "trend_f_width": _claim(
        "Abstract",
        "spectrum less dispersed (f width, ratio form)",
        "decreases (no number)",
        _TRENDS,
    ),
    "trend_alpha_width": _claim(
        "Abstract",
        "spectrum less dispersed (α width, slope form)",
        "decreases (no number)",
        _TRENDS,
    ),
    "m_tau_vs_eos": _claim(
        "Fig. 1a",
        "M_τ vs η λ_max",
        "correlation shown, value unknown",
        "abstract: compared with Edge-of-Stability diagnostics (the authors' code "
        f"draws eta lambda_max = {EOS_LINE:g}; with momentum the threshold is "
        f"{EOS_LINE_MOMENTUM:g}); {_NONE}",
    ),
    "m_tau_vs_accuracy": _claim(
        "Fig. 1a",
        "M_τ vs training accuracy",
        "correlation shown, value unknown",
        f"abstract: the trends occur with improving training performance; {_NONE}",
    ),
    "float32_spread": _claim(
        "Precision",
        "std of α̂_i, float32 in place / float64 (median over checkpoints)",
        "not examined",
        "the authors' code evaluates in float32 in place; the abstract is silent",
    ),
}
"""What the chapter compares with. The paper publishes no number: the validation rows
compare with closed forms, the others with the abstract's claims or the figure designs
of the authors' code."""


# ------------------------------------------------------------------ claims, scale study
#: The probed scales: the authors' fit range, indices 5..11 of :data:`SCALES`.
PROBED_SCALES = SCALES[WINDOWS[0][0] :]
#: :data:`WINDOWS` re-indexed to :data:`PROBED_SCALES`.
PROBED_WINDOWS: tuple[tuple[int, int], ...] = tuple(
    (a - WINDOWS[0][0], b - WINDOWS[0][0]) for a, b in WINDOWS
)
#: The trend claims of :data:`REPORTED` and the bank descriptor each is measured by.
CLAIM_FIELDS: dict[str, str] = {
    "trend_m_tau": "m_tau",
    "trend_exponent_std": "exponent_std",
    "trend_f_width": "f_width",
    "trend_alpha_width": "alpha_width",
}
CLAIMED_CORRELATION = Reported(
    "Abstract",
    "correlation of a descriptor with the fraction of training",
    (-1.0, 0.0),
    kind="range",
    source=f"{_TRENDS}: a decrease along training is a negative correlation",
    display="negative (decreases)",
)
"""The sign the abstract claims for every trend of :data:`CLAIM_FIELDS`, as a range of
the correlation of the bank-mean descriptor with the fraction of training (no number is
published: only the sign). A scale study asks whether our correlation approaches it."""


def descriptor_stack(
    responses: Sequence[np.ndarray], *, n_banks: int, min_total: float = 0.0
) -> dict[str, np.ndarray]:
    """The claims' descriptors of every checkpoint and bank of directions.

    Each checkpoint's responses go through
    :func:`~fractal_lib.multifractal.measures.analyze_banks` over
    :data:`PROBED_SCALES` and :data:`PROBED_WINDOWS` with the authors' floors
    (:data:`FLOORS`), as the chapter does.

    Parameters
    ----------
    responses : sequence of ndarray, each (n_banks * bank_size, n_scales)
        ``ProbeResult.R`` of every checkpoint on :data:`PROBED_SCALES`, banks of
        consecutive rows.
    n_banks : int
        Number of banks (>= 1).
    min_total : float
        A bank's scale whose total response is not above this is dropped (the
        chapter uses 0, the authors :data:`MIN_TOTAL`).

    Returns
    -------
    dict of str to ndarray
        The fields of :data:`CLAIM_FIELDS`, each of shape (n_ckpt, n_banks), NaN for a
        bank without a valid window.

    Raises
    ------
    ValueError
        No checkpoint, a negative ``min_total``, or what ``analyze_banks`` raises.
    """
    if len(responses) == 0:
        raise ValueError("responses: need at least one checkpoint")
    if not (np.isfinite(min_total) and min_total >= 0):
        raise ValueError(f"min_total must be a finite number >= 0, got {min_total!r}")
    summ = [
        mf.analyze_banks(
            R,
            PROBED_SCALES,
            Q,
            PROBED_WINDOWS,
            n_banks=n_banks,
            min_total=float(min_total),
            **FLOORS,
        )
        for R in responses
    ]
    fields = ("m_tau", "exponent_std", "f_width")
    out = {f: np.array([getattr(s, f) for s in summ]) for f in fields}
    # the slope-form spectrum's alpha width, per bank (the chapter's np.ptp over q)
    out["alpha_width"] = np.ptp(np.array([s.alpha_slope for s in summ]), axis=2)
    return out


def claim_trends(
    fractions: Sequence[float] | np.ndarray,
    stack: dict[str, np.ndarray],
    *,
    n_boot: int,
    seed: int = 3,
) -> dict[str, mf.Trend]:
    """The trend of every claim's descriptor along training, as the chapter tests it.

    Parameters
    ----------
    fractions : sequence of float, shape (n_ckpt,)
        Fraction of training of each checkpoint.
    stack : dict of str to ndarray
        :func:`descriptor_stack`.
    n_boot : int
        Bootstrap replicates over banks.
    seed : int
        Seed of the bootstrap (the chapter's 3).

    Returns
    -------
    dict of str to Trend
        Keyed by the claims of :data:`CLAIM_FIELDS`; ``verdict(-1)`` says whether the
        claimed decrease holds.

    Raises
    ------
    ValueError
        What :func:`~fractal_lib.multifractal.measures.bank_trend` raises.
    """
    return {
        claim: mf.bank_trend(fractions, stack[field], n_boot=n_boot, seed=seed)
        for claim, field in CLAIM_FIELDS.items()
    }
