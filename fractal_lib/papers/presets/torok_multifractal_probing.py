"""Sizes of the chapter ``notebooks/torok_multifractal_probing.md`` (Török & Bartha).

Every grid nests: checkpoint fractions of a smaller scale are a subset of the larger ones (all
taken from the authors' 30 "representative fractions"); direction ``j`` of bank ``b`` has the same
seed at every scale and a smaller scale uses the first directions of the first banks, so it
probes a subset of the same directions; the probed scales are always the authors' fit range
(indices 5..11 of their 12 scales).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.config import Scale, by_scale
from . import admonition as _admonition
from . import rows

CHAPTER = "torok_multifractal_probing"


@dataclass(frozen=True)
class TorokProbingScale:
    """Sizes of the multifractal-probing chapter.

    Attributes
    ----------
    dataset : str
        ``"fashion-mnist"`` or ``"cifar10"`` (``paper``; falls back to Fashion-MNIST when
        ``FRACTAL_CIFAR10_DIR`` is not set).
    width : int
        Channels of the first ResNet-18 stage (the original has 64).
    n_train : int
        Training images (class-balanced subset).
    n_eval : int
        Training and test images used to measure the accuracy of each checkpoint.
    epochs, batch_size : int
        Training length and minibatch size (SGD, Nesterov momentum 0.9, cosine schedule).
    lr : float
        Peak learning rate.
    fractions : tuple of float
        Fractions of training at which checkpoints are probed.
    probe_batch : int
        Images in the fixed probe batch.
    bank_size, n_banks : int
        Directions per bank and banks per checkpoint.
    f32_banks : int
        Banks also probed with the authors' float32 in-place protocol at every checkpoint.
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
        return self.bank_size * self.n_banks


_SMOKE = TorokProbingScale(
    dataset="fashion-mnist", width=2, n_train=512, n_eval=512, epochs=2, batch_size=64, lr=0.1,
    fractions=(0.1, 0.5, 0.91), probe_batch=8, bank_size=8, n_banks=2, f32_banks=1,
    precision_dirs=2, power_iters=6, hutchinson=4, n_boot=200)
_BOOK = TorokProbingScale(
    dataset="fashion-mnist", width=4, n_train=4096, n_eval=2048, epochs=6, batch_size=128, lr=0.1,
    fractions=(0.03, 0.1, 0.21, 0.36, 0.5, 0.715, 0.91), probe_batch=32, bank_size=16, n_banks=3,
    f32_banks=1, precision_dirs=8, power_iters=20, hutchinson=8, n_boot=2000)
_PAPER = TorokProbingScale(
    dataset="cifar10", width=64, n_train=50000, n_eval=10000, epochs=200, batch_size=128, lr=0.1,
    fractions=(0, .015, .03, .045, .06, .08, .1, .125, .15, .18, .21, .245, .28, .32, .36, .405, .45,
               .5, .55, .605, .66, .715, .77, .82, .87, .91, .94, .965, .985, 1),
    probe_batch=256, bank_size=128, n_banks=8, f32_banks=8, precision_dirs=128, power_iters=24,
    hutchinson=24, n_boot=2000)


def sizes(scale: Scale | None = None) -> TorokProbingScale:
    """Sizes at the current (or the given) scale."""
    return by_scale(_SMOKE, _BOOK, _PAPER, scale=scale)


def table_rows() -> list[dict[str, str]]:
    """Rows of the book's *Scales* page."""
    return rows(CHAPTER, sizes, [
        ("data set", "dataset"),
        ("ResNet-18 width (original 64)", "width"),
        ("training images x epochs", lambda s: f"{s.n_train} x {s.epochs}"),
        ("checkpoints probed", lambda s: len(s.fractions)),
        ("probe batch (images)", "probe_batch"),
        ("directions per checkpoint (banks x size)", lambda s: f"{s.n_banks} x {s.bank_size}"),
        ("float32 in-place banks", "f32_banks"),
        ("precision-floor directions", "precision_dirs"),
        ("power iterations / Hutchinson probes", lambda s: f"{s.power_iters} / {s.hutchinson}"),
    ])


def admonition(scale: Scale | None = None) -> str:
    """The chapter's scale admonition."""
    s = sizes(scale)
    summary = (f"A ResNet-18 of width {s.width} is trained for {s.epochs} epochs on {s.n_train} "
               f"images; {len(s.fractions)} checkpoints are probed along {s.n_directions} directions "
               f"({s.n_banks} banks of {s.bank_size}) on a fixed batch of {s.probe_batch} images.")
    book = ("The authors train the full-width ResNet-18 on CIFAR-10 for 200 epochs and probe 30 "
            "checkpoints along 1024 directions on 256 images; that takes a GPU for days. At the "
            "`book` size everything runs on two CPU cores in minutes, so the network is 250 times "
            "smaller, the data set is Fashion-MNIST, and each bank holds 16 rather than 128 "
            "directions.")
    return _admonition(summary, book_note=book, scale=scale)
