"""Record an SGD trajectory step by step, in bounded memory, on disk, resumable.

Each step records the projected (or full) weights, the minibatch loss and sampled
minibatch-gradient components. :class:`TrajectoryRecorder` is an ``on_step`` callback
for :func:`fractal_lib.nets.training.train`.

Random projection
-----------------
Storing every weight at every step is what the authors' code does (``params x steps``
floats). We store instead ``y_t = S w_t`` with a fixed sparse Johnson–Lindenstrauss
matrix ``S`` (``k`` rows; each weight goes to ``s`` rows, one in each of ``s`` blocks,
with random signs ``±1/sqrt(s)``; the block construction of Kane & Nelson 2014). For any
fixed vector ``v`` (a displacement ``w_{t+tau} - w_t``) ``E|S v|^2 = |v|^2`` and the
relative standard deviation of ``|S v|^2`` is at most ``sqrt(2 / k)``
(:func:`jl_relative_error`; 6 % for ``k = 512``). Mean squared displacements average
many such displacements, so their error is usually smaller still. Small networks
(``n_params <= full_max``) are stored in full instead (no error).

Files
-----
``folder/meta.npz``: ``w0`` (initial position), ``proj_rows``/``proj_signs`` are *not*
stored (they are regenerated from the seed). ``folder/chunk-<start>-<stop>.npz``:
``step`` (1-based), ``pos`` (positions after each step), ``loss`` (minibatch loss before
the step), ``grad`` (``n_grad`` minibatch-gradient components sampled at random indices,
fresh every step, from the gradient at the pre-step weights). Every file is written
atomically; a recorder built on an existing folder skips the steps already stored, so an
interrupted run can be replayed with the same seeds. A chunk that cannot be read back
whole (or does not continue the steps before it) is deleted with the chunks after it and
recorded again, with one :class:`~fractal_lib.core.cache.CacheWarning`.

References: Kane and Nelson (2014), "Sparser Johnson-Lindenstrauss transforms", J. ACM
61(1), 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core.cache import (
    CacheEntryError,
    CacheWarning,
    clean_stale_tmp,
    code_version_of,
    load_npz,
    read_json_or_none,
    read_npz_or_none,
    save_json,
    save_npz,
    warn_damaged,
)

CODE_VERSION = code_version_of(__name__)
"""Code version of every cached result here (recorded runs, Hessians, planes): this
module and every ``fractal_lib`` module it imports (training, models, data, hessian,
directions, ...)."""
#: The arrays of every chunk of a recording.
CHUNK_KEYS = ("step", "pos", "loss", "grad")


def jl_relative_error(k: int) -> float:
    """Bound on the relative standard deviation of a projected squared distance.

    Parameters
    ----------
    k : int
        Projection dimension (>= 1).

    Returns
    -------
    float
        ``sqrt(2 / k)``, the bound for the sparse projection of
        :class:`SparseProjection`.

    Raises
    ------
    ValueError
        If ``k < 1``.

    References
    ----------
    Kane and Nelson (2014), "Sparser Johnson-Lindenstrauss transforms", J. ACM 61(1), 4.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    return math.sqrt(2.0 / k)


class SparseProjection:
    """A fixed sparse JL map from ``n`` weights to ``k`` coordinates.

    Calling it on a flat vector of length ``n`` returns its ``k`` projected coordinates
    (float64 numpy). See the module docstring for the construction.

    Parameters
    ----------
    n, k : int
        Input and output dimensions.
    sparsity : int
        Non-zeros per input coordinate ``s``; ``k`` must be a multiple of it.
    seed : int
        Same seed, same matrix.

    Raises
    ------
    ValueError
        If ``n`` or ``k`` is below 1, or ``sparsity`` does not divide ``k``.

    References
    ----------
    Kane and Nelson (2014), "Sparser Johnson-Lindenstrauss transforms", J. ACM 61(1), 4
    (block construction).
    """

    def __init__(self, n: int, k: int, *, sparsity: int = 4, seed: int = 0) -> None:
        if n < 1 or k < 1:
            raise ValueError(f"n and k must be >= 1, got n={n}, k={k}")
        if sparsity < 1 or k % sparsity:
            raise ValueError(f"sparsity must be >= 1 and divide k={k}, got {sparsity}")
        g = torch.Generator().manual_seed(int(seed))
        block = k // sparsity
        rows = torch.randint(
            0, block, (n, sparsity), generator=g
        ) + block * torch.arange(sparsity)
        signs = (torch.randint(0, 2, (n, sparsity), generator=g) * 2 - 1).to(
            torch.float64
        )
        self.n, self.k, self.sparsity = n, k, sparsity
        self.rows = rows.reshape(-1)
        self.signs = signs / math.sqrt(sparsity)

    def __call__(self, v: torch.Tensor) -> np.ndarray:
        """Project a flat vector (length ``n``) to ``k`` coordinates (float64 numpy)."""
        v = v.detach().to("cpu", torch.float64).reshape(-1)
        if v.numel() != self.n:
            raise ValueError(f"expected a vector of {self.n} entries, got {v.numel()}")
        vals = (v[:, None] * self.signs).reshape(-1)
        out = torch.zeros(self.k, dtype=torch.float64).index_add_(0, self.rows, vals)
        return out.numpy()


