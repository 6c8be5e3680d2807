"""Sizes of the chapter ``notebooks/synthesis_five_lenses.md`` ("One landscape, five
lenses").

Every grid nests: a smaller scale uses a subset of the knob values of the larger one
(the additive roughness ratios, the Hurst exponents, the network checkpoints), the
first seeds and directions of the same seeded draws, and a coarser dyadic level of the
same learning-rate interval. The ``paper`` scale is the ``book`` scale: no paper ran
this comparison, so there is no paper size to reach.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.config import Scale, by_scale
from .. import synthesis as SY
from . import admonition as _admonition
from . import rows

#: The chapter's file stem (in ``notebooks/``), the key of its rows on the
#: *Scales* page.
CHAPTER = "synthesis_five_lenses"


@dataclass(frozen=True)
class SynthesisScale:
    """Sizes of the synthesis chapter.

    Attributes
    ----------
    add_ratios : tuple of float
        Family (a): roughness ``(eps / lam^2) / (1 / (2 pi^2))`` of the additive
        landscape (1 is the convexity threshold).
    bound_log2_n : int
        Family (a): dyadic level of the learning-rate sweep on ``[0, 1.5]``.
    n_x0 : int
        Family (a): starting points of the sweep (the error of the boundary dimension
        is their spread).
    n_seeds : int
        Family (a): noisy-GD paths per roughness (MSD exponent) and GD starting points
        of the edge-of-stability runs.
    noisy_steps : int
        Family (a): noisy-GD steps per path.
    n_eos_lrs : int
        Family (a): learning rates of the edge-of-stability runs.
    n_dirs : int
        Families (a), (b): random directions of the 1-D wavelet-leader spectra.
    bank_size, n_banks : int
        Families (a), (c): directions per bank and banks of the directional probe.
    hursts : tuple of float
        Family (b): Hurst exponents of the fractional Brownian surfaces.
    fbs_n : int
        Family (b): side of the surfaces (pixels).
    fbs_traj : int
        Family (b): GD paths per surface (MSD exponent, edge of stability).
    fbs_steps, fbs_tw, fbs_window : int
        Family (b): GD steps, waiting time and length of the TAMSD window.
    mlp_width : int
        Family (c): hidden width of the spiral network.
    mlp_seeds : int
        Family (c): initialisation seeds.
    checkpoints : tuple of int
        Family (c): training steps at which the diagnostics are taken.
    mlp_window : int
        Family (c): steps of the parameter path after each checkpoint (MSD window).
    mlp_dirs : int
        Family (c): random directions of the 1-D loss slices per checkpoint and seed.
    """

    add_ratios: tuple[float, ...]
    bound_log2_n: int
    n_x0: int
    n_seeds: int
    noisy_steps: int
    n_eos_lrs: int
    n_dirs: int
    bank_size: int
    n_banks: int
    hursts: tuple[float, ...]
    fbs_n: int
    fbs_traj: int
    fbs_steps: int
    fbs_tw: int
    fbs_window: int
    mlp_width: int
    mlp_seeds: int
    checkpoints: tuple[int, ...]
    mlp_window: int
    mlp_dirs: int


_SMOKE = SynthesisScale(
    add_ratios=(0.5, SY.LIU_RATIO),
    bound_log2_n=10,
    n_x0=3,
    n_seeds=4,
    noisy_steps=2000,
    n_eos_lrs=8,
    n_dirs=3,
    bank_size=4,
    n_banks=2,
    hursts=(0.3, 0.7),
    fbs_n=512,
    fbs_traj=3,
    fbs_steps=1200,
    fbs_tw=100,
    fbs_window=1100,
    mlp_width=16,
    mlp_seeds=2,
    checkpoints=(0, 200),
    mlp_window=100,
    mlp_dirs=2,
)
_BOOK = SynthesisScale(
    add_ratios=(0.5, 2.0, 8.0, 32.0, SY.LIU_RATIO),
    bound_log2_n=16,
    n_x0=6,
    n_seeds=12,
    noisy_steps=10_000,
    n_eos_lrs=32,
    n_dirs=12,
    bank_size=16,
    n_banks=3,
    hursts=(0.2, 0.3, 0.5, 0.7, 0.8),
    fbs_n=1024,
    fbs_traj=12,
    fbs_steps=6000,
    fbs_tw=3000,
    fbs_window=3000,
    mlp_width=16,
    mlp_seeds=4,
    checkpoints=(0, 200, 1000, 3000),
    mlp_window=400,
    mlp_dirs=6,
)


def sizes(scale: Scale | None = None) -> SynthesisScale:
    """Sizes at the current (or the given) scale.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        Default the scale set by ``FRACTAL_SCALE``
        (:func:`fractal_lib.core.config.get_scale`).

    Returns
    -------
    SynthesisScale
        The sizes; ``paper`` is the ``book`` size (no paper ran this comparison).
    """
    return by_scale(_SMOKE, _BOOK, _BOOK, scale=scale)


def table_rows() -> list[dict[str, str]]:
    """Rows of the book's *Scales* page.

    Returns
    -------
    list of dict
        Rows ``{chapter, quantity, smoke, book, paper}`` of strings.
    """
    return rows(
        CHAPTER,
        sizes,
        [
            ("(a) roughness ratios r / r_c", lambda s: len(s.add_ratios)),
            ("(a) learning-rate sweep x starting points", _sweep),
            ("(a) noisy-GD paths x steps", lambda s: f"{s.n_seeds} x {s.noisy_steps}"),
            ("(b) Hurst exponents", lambda s: len(s.hursts)),
            ("(b) surface side (pixels)", "fbs_n"),
            ("(b) GD paths x steps", lambda s: f"{s.fbs_traj} x {s.fbs_steps}"),
            ("(c) network seeds x checkpoints", _ckpts),
            ("1-D spectra: random directions", "n_dirs"),
            ("probing: banks x directions", lambda s: f"{s.n_banks} x {s.bank_size}"),
        ],
    )


def _sweep(s: SynthesisScale) -> str:
    return f"2^{s.bound_log2_n} x {s.n_x0}"


def _ckpts(s: SynthesisScale) -> str:
    return f"{s.mlp_seeds} x {len(s.checkpoints)}"


def admonition(scale: Scale | None = None) -> str:
    """The chapter's scale admonition.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        Default the scale set by ``FRACTAL_SCALE``.

    Returns
    -------
    str
        Markdown of the admonition shown at the top of the chapter.
    """
    s = sizes(scale)
    summary = (
        f"Family (a) is swept over {len(s.add_ratios)} roughness values with "
        f"$2^{{{s.bound_log2_n}}}$ learning rates and {s.n_x0} starting points; "
        f"family (b) over {len(s.hursts)} Hurst exponents on {s.fbs_n}-pixel "
        f"surfaces with {s.fbs_traj} paths each; family (c) is the spiral "
        f"network of width {s.mlp_width} ({s.mlp_seeds} seeds) at "
        f"{len(s.checkpoints)} checkpoints."
    )
    return _admonition(summary, scale=scale)
