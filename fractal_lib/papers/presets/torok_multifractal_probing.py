"""Sizes of the chapter ``notebooks/torok_multifractal_probing.md`` (Török & Bartha).

Every grid nests: checkpoint fractions of a smaller scale are a subset of the larger
ones (all taken from the authors' 30 "representative fractions"); direction ``j`` of
bank ``b`` has the same seed at every scale and a smaller scale uses the first
directions of the first banks, so it probes a subset of the same directions; the probed
scales are always the authors' fit range (indices 5..11 of their 12 scales). The
``paper`` scale reads the authors' settings from :mod:`fractal_lib.papers.torok_bartha`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.config import Scale, by_scale
from .. import torok_bartha as TB
from . import admonition as _admonition
from . import rows

#: The chapter's file stem (in ``notebooks/``), the key of its rows on the
#: *Scales* page.
CHAPTER = "torok_multifractal_probing"


@dataclass(frozen=True)
class TorokProbingScale:
    """Sizes of the multifractal-probing chapter.

    Attributes
    ----------
    dataset : str
        ``"fashion-mnist"`` or ``"cifar10"`` (``paper``; falls back to Fashion-MNIST
        when ``FRACTAL_CIFAR10_DIR`` is not set).
    width : int
        Channels of the first ResNet-18 stage (the original has 64).
    n_train : int
        Training images (class-balanced subset).
    n_eval : int
        Training and test images used to measure the accuracy of each checkpoint.
    epochs, batch_size : int
        Training length and minibatch size (SGD, Nesterov momentum 0.9, cosine
        schedule).
    lr : float
        Peak learning rate.
    fractions : tuple of float
        Fractions of training at which checkpoints are probed.
    probe_batch : int
        Images in the fixed probe batch.
    bank_size, n_banks : int
        Directions per bank and banks per checkpoint.
    f32_banks : int
        Banks also probed with the authors' float32 in-place protocol at every
        checkpoint.
    precision_dirs : int
        Directions of the precision-floor demonstration (all 12 scales, three numerics).
    power_iters, hutchinson : int
        Power iterations for lambda_max and Rademacher probes for the Hessian trace.
    n_boot : int
        Bootstrap replicates for trend confidence intervals.
    """

    dataset: str
    width: int
    n_train: int
    n_eval: int
    epochs: int
    batch_size: int
    lr: float
    fractions: tuple[float, ...]
    probe_batch: int
    bank_size: int
    n_banks: int
    f32_banks: int
    precision_dirs: int
    power_iters: int
    hutchinson: int
    n_boot: int

    @property
    def n_directions(self) -> int:
        """Directions per checkpoint, ``bank_size * n_banks``."""
        return self.bank_size * self.n_banks


_SMOKE = TorokProbingScale(
    dataset="fashion-mnist",
    width=2,
    n_train=512,
    n_eval=512,
    epochs=2,
    batch_size=64,
    lr=TB.LR,
    fractions=(0.1, 0.5, 0.91),
    probe_batch=8,
    bank_size=8,
    n_banks=2,
    f32_banks=1,
    precision_dirs=2,
    power_iters=6,
    hutchinson=4,
    n_boot=200,
)
_BOOK = TorokProbingScale(
    dataset="fashion-mnist",
    width=4,
    n_train=4096,
    n_eval=2048,
    epochs=6,
    batch_size=128,
    lr=TB.LR,
    fractions=(0.03, 0.1, 0.21, 0.36, 0.5, 0.715, 0.91),
    probe_batch=32,
    bank_size=16,
    n_banks=3,
    f32_banks=1,
    precision_dirs=8,
    power_iters=20,
    hutchinson=8,
    n_boot=2000,
)
_PAPER = TorokProbingScale(
    dataset=TB.DATASET,
    width=TB.WIDTH,
    n_train=TB.N_TRAIN,
    n_eval=TB.N_TEST,
    epochs=TB.EPOCHS,
    batch_size=TB.BATCH_SIZE,
    lr=TB.LR,
    fractions=TB.CHECKPOINT_FRACTIONS,
    probe_batch=TB.PROBE_BATCH,
    bank_size=TB.BANK_SIZE,
    n_banks=TB.N_BANKS,
    f32_banks=TB.N_BANKS,
    precision_dirs=TB.BANK_SIZE,
    power_iters=TB.POWER_ITERATIONS,
    hutchinson=TB.HUTCHINSON_SAMPLES,
    n_boot=2000,
)


def sizes(scale: Scale | None = None) -> TorokProbingScale:
    """Sizes at the current (or the given) scale.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        Default the scale set by ``FRACTAL_SCALE``
        (:func:`fractal_lib.core.config.get_scale`).

    Returns
    -------
    TorokProbingScale
    """
    return by_scale(_SMOKE, _BOOK, _PAPER, scale=scale)


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
            ("data set", "dataset"),
            (f"ResNet-18 width (original {TB.WIDTH})", "width"),
            ("training images x epochs", lambda s: f"{s.n_train} x {s.epochs}"),
            ("checkpoints probed", lambda s: len(s.fractions)),
            ("probe batch (images)", "probe_batch"),
            (
                "directions per checkpoint (banks x size)",
                lambda s: f"{s.n_banks} x {s.bank_size}",
            ),
            ("float32 in-place banks", "f32_banks"),
            ("precision-floor directions", "precision_dirs"),
            (
                "power iterations / Hutchinson probes",
                lambda s: f"{s.power_iters} / {s.hutchinson}",
            ),
        ],
    )


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
        f"A ResNet-18 of width {s.width} is trained for {s.epochs} epochs on "
        f"{s.n_train} images; {len(s.fractions)} checkpoints are probed along "
        f"{s.n_directions} directions ({s.n_banks} banks of {s.bank_size}) on a fixed "
        f"batch of {s.probe_batch} images."
    )
    book = (
        "The authors train the full-width ResNet-18 on CIFAR-10 for "
        f"{TB.EPOCHS} epochs and probe {len(TB.CHECKPOINT_FRACTIONS)} checkpoints "
        f"along {TB.N_BANKS * TB.BANK_SIZE} directions on {TB.PROBE_BATCH} images; "
        "that takes a GPU for days. At the `book` size everything runs on two CPU "
        "cores in minutes, so the network is 250 times smaller, the data set is "
        f"Fashion-MNIST, and each bank holds {sizes('book').bank_size} rather than "
        f"{TB.BANK_SIZE} directions."
    )
    return _admonition(summary, book_note=book, scale=scale)
