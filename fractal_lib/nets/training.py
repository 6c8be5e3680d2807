"""Minibatch SGD training of torch classifiers, with a per-step hook and checkpoints.

One loop serves every chapter that trains an image classifier: plain SGD (Chen et al.
2022), SGD with Nesterov momentum and a cosine schedule (Török & Bartha), checkpoints at
fractions of training, and a hook that sees the model and its minibatch gradient after
every step (for trajectory recorders). Shuffling is seeded, so the same seed and the
same initial weights give the same run on the same device.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..core.checks import check_int
from ..core.config import progress_enabled
from .torchtools import num_threads, preserved_state

#: ``on_step(step, model, batch_loss, xb, yb)``, called by :func:`train` after each
#: update.
StepHook = Callable[[int, nn.Module, float, torch.Tensor, torch.Tensor], None]


@dataclass
class TrainResult:
    """What :func:`train` records.

    Attributes
    ----------
    step_loss : ndarray
        Minibatch loss of every step (before that step's update).
    epoch_train_loss, epoch_train_acc : ndarray
        Mean minibatch loss and accuracy over each epoch (train mode, during the epoch).
    epoch_val_loss, epoch_val_acc : ndarray
        Loss and accuracy on the validation set after each epoch (empty without one).
    lrs : ndarray
        Learning rate used at every step.
    checkpoints : dict
        ``{fraction: state_dict}`` (CPU copies) at the requested fractions of training.
    diverged : bool
        True if a minibatch loss became non-finite; training stopped there.
    """

    step_loss: np.ndarray
    epoch_train_loss: np.ndarray
    epoch_train_acc: np.ndarray
    epoch_val_loss: np.ndarray
    epoch_val_acc: np.ndarray
    lrs: np.ndarray
    checkpoints: dict[float, dict[str, torch.Tensor]] = field(default_factory=dict)
    diverged: bool = False


def _model_device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


@torch.no_grad()
def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, batch_size: int = 1000
) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of ``model`` on ``(x, y)`` in eval mode.

    Runs inside :func:`fractal_lib.nets.torchtools.preserved_state`: every parameter,
    buffer, each submodule's mode flag and the global random state are bit-identical on
    return (also on error).

    Parameters
    ----------
    model : nn.Module
        A classifier returning logits ``(N, C)``.
    x, y : Tensor
        Inputs ``(N, ...)`` and integer labels ``(N,)``.
    batch_size : int
        Examples per forward pass (>= 1).

    Returns
    -------
    loss : float
        Mean cross-entropy (nats per example).
    accuracy : float
        Fraction of examples classified correctly.

    Raises
    ------
    ValueError
        Empty or mismatched ``x``, ``y``, or ``batch_size < 1``.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if len(x) != len(y) or len(x) == 0:
        raise ValueError("x and y must be non-empty with the same length")
    dev = _model_device(model)
    total, correct = 0.0, 0
    with preserved_state(model, evaluate=True):
        for i in range(0, len(x), batch_size):
            xb, yb = x[i : i + batch_size].to(dev), y[i : i + batch_size].to(dev)
            out = model(xb)
            total += float(nn.functional.cross_entropy(out, yb, reduction="sum"))
            correct += int((out.argmax(1) == yb).sum())
    return total / len(x), correct / len(x)


def _lr_at(step: int, total: int, lr: float, schedule: str) -> float:
    if schedule == "constant":
        return lr
    return 0.5 * lr * (1.0 + math.cos(math.pi * step / total))


@contextlib.contextmanager
def _train_context(
    model: nn.Module, threads: int | None, channels_last: bool
) -> Iterator[None]:
    """Thread count and memory format during training, both restored after."""
    with contextlib.ExitStack() as stack:
        if threads is not None:
            stack.enter_context(num_threads(threads))
        if channels_last:
            model.to(memory_format=torch.channels_last)
            stack.callback(model.to, memory_format=torch.contiguous_format)
        yield


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    momentum: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    schedule: str = "constant",
    seed: int = 0,
    checkpoint_at: Sequence[float] = (),
    on_step: StepHook | None = None,
    x_val: torch.Tensor | None = None,
    y_val: torch.Tensor | None = None,
    progress: bool = True,
    channels_last: bool = False,
    threads: int | None = None,
) -> TrainResult:
    """Train ``model`` in place by minibatch SGD on the cross-entropy loss.

    The arithmetic is that of a plain PyTorch loop (``zero_grad``, forward,
    ``cross_entropy``, ``backward``, :class:`torch.optim.SGD` step; tested bitwise
    against one). Per step only the minibatch loss is read back from the device (it is
    recorded and checked for divergence); the accuracy is summed on the device and read
    once per epoch. The optimiser updates all parameters with torch's multi-tensor
    (``foreach``) kernels, the same arithmetic in a few calls instead of a few per
    parameter.

    Parameters
    ----------
    model : nn.Module
        A classifier; its device decides where batches go.
    x, y : Tensor
        Training inputs and integer labels.
    epochs : int
        Passes over the data (>= 1).
    batch_size : int
        Minibatch size, in ``[1, len(x)]``; the last batch of an epoch may be smaller.
    lr : float
        Learning rate (> 0); the peak rate for ``schedule="cosine"``.
    momentum : float
        Momentum of :class:`torch.optim.SGD`, in [0, 1).
    nesterov : bool
        Nesterov momentum (needs ``momentum > 0``).
    weight_decay : float
        L2 penalty coefficient of :class:`torch.optim.SGD`, >= 0.
    schedule : {"constant", "cosine"}
        ``cosine`` anneals per step from ``lr`` to 0 over the whole run.
    seed : int
        Seed of the minibatch shuffling.
    checkpoint_at : sequence of float
        Fractions of training in [0, 1] at which to store a CPU copy of the state dict
        (0: before the first step; 1: after the last).
    on_step : callable, optional
        ``on_step(step, model, batch_loss, xb, yb)`` after each update; the parameters'
        ``.grad`` still hold that step's minibatch gradient.
    x_val, y_val : Tensor, optional
        Validation set evaluated after every epoch.
    progress : bool
        Show a tqdm bar (also subject to ``FRACTAL_PROGRESS``).
    channels_last : bool
        Train in torch's channels-last memory format (4-D inputs and the model's
        convolution weights; the model is returned in the contiguous format). Faster
        for convolutions on larger images on the CPU (see
        ``benchmarks/bench_torch_training.py``), not bitwise equal to the default: other
        convolution algorithms, so losses agree to float32 rounding, which SGD then
        amplifies along the run (tested to 1e-4 relative over a few steps).
    threads : int, optional
        Torch's intra-op thread count during training (restored after); default leave
        it as it is (:func:`fractal_lib.nets.torchtools.torch_threads` reads
        ``FRACTAL_TORCH_THREADS``).

    Returns
    -------
    TrainResult
        Losses, accuracies, learning rates and checkpoints; ``diverged`` if a minibatch
        loss became non-finite (training stops there).

    Raises
    ------
    ValueError
        Empty or mismatched data, or a size, rate, momentum, decay, schedule,
        checkpoint fraction or thread count out of range.
    """
    n = len(x)
    if n == 0 or len(y) != n:
        raise ValueError("x and y must be non-empty with the same length")
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be in [1, {n}], got {batch_size}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr}")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
    if schedule not in ("constant", "cosine"):
        raise ValueError(f"schedule must be 'constant' or 'cosine', got {schedule!r}")
    if nesterov and momentum == 0:
        raise ValueError("nesterov=True needs momentum > 0")
    fractions = sorted(float(f) for f in checkpoint_at)
    if any(not 0.0 <= f <= 1.0 for f in fractions):
        raise ValueError(
            f"checkpoint_at must hold fractions in [0, 1], got {list(checkpoint_at)}"
        )
    if (x_val is None) != (y_val is None):
        raise ValueError("give both x_val and y_val, or neither")
    if threads is not None:
        threads = check_int(threads, "threads", 1)

    with _train_context(model, threads, channels_last):
        dev = _model_device(model)
        steps_per_epoch = math.ceil(n / batch_size)
        total = epochs * steps_per_epoch
        ckpt_steps = {f: round(f * total) for f in fractions}
        opt = torch.optim.SGD(
            model.parameters(),
            lr=lr,
            momentum=momentum,
            nesterov=nesterov,
            weight_decay=weight_decay,
            foreach=True,
        )
        gen = torch.Generator().manual_seed(int(seed))
        fmt = (
            torch.channels_last
            if channels_last and x.ndim == 4
            else torch.contiguous_format
        )
        step_loss = np.full(total, np.nan)
        lrs = np.full(total, np.nan)
        ep_loss, ep_acc, val_loss, val_acc = [], [], [], []
        result = TrainResult(
            step_loss, np.array([]), np.array([]), np.array([]), np.array([]), lrs
        )

        def snapshot(step: int) -> None:
            for f, s in ckpt_steps.items():
                if s == step and f not in result.checkpoints:
                    result.checkpoints[f] = {
                        k: v.detach().cpu().clone()
                        for k, v in model.state_dict().items()
                    }

        model.train()
        snapshot(0)
        bar = tqdm(
            total=total,
            desc="training",
            disable=not (progress and progress_enabled()),
            leave=False,
        )
        step = 0
        for _ in range(epochs):
            perm = torch.randperm(n, generator=gen)
            sum_loss = 0.0
            sum_correct = torch.zeros((), dtype=torch.int64, device=dev)
            for i in range(0, n, batch_size):
                idx = perm[i : i + batch_size]
                # sgd-step begin
                xb = x[idx].to(dev).contiguous(memory_format=fmt)
                yb = y[idx].to(dev)
                rate = _lr_at(step, total, lr, schedule)
                for group in opt.param_groups:
                    group["lr"] = rate
                opt.zero_grad(set_to_none=False)
                out = model(xb)
                loss = nn.functional.cross_entropy(out, yb)
                value = float(loss.detach())
                step_loss[step], lrs[step] = value, rate
                if not math.isfinite(value):
                    result.diverged = True
                    break
                loss.backward()
                opt.step()
                # sgd-step end
                sum_loss += value * len(idx)
                sum_correct += (out.argmax(1) == yb).sum()
                step += 1
                if on_step is not None:
                    on_step(step, model, value, xb, yb)
                snapshot(step)
                bar.update(1)
            if result.diverged:
                break
            ep_loss.append(sum_loss / n)
            ep_acc.append(int(sum_correct) / n)
            if x_val is not None:
                vl, va = evaluate(model, x_val, y_val)
                val_loss.append(vl)
                val_acc.append(va)
        bar.close()
        result.epoch_train_loss = np.array(ep_loss)
        result.epoch_train_acc = np.array(ep_acc)
        result.epoch_val_loss = np.array(val_loss)
        result.epoch_val_acc = np.array(val_acc)
        return result