def _flat_params(model: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def _flat_grads(model: torch.nn.Module) -> torch.Tensor:
    return torch.cat(
        [
            (p.grad if p.grad is not None else torch.zeros_like(p)).detach().reshape(-1)
            for p in model.parameters()
        ]
    )


class TrajectoryRecorder:
    """``on_step`` callback storing the SGD trajectory to ``folder`` in chunks.

    Parameters
    ----------
    model : nn.Module
        The network about to be trained (its current weights are the initial position).
    folder : str or Path
        Where chunks go (created). An existing recording there with the same settings is
        resumed.
    n_proj : int
        Projection dimension ``k`` for networks with more than ``full_max`` parameters.
    full_max : int
        Networks with at most this many parameters are stored in full.
    n_grad : int
        Gradient components sampled per step.
    chunk_steps : int
        Steps held in memory before a chunk is written.
    sparsity : int
        Non-zeros per weight in the projection.
    seed : int
        Seed of the projection and of the gradient sampling.

    Raises
    ------
    ValueError
        If ``chunk_steps < 1``, ``n_grad < 0``, or ``folder`` holds a recording with
        other settings.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        folder: str | Path,
        *,
        n_proj: int = 512,
        full_max: int = 4096,
        n_grad: int = 64,
        chunk_steps: int = 500,
        sparsity: int = 4,
        seed: int = 0,
    ) -> None:
        if chunk_steps < 1:
            raise ValueError(f"chunk_steps must be >= 1, got {chunk_steps}")
        if n_grad < 0:
            raise ValueError(f"n_grad must be >= 0, got {n_grad}")
        self.folder = Path(folder)
        w0 = _flat_params(model)
        self.n_params = int(w0.numel())
        self.full = self.n_params <= full_max
        self.proj = (
            None
            if self.full
            else SparseProjection(self.n_params, n_proj, sparsity=sparsity, seed=seed)
        )
        self.dim = self.n_params if self.full else n_proj
        self.n_grad = min(int(n_grad), self.n_params)
        self.chunk_steps = int(chunk_steps)
        self.seed = int(seed)
        self.settings = {
            "n_params": self.n_params,
            "full": self.full,
            "dim": self.dim,
            "n_grad": self.n_grad,
            "sparsity": sparsity,
            "seed": self.seed,
            "chunk_steps": self.chunk_steps,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        clean_stale_tmp(self.folder)
        meta_json = self.folder / "meta.json"
        old = read_json_or_none(meta_json) if meta_json.is_file() else None
        if meta_json.is_file() and not isinstance(old, dict):
            warn_damaged(
                f"damaged recording: {meta_json} is unreadable; the recording in "
                f"{self.folder} "
                "starts over"
            )
            for g in self.folder.glob("chunk-*.npz"):
                g.unlink()
            old = None
        if old is not None and old != self.settings:
            raise ValueError(
                f"{self.folder} holds a recording with other settings: {old}"
            )
        if old is None:
            save_json(meta_json, self.settings)
        w0_old = read_npz_or_none(
            self.folder / "meta.npz", keys=("w0",)
        )  # warns if damaged
        if old is None or w0_old is None or w0_old["w0"].shape != (self.dim,):
            # missing (a crash between the two writes), damaged or new: the model still
            # holds w0
            save_npz(self.folder / "meta.npz", {"w0": self._position(w0)})
        self.n_stored = _scan_chunks(self.folder, self.settings, remove=True)
        self._buf: dict[str, list] = {"step": [], "pos": [], "loss": [], "grad": []}

    def _position(self, w: torch.Tensor) -> np.ndarray:
        return (
            w.detach().to("cpu", torch.float64).numpy().copy()
            if self.full
            else self.proj(w)
        )

    def __call__(
        self, step: int, model: torch.nn.Module, batch_loss: float, xb=None, yb=None
    ) -> None:
        """Record step ``step`` (1-based, as passed by the training loop)."""
        if step <= self.n_stored:
            return  # already on disk (resumed run)
        self._buf["step"].append(int(step))
        self._buf["pos"].append(self._position(_flat_params(model)))
        self._buf["loss"].append(float(batch_loss))
        if self.n_grad:
            rng = np.random.default_rng([self.seed, int(step)])
            idx = torch.from_numpy(
                rng.choice(self.n_params, size=self.n_grad, replace=False)
            )
            self._buf["grad"].append(
                _flat_grads(model)[idx].to("cpu", torch.float64).numpy()
            )
        if len(self._buf["step"]) >= self.chunk_steps:
            self.flush()

    def flush(self) -> None:
        """Write the buffered steps as one chunk (atomic)."""
        if not self._buf["step"]:
            return
        steps = np.asarray(self._buf["step"], dtype=np.int64)
        grads = (
            np.asarray(self._buf["grad"]) if self.n_grad else np.zeros((steps.size, 0))
        )
        save_npz(
            self.folder / f"chunk-{steps[0]:010d}-{steps[-1]:010d}.npz",
            {
                "step": steps,
                "pos": np.asarray(self._buf["pos"]),
                "loss": np.asarray(self._buf["loss"]),
                "grad": grads,
            },
        )
        self.n_stored = int(steps[-1])
        self._buf = {"step": [], "pos": [], "loss": [], "grad": []}


def _scan_chunks(folder: Path, settings: dict | None, *, remove: bool) -> int:
    """Last step of the readable chunks contiguous from step 1.

    A chunk that cannot be read back whole, or does not continue the steps before it
    (or, with ``settings``, has the wrong shapes) ends the scan with one
    :class:`~fractal_lib.core.cache.CacheWarning`; with ``remove`` it and every later
    chunk are deleted, so they are recorded again.
    """
    files = sorted(folder.glob("chunk-*.npz"))
    last = 0
    for i, f in enumerate(files):
        a = read_npz_or_none(f, keys=CHUNK_KEYS)  # warns once if damaged
        if a is not None:
            m = a["step"].size
            lo, hi = (int(v) for v in f.stem.split("-")[1:3])
            ok = (
                m > 0
                and np.array_equal(a["step"], np.arange(last + 1, last + 1 + m))
                and (lo, hi) == (last + 1, last + m)
                and a["loss"].shape == (m,)
                and a["pos"].shape[0] == m
                and a["grad"].shape[0] == m
            )
            if ok and settings is not None:
                ok = a["pos"].shape == (m, settings["dim"]) and a["grad"].shape == (
                    m,
                    settings["n_grad"],
                )
            if ok:
                last += m
                continue
            warn_damaged(
                f"damaged recording: {f} does not continue the steps 1..{last} stored "
                "before it"
            )
        if remove:
            for g in files[i:]:
                g.unlink(missing_ok=True)
        return last
    return last


def stored_steps(folder: str | Path) -> int:
    """Last step stored in a recording.

    Parameters
    ----------
    folder : str or Path
        The recording's folder.

    Returns
    -------
    int
        The end of the readable chunks contiguous from step 1, 0 if none (a damaged
        chunk and those after it do not count; one
        :class:`~fractal_lib.core.cache.CacheWarning`).
    """
    return _scan_chunks(Path(folder), None, remove=False)


@dataclass(frozen=True)
class Trajectory:
    """A recorded trajectory.

    Attributes
    ----------
    positions : ndarray, shape ``(n + 1, dim)``
        Row 0 the initial weights (projected), row ``t`` after step ``t``.
    loss : ndarray, shape ``(n,)``
        Minibatch loss of step ``t`` (row ``t - 1``), evaluated at the pre-step weights.
    grad : ndarray, shape ``(n, n_grad)``
        Sampled minibatch-gradient components of each step.
    settings : dict
        The recorder's settings.
    """

    positions: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    settings: dict


def load_trajectory(folder: str | Path) -> Trajectory:
    """Concatenate the chunks of a recording.

    Parameters
    ----------
    folder : str or Path
        The recording's folder.

    Returns
    -------
    Trajectory
        Positions, losses and gradient samples of every stored step.

    Raises
    ------
    FileNotFoundError
        If ``folder`` holds no recording.
    CacheEntryError
        If a file of the recording cannot be read back whole.
    ValueError
        If the chunks are not contiguous from step 1.
    """
    folder = Path(folder)
    meta = folder / "meta.npz"
    if not meta.is_file():
        raise FileNotFoundError(f"no recording in {folder}")
    settings = read_json_or_none(folder / "meta.json")
    if not isinstance(settings, dict):
        raise CacheEntryError(f"{folder / 'meta.json'} is missing or unreadable")
    w0 = load_npz(meta, keys=("w0",), require_layout=True)["w0"]
    parts = [
        load_npz(f, keys=CHUNK_KEYS, require_layout=True)
        for f in sorted(folder.glob("chunk-*.npz"))
    ]
    if not parts:
        return Trajectory(
            w0[None], np.zeros(0), np.zeros((0, settings["n_grad"])), settings
        )
    steps = np.concatenate([p["step"] for p in parts])
    if not np.array_equal(steps, np.arange(1, steps.size + 1)):
        raise ValueError(f"chunks in {folder} are not contiguous from step 1")
    pos = np.concatenate([w0[None]] + [p["pos"] for p in parts])
    return Trajectory(
        pos,
        np.concatenate([p["loss"] for p in parts]),
        np.concatenate([p["grad"] for p in parts]),
        settings,
    )


# ------------------------------------------------------------ recorded training runs
@dataclass(frozen=True)
class RunSpec:
    """One recorded training run of a CIFAR-style ResNet (the setting of Chen et al.).

    Attributes
    ----------
    depth, width : int
        ResNet depth ``6 n + 2`` and first-stage channels.
    shortcut : bool
        With (ResNet) or without ("noshort") skip connections.
    batch_size : int
        Minibatch size.
    lr : float
        Plain SGD learning rate (no momentum, no weight decay, constant).
    epochs : int
        Passes over the training subset.
    n_train : int
        Class-balanced training subset size.
    seed : int
        Seed of the initialisation, the shuffling and the recorder.
    dataset : {"fashion-mnist", "cifar10"}
        The images.
    pool : int
        Average-pool the images by this factor (1: full resolution).
    n_proj, n_grad : int
        Recorder settings (see :class:`TrajectoryRecorder`).
    checkpoints : tuple of float
        Fractions of training at which the full weights are saved (for Hessians and
        planes).
    """

    depth: int
    width: int
    shortcut: bool
    batch_size: int
    lr: float
    epochs: int
    n_train: int
    seed: int = 0
    dataset: str = "fashion-mnist"
    pool: int = 1
    n_proj: int = 512
    n_grad: int = 64
    checkpoints: tuple[float, ...] = ()

    def key(self) -> str:
        """Folder name of the recording: a hash of the spec and of the code version.

        Returns
        -------
        str
            A :func:`~fractal_lib.core.cache.make_key` of the spec's fields and
            :data:`CODE_VERSION`.
        """
        from ..core.cache import make_key

        return make_key("chen-run", self.__dict__, CODE_VERSION)


def image_data(
    dataset: str,
    n: int,
    *,
    pool: int = 1,
    split: str = "train",
    cifar_root: str | None = None,
):
    """Standardised image tensors: a class-balanced subset, average-pooled.

    Parameters
    ----------
    dataset : {"fashion-mnist", "cifar10"}
        The images.
    n : int
        Number of examples (class-balanced, see
        :func:`fractal_lib.nets.data.balanced_subset`).
    pool : int
        Average-pool the images by this factor (1: full resolution).
    split : {"train", "test"}
        The split.
    cifar_root : str, optional
        Folder of the CIFAR-10 binary version (needed for ``"cifar10"``).

    Returns
    -------
    x : torch.Tensor, shape ``(n, channels, side / pool, side / pool)``
        Standardised float32 images.
    y : torch.Tensor of int64, shape ``(n,)``
        Labels.

    Raises
    ------
    ValueError
        An unknown dataset, or ``"cifar10"`` without ``cifar_root``.
    """
    import torch.nn.functional as F

    from . import data

    if dataset == "fashion-mnist":
        x, y = data.fashion_mnist_tensors(split, n=n)
    elif dataset == "cifar10":
        if cifar_root is None:
            raise ValueError(
                "dataset='cifar10' needs cifar_root (or FRACTAL_CIFAR10_DIR)"
            )
        x, y = data.cifar10_tensors(cifar_root, split, n=n)
    else:
        raise ValueError(
            f"dataset must be 'fashion-mnist' or 'cifar10', got {dataset!r}"
        )
    if pool > 1:
        x = F.avg_pool2d(x, pool)
    return x, y


@dataclass(frozen=True)
class RecordedRun:
    """A finished recorded run: its trajectory, per-epoch losses and saved checkpoints.

    Attributes
    ----------
    spec : RunSpec
        The run.
    trajectory : Trajectory
        Its recorded trajectory.
    epoch_loss, epoch_acc : ndarray, shape ``(epochs,)``
        Mean minibatch loss and accuracy of each epoch.
    folder : Path
        Where the recording lives.
    """

    spec: RunSpec
    trajectory: Trajectory
    epoch_loss: np.ndarray
    epoch_acc: np.ndarray
    folder: Path

    def checkpoint(self, fraction: float) -> dict[str, torch.Tensor]:
        """The model state dict saved at ``fraction`` of training.

        Parameters
        ----------
        fraction : float
            One of the spec's ``checkpoints``.

        Returns
        -------
        dict of str to torch.Tensor
            The state dict (CPU tensors).
        """
        arrays = load_npz(self.folder / f"ckpt-{fraction:.4f}.npz")
        return {k: torch.from_numpy(v) for k, v in arrays.items()}

    def model(self, fraction: float | None = None) -> torch.nn.Module:
        """A fresh model of this run's architecture, loaded with a checkpoint if given.

        Parameters
        ----------
        fraction : float, optional
            One of the spec's ``checkpoints``; None keeps the seeded initial weights.

        Returns
        -------
        torch.nn.Module
            The network (on the CPU, in train mode).
        """
        m = build_model(self.spec)
        if fraction is not None:
            m.load_state_dict(self.checkpoint(fraction))
        return m


def build_model(spec: RunSpec) -> torch.nn.Module:
    """The ResNet of ``spec``, initialised from its seed.

    Parameters
    ----------
    spec : RunSpec
        The run.

    Returns
    -------
    torch.nn.Module
        :func:`fractal_lib.nets.models.resnet_cifar` with the spec's depth, width,
        shortcut and input channels (1 for Fashion-MNIST, 3 for CIFAR-10).
    """
    from . import models
    from .torchtools import seed_everything

    seed_everything(spec.seed)
    chans = 1 if spec.dataset == "fashion-mnist" else 3
    return models.resnet_cifar(
        spec.depth, shortcut=spec.shortcut, in_channels=chans, width=spec.width
    )


def record_run(
    spec: RunSpec,
    *,
    root: str | Path | None = None,
    cifar_root: str | None = None,
    progress: bool = True,
) -> RecordedRun:
    """Train ``spec`` with a :class:`TrajectoryRecorder`, or load its recording.

    Recordings live in ``root`` (default ``<cache dir>/chen-runs``) under a key of the
    spec and of :data:`CODE_VERSION`; a finished run is never retrained unless one of
    its files turns out damaged (then one :class:`~fractal_lib.core.cache.CacheWarning`,
    and training is replayed with the same seeds, recording only the steps not already
    stored). An interrupted recording resumes the same way. Training runs on
    :func:`fractal_lib.nets.torchtools.device` with one torch thread (see
    ``FRACTAL_TORCH_THREADS``).

    Parameters
    ----------
    spec : RunSpec
        The run.
    root : str or Path, optional
        Folder of the recordings.
    cifar_root : str, optional
        Folder of the CIFAR-10 binary version (for ``dataset="cifar10"``).
    progress : bool
        Show a progress bar while training.

    Returns
    -------
    RecordedRun
        The finished run.

    Raises
    ------
    CacheEntryError
        If the recording just written cannot be read back.
    """
    from ..core.config import cache_dir
    from . import training
    from .torchtools import device, num_threads, torch_threads

    base = Path(root) if root is not None else cache_dir() / "chen-runs"
    folder = base / spec.key()
    done = folder / "done.json"
    finished = _load_finished(spec, folder)
    if finished is not None:
        return finished
    x, y = image_data(spec.dataset, spec.n_train, pool=spec.pool, cifar_root=cifar_root)
    model = build_model(spec).to(device())
    rec = TrajectoryRecorder(
        model,
        folder,
        n_proj=spec.n_proj,
        n_grad=spec.n_grad,
        chunk_steps=1000,
        seed=spec.seed,
    )
    with num_threads(torch_threads()):
        res = training.train(
            model,
            x,
            y,
            epochs=spec.epochs,
            batch_size=spec.batch_size,
            lr=spec.lr,
            seed=spec.seed,
            checkpoint_at=spec.checkpoints,
            on_step=rec,
            progress=progress,
        )
    rec.flush()
    for f, sd in res.checkpoints.items():
        save_npz(folder / f"ckpt-{f:.4f}.npz", {k: v.numpy() for k, v in sd.items()})
    save_npz(
        folder / "epochs.npz",
        {"loss": res.epoch_train_loss, "acc": res.epoch_train_acc},
    )
    save_json(
        done,
        {
            "spec": spec.__dict__,
            "diverged": bool(res.diverged),
            "steps": rec.n_stored,
            "checkpoints": [f"ckpt-{f:.4f}.npz" for f in res.checkpoints],
        },
    )
    run = _load_finished(spec, folder)
    if run is None:
        raise CacheEntryError(
            f"the recording just written to {folder} cannot be read back"
        )
    return run


def _load_finished(spec: RunSpec, folder: Path) -> RecordedRun | None:
    """The finished recording in ``folder``; None if unfinished, or damaged (then one
    warning and ``done.json`` is removed, so that the run is recorded again)."""
    done = folder / "done.json"
    if not done.is_file():
        return None
    try:
        info = read_json_or_none(done)
        if not isinstance(info, dict) or "steps" not in info:
            raise CacheEntryError(f"{done} is unreadable or incomplete")
        for name in info.get("checkpoints", []):
            load_npz(folder / name, require_layout=True)
        ep = load_npz(folder / "epochs.npz", keys=("loss", "acc"), require_layout=True)
        traj = load_trajectory(folder)
        if traj.loss.size != info["steps"]:
            raise CacheEntryError(
                f"{folder} holds {traj.loss.size} recorded steps, not {info['steps']}"
            )
    except (CacheEntryError, OSError, ValueError) as e:
        warn_damaged(
            f"damaged recorded run treated as unfinished and recorded again: {e}"
        )
        done.unlink(missing_ok=True)
        import warnings

        with (
            warnings.catch_warnings()
        ):  # one warning for the run: drop bad chunks quietly
            warnings.simplefilter("ignore", CacheWarning)
            _scan_chunks(folder, None, remove=True)
        return None
    return RecordedRun(spec, traj, ep["loss"], ep["acc"], folder)


# ------------------------------------------------------------ analyses of checkpoints
def _eval_batch(spec: RunSpec, n_batch: int, cifar_root: str | None):
    x, y = image_data(
        spec.dataset, min(n_batch, spec.n_train), pool=spec.pool, cifar_root=cifar_root
    )
    return x.double(), y


def hessian_over_training(
    run: RecordedRun,
    k: int,
    *,
    n_batch: int = 512,
    seed: int = 0,
    cifar_root: str | None = None,
) -> dict[str, np.ndarray]:
    """Top ``k`` Hessian eigenvalues of the training loss at every checkpoint (Fig. 7).

    The loss is the cross-entropy on a fixed class-balanced batch of ``n_batch``
    training images, the network in evaluation mode (BatchNorm uses its running
    statistics) and float64; Lanczos with full reorthogonalisation
    (:func:`fractal_lib.nets.hessian.top_eigen`). Cached.

    Parameters
    ----------
    run : RecordedRun
        A run with saved checkpoints.
    k : int
        Number of eigenvalues.
    n_batch : int
        Size of the fixed batch (at most the training subset).
    seed : int
        Seed of Lanczos's start vector.
    cifar_root : str, optional
        Folder of the CIFAR-10 binary version.

    Returns
    -------
    dict
        ``fractions`` (F,), ``values`` (F, k), descending per row, and ``converged`` (F,
        k), the Lanczos flags (``HessianEigen.converged``); one
        :class:`~fractal_lib.core.checks.EstimatorWarning` when any pair did not
        converge.

    References
    ----------
    Chen et al. (2022), "Anomalous diffusion dynamics of learning in deep neural
    networks", Neural Networks, Fig. 7.
    """
    import warnings

    from ..core.cache import default_cache
    from ..core.checks import EstimatorWarning, warn_limit
    from . import hessian
    from .torchtools import num_threads, torch_threads

    fractions = sorted(run.spec.checkpoints)

    def compute() -> dict[str, np.ndarray]:
        x, y = _eval_batch(run.spec, n_batch, cifar_root)
        vals, conv = [], []
        for f in fractions:
            model = run.model(f).double().eval()
            loss_fn, params = hessian.model_loss_fn(
                model, torch.nn.functional.cross_entropy, x, y
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EstimatorWarning)
                eig = hessian.top_eigen(loss_fn, params, k=k, tol=1e-4, seed=seed)
            vals.append(eig.values)
            conv.append(eig.converged)
        return {
            "fractions": np.asarray(fractions),
            "values": np.asarray(vals),
            "converged": np.asarray(conv),
        }

    params = {"run": run.spec.key(), "k": k, "n_batch": n_batch, "seed": seed}
    with num_threads(torch_threads()):
        out = default_cache().cached("chen-hessian", params, CODE_VERSION, compute)
    if "converged" in out and not np.all(out["converged"]):
        warn_limit(
            f"hessian_over_training: {int((~out['converged'].astype(bool)).sum())} of "
            f"{out['converged'].size} eigenpairs did not converge (see 'converged')"
        )
    return out


def landscape_plane(
    run: RecordedRun,
    fraction: float,
    n: int,
    *,
    span: float = 1.0,
    n_batch: int = 512,
    seed: int = 0,
    cifar_root: str | None = None,
) -> dict[str, np.ndarray]:
    """The loss on a plane through a checkpoint along two filter-normalised directions.

    ``L(w + a d1 + b d2)`` for ``a, b`` on an ``n x n`` grid over ``[-span, span]^2``
    (the authors use 51 x 51 on ``[-1, 1]^2``), on a fixed batch, network in evaluation
    mode. Cached.

    Parameters
    ----------
    run : RecordedRun
        A run with saved checkpoints.
    fraction : float
        The checkpoint (one of the spec's ``checkpoints``).
    n : int
        Grid points per axis.
    span : float
        Half-width of the grid, in units of the normalised directions.
    n_batch : int
        Size of the fixed batch.
    seed : int
        Seed of the directions.
    cifar_root : str, optional
        Folder of the CIFAR-10 binary version.

    Returns
    -------
    dict
        ``coords`` (n,) and ``loss`` (n, n) indexed ``[a, b]``.

    References
    ----------
    Li, Xu, Taylor, Studer and Goldstein (2018), "Visualizing the loss landscape of
    neural nets", NeurIPS, Sec. 4.
    """
    from ..core.cache import default_cache
    from . import directions
    from .torchtools import num_threads, torch_threads

    def compute() -> dict[str, np.ndarray]:
        x, y = _eval_batch(run.spec, n_batch, cifar_root)
        model = run.model(fraction).double().eval()
        params = list(model.parameters())
        d1, d2 = directions.random_directions(params, 2, normalize="filter", seed=seed)
        coords = np.linspace(-span, span, n)

        def loss_fn() -> torch.Tensor:
            return torch.nn.functional.cross_entropy(model(x), y)

        return {
            "coords": coords,
            "loss": directions.loss_plane(
                loss_fn, params, d1, d2, coords, coords, model=model
            ),
        }

    params = {
        "run": run.spec.key(),
        "fraction": fraction,
        "n": n,
        "span": span,
        "n_batch": n_batch,
        "seed": seed,
    }
    with num_threads(torch_threads()):
        return default_cache().cached("chen-plane", params, CODE_VERSION, compute)
