"""Sizes of the chapter "Anomalous diffusion of SGD" at each scale.

The chapter is ``notebooks/chen2022_anomalous_diffusion.md``. The paper trains
ResNet-14/20/56 (and "-noshort") on CIFAR-10 for 500 epochs (24,000 steps at batch 1024)
and analyses windows of T = 1000 steps. On a 2-core CPU the ``book`` scale trains narrow
ResNets on a class-balanced subset of Fashion-MNIST pooled to 14 x 14, for a couple of
thousand steps, and shrinks the window accordingly. ``paper`` takes the paper's protocol
from :mod:`fractal_lib.papers.chen2022` and uses CIFAR-10 when ``FRACTAL_CIFAR10_DIR``
names its binary folder, Fashion-MNIST at full size otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ...core.config import Scale, by_scale
from .. import chen2022 as P
from . import admonition as _admonition
from . import rows


@dataclass(frozen=True)
class Chen2022Scale:
    """Sizes of the Chen, Qu & Gong 2022 chapter.

    Attributes
    ----------
    dataset : str
        ``"fashion-mnist"`` or ``"cifar10"``.
    n_train : int
        Class-balanced training subset.
    pool : int
        Images are average-pooled by this factor (2: 28 x 28 -> 14 x 14).
    width : int
        First-stage channels of the ResNets (16 in the paper).
    depth : int
        Depth of the main run (Figs. 2, 5, 6, 7).
    batch_size : int
        Batch size of the main run.
    epochs : int
        Epochs of the main run.
    window : int
        MSD window ``T`` in steps (points per window).
    stride : int
        Spacing of the waiting times ``t_w``.
    dtau : int
        Lag step of ``beta(tau)``.
    n_proj : int
        Random-projection dimension of the recorded weights.
    n_grad : int
        Gradient components sampled per step.
    scan_depths : tuple of int
        Fig. 3 depths (at batch ``scan_batch``).
    scan_batches : tuple of int
        Fig. 3 batch sizes (at depth ``scan_depths[0]``).
    scan_batch : int
        Batch size of the depth scan.
    scan_seeds : int
        Seeds per Fig. 3 configuration.
    scan_steps : int
        Minimum SGD steps of each Fig. 3 run (whole epochs; at least one window at
        ``t_w = 0``).
    lrs : tuple of float
        Fig. 4 learning rates (the main run's 0.1 is reused).
    lr_epochs : int
        Epochs of each Fig. 4 run.
    hessian_points : int
        Fig. 7: checkpoints (evenly spaced fractions of training, 0 included).
    hessian_k : int
        Fig. 7: top eigenvalues per checkpoint.
    hessian_batch : int
        Fig. 7 and the landscape plane: fixed training batch the loss is evaluated on.
    plane_n : int
        Landscape plane: points per side on ``[-1, 1]^2``.
    toy_levels : int
        Toy model grid ``(2^L + 1)^2``.
    toy_trials : int
        Toy model trials.
    explorer_levels : int
        Explorer grid level.
    explorer_roughness : tuple of float
        Roughness values H of the static explorer's frames (1 = the authors', the
        first frame shown, never the last).
    """

    dataset: str
    n_train: int
    pool: int
    width: int
    depth: int
    batch_size: int
    epochs: int
    window: int
    stride: int
    dtau: int
    n_proj: int
    n_grad: int
    scan_depths: tuple[int, ...]
    scan_batches: tuple[int, ...]
    scan_batch: int
    scan_seeds: int
    scan_steps: int
    lrs: tuple[float, ...]
    lr_epochs: int
    hessian_points: int
    hessian_k: int
    hessian_batch: int
    plane_n: int
    toy_levels: int
    toy_trials: int
    explorer_levels: int
    explorer_roughness: tuple[float, ...]


def _paper() -> Chen2022Scale:
    cifar = bool(os.environ.get("FRACTAL_CIFAR10_DIR"))
    return Chen2022Scale(
        dataset="cifar10" if cifar else "fashion-mnist",
        n_train=50_000 if cifar else 60_000,
        pool=1,
        width=P.WIDTH,
        depth=P.DEPTH,
        batch_size=P.BATCH_SIZE,
        epochs=P.EPOCHS,
        window=P.WINDOW,
        stride=P.WINDOW,  # the paper's windows do not overlap
        dtau=P.BETA_DTAU,
        n_proj=2048,
        n_grad=256,
        scan_depths=P.DEPTHS,
        scan_batches=P.BATCH_SIZES,
        scan_batch=P.BATCH_SIZE,
        scan_seeds=P.N_SEEDS,
        scan_steps=3000,
        lrs=P.LRS,
        lr_epochs=P.EPOCHS,
        hessian_points=11,
        hessian_k=P.HESSIAN_TOP_K,
        hessian_batch=4096,
        plane_n=P.LANDSCAPE_GRID,
        toy_levels=P.TOY_N_LEVELS,
        toy_trials=P.TOY_TRIALS_FIG,
        explorer_levels=9,
        explorer_roughness=(0.4, 0.6, 0.8, 1.0, 1.2),
    )


_SIZES = {
    "smoke": Chen2022Scale(
        dataset="fashion-mnist",
        n_train=256,
        pool=2,
        width=2,
        depth=8,
        batch_size=32,
        epochs=8,
        window=20,
        stride=10,
        dtau=2,
        n_proj=64,
        n_grad=16,
        scan_depths=(8,),
        scan_batches=(32,),
        scan_batch=32,
        scan_seeds=1,
        scan_steps=24,
        lrs=(0.1, 0.5),
        lr_epochs=3,
        hessian_points=2,
        hessian_k=2,
        hessian_batch=64,
        plane_n=9,
        toy_levels=7,
        toy_trials=3,
        explorer_levels=7,
        explorer_roughness=(0.8, 1.0, 1.2),
    ),
    "book": Chen2022Scale(
        dataset="fashion-mnist",
        n_train=4096,
        pool=2,
        width=4,
        depth=14,
        batch_size=128,
        epochs=60,
        window=200,
        stride=100,
        dtau=5,
        n_proj=512,
        n_grad=64,
        scan_depths=(8, 14),
        scan_batches=(64, 128, 256),
        scan_batch=128,
        scan_seeds=2,
        scan_steps=240,
        lrs=(0.01, 0.1, 0.5),
        lr_epochs=15,
        hessian_points=5,
        hessian_k=4,
        hessian_batch=256,
        plane_n=33,
        toy_levels=9,
        toy_trials=10,
        explorer_levels=8,
        explorer_roughness=(0.4, 0.6, 0.8, 1.0, 1.2),
    ),
}


def sizes(scale: Scale | None = None) -> Chen2022Scale:
    """Sizes at the current (or the given) scale.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        The scale; default the current one (``FRACTAL_SCALE``).

    Returns
    -------
    Chen2022Scale
        The chapter's sizes; at ``paper`` they read the constants of
        :mod:`fractal_lib.papers.chen2022`.
    """
    return by_scale(_SIZES["smoke"], _SIZES["book"], _paper(), scale=scale)


def table_rows() -> list[dict[str, str]]:
    """Rows for the book's *Scales* page.

    Returns
    -------
    list of dict
        One row per quantity: the chapter, the quantity and its value at each scale.
    """
    return rows(
        "chen2022_anomalous_diffusion",
        sizes,
        [
            (
                "data (training subset, pooling)",
                lambda s: f"{s.dataset} {s.n_train}, pool {s.pool}",
            ),
            (
                "main run: ResNet depth, width, batch, epochs",
                lambda s: f"{s.depth}, {s.width}, {s.batch_size}, {s.epochs}",
            ),
            ("MSD window T / t_w stride (steps)", lambda s: f"{s.window} / {s.stride}"),
            (
                "recorded projection dim, gradient samples per step",
                lambda s: f"{s.n_proj}, {s.n_grad}",
            ),
            (
                "Fig. 3 depths x batches x seeds",
                lambda s: f"{s.scan_depths} x {s.scan_batches} x {s.scan_seeds}",
            ),
            ("Fig. 4 learning rates, epochs", lambda s: f"{s.lrs}, {s.lr_epochs}"),
            (
                "Fig. 7 checkpoints x top eigenvalues",
                lambda s: f"{s.hessian_points} x {s.hessian_k}",
            ),
            ("landscape plane points per side", "plane_n"),
            (
                "toy model grid 2^L+1, trials",
                lambda s: f"L={s.toy_levels}, {s.toy_trials}",
            ),
        ],
    )


def admonition(scale: Scale | None = None) -> str:
    """The chapter's scale admonition.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        The scale; default the current one.

    Returns
    -------
    str
        Markdown of the admonition: the sizes of the main run and, at ``book`` scale,
        how they differ from the paper's.
    """
    s = sizes(scale)
    summary = (
        f"The main run trains a ResNet-{s.depth} of width {s.width} on {s.n_train} "
        f"{'CIFAR-10' if s.dataset == 'cifar10' else 'Fashion-MNIST'} images"
        f"{f' pooled to {28 // s.pool} x {28 // s.pool}' if s.pool > 1 else ''} for "
        f"{s.epochs} epochs at batch {s.batch_size}; "
        f"MSD windows have T = {s.window} steps."
    )
    book = (
        f"The paper trains ResNet-{P.DEPTH} (width {P.WIDTH}) on CIFAR-10 for "
        f"{P.TOTAL_STEPS:,} steps with T = {P.WINDOW}; "
        "here everything is about ten times shorter and the networks are four times "
        "narrower, so the times ($t_w$, $t_0$, $\\tau_0$) are not comparable in "
        "absolute terms, only the shapes and exponents."
    )
    return _admonition(summary, book_note=book, scale=scale)
