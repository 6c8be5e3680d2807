"""Image data sets read from local files: Fashion-MNIST and CIFAR-10.

Nothing is downloaded at run time unless asked for explicitly.

Fashion-MNIST
    Read from its idx files (``{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]``).
    Searched in the ``root`` argument, then ``$FRACTAL_DATA_DIR/fashion-mnist``, then
    Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``,
    installed by ``make``). :func:`download_fashion_mnist` fetches the official files
    where a network exists. Every file is verified by the SHA-256 of its *uncompressed*
    bytes, so the Debian package (which recompresses the files) and the official
    download pass the same check.
CIFAR-10
    Read from a user-given folder holding the *binary version* (``data_batch_1.bin`` ...
    ``data_batch_5.bin``, ``test_batch.bin``); the Python-pickle version is deliberately
    not read.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.request
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

#: A data set's split.
Split = Literal["train", "test"]

#: Where Debian's ``dataset-fashion-mnist`` package installs the files.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
#: The official download location of the gzipped idx files.
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
#: SHA-256 of the uncompressed idx files, and their sizes in bytes.
FASHION_MNIST_FILES = {
    ("train", "images"): (
        "train-images-idx3-ubyte",
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        47040016,
    ),
    ("train", "labels"): (
        "train-labels-idx1-ubyte",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        60008,
    ),
    ("test", "images"): (
        "t10k-images-idx3-ubyte",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        7840016,
    ),
    ("test", "labels"): (
        "t10k-labels-idx1-ubyte",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        10008,
    ),
}
#: Mean and standard deviation of the Fashion-MNIST training pixels (scaled to [0, 1]).
FASHION_MNIST_STATS = (0.2860, 0.3530)
#: Per-channel mean and standard deviation of the CIFAR-10 training pixels (scaled to
#: [0, 1]).
CIFAR10_STATS = ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))

_HOW_TO_GET = (
    "Install Debian's package (`apt-get install dataset-fashion-mnist`, which `make "
    "install` does), "
    "set FRACTAL_DATA_DIR to a folder holding fashion-mnist/<idx files>, or call "
    "fractal_lib.nets.data.download_fashion_mnist(folder) where a network is available."
)


class DataNotFoundError(FileNotFoundError):
    """A data set's files are missing or corrupt; the message says how to get them."""


def _check_split(split: str) -> None:
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")


def _candidate_roots(root: str | os.PathLike | None) -> list[Path]:
    if root is not None:
        return [Path(root)]
    roots = []
    env = os.environ.get("FRACTAL_DATA_DIR")
    if env:
        roots.append(Path(env).expanduser() / "fashion-mnist")
    roots.append(DEBIAN_FASHION_MNIST)
    return roots


def _read_verified(path: Path, sha256: str, size: int) -> bytes:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        if raw[:2] == b"\x1f\x8b":  # gzip magic number
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:  # zlib.error: a corrupt .gz stream
        raise DataNotFoundError(f"cannot read {path}: {exc}. {_HOW_TO_GET}") from exc
    if len(raw) != size or hashlib.sha256(raw).hexdigest() != sha256:
        raise DataNotFoundError(
            f"{path} is corrupt (size or SHA-256 mismatch). {_HOW_TO_GET}"
        )
    return raw


def _find(name: str, roots: list[Path]) -> Path:
    for r in roots:
        for candidate in (r / f"{name}.gz", r / name):
            if candidate.is_file():
                return candidate
    where = ", ".join(str(r) for r in roots)
    raise DataNotFoundError(
        f"Fashion-MNIST file {name}[.gz] not found in: {where}. {_HOW_TO_GET}"
    )


@lru_cache(maxsize=4)
def _load_fashion(split: str, root: str | None) -> tuple[np.ndarray, np.ndarray]:
    roots = _candidate_roots(root)
    name, sha, size = FASHION_MNIST_FILES[(split, "images")]
    raw = _read_verified(_find(name, roots), sha, size)
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    name, sha, size = FASHION_MNIST_FILES[(split, "labels")]
    raw = _read_verified(_find(name, roots), sha, size)
    labels = np.frombuffer(raw, dtype=np.uint8, offset=8).astype(np.int64)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def balanced_subset(labels: np.ndarray, n: int, n_classes: int = 10) -> np.ndarray:
    """Indices of the first ``n`` examples taken class by class in file order.

    Each class contributes ``n // n_classes`` examples (the first classes one more when
    ``n`` is not a multiple), so a smaller ``n`` always selects a subset of a larger
    one's examples.

    Parameters
    ----------
    labels : ndarray of int, shape ``(N,)``
        Class labels ``0 .. n_classes - 1`` in file order.
    n : int
        Number of examples, ``1 <= n <= N``.
    n_classes : int
        Number of classes.

    Returns
    -------
    ndarray of int, shape ``(n,)``
        Sorted indices into ``labels``.

    Raises
    ------
    ValueError
        If ``n`` is out of range or a class has too few examples.
    """
    if not 1 <= n <= len(labels):
        raise ValueError(f"n must be in [1, {len(labels)}], got {n}")
    base, extra = divmod(int(n), n_classes)
    picks = []
    for c in range(n_classes):
        want = base + (1 if c < extra else 0)
        idx = np.flatnonzero(labels == c)[:want]
        if len(idx) < want:
            raise ValueError(
                f"n={n} needs {want} examples of class {c}, only {len(idx)} exist"
            )
        picks.append(idx)
    return np.sort(np.concatenate(picks))


def load_fashion_mnist(
    split: Split = "train",
    *,
    n: int | None = None,
    root: str | os.PathLike | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST images and labels.

    Parameters
    ----------
    split : {"train", "test"}
        60,000 training or 10,000 test images.
    n : int, optional
        Return a class-balanced subset of ``n`` examples (see :func:`balanced_subset`).
    root : str or os.PathLike, optional
        Folder with the idx files; default: ``$FRACTAL_DATA_DIR/fashion-mnist``, then
        Debian's.

    Returns
    -------
    images : ndarray of uint8, shape ``(N, 28, 28)``
        Pixel values 0 to 255.
    labels : ndarray of int64, shape ``(N,)``
        Classes 0 to 9.

    Raises
    ------
    DataNotFoundError
        If a file is missing or its checksum does not match (the message says how to get
        it).
    """
    _check_split(split)
    images, labels = _load_fashion(split, None if root is None else str(root))
    if n is not None:
        idx = balanced_subset(labels, n)
        return images[idx], labels[idx]
    return images.copy(), labels.copy()


def _torch_tensors(images: np.ndarray, labels: np.ndarray, mean, std, dtype, device):
    import torch

    x = torch.as_tensor(images, dtype=torch.float64) / 255.0
    if x.ndim == 3:
        x = x[:, None]
    mean_t = torch.as_tensor(mean, dtype=torch.float64).reshape(1, -1, 1, 1)
    std_t = torch.as_tensor(std, dtype=torch.float64).reshape(1, -1, 1, 1)
    x = ((x - mean_t) / std_t).to(dtype=dtype, device=device)
    y = torch.as_tensor(labels, dtype=torch.long, device=device)
    return x, y


def fashion_mnist_tensors(
    split: Split = "train",
    *,
    n: int | None = None,
    dtype=None,
    device=None,
    root: str | os.PathLike | None = None,
):
    """Fashion-MNIST as standardised torch tensors.

    Pixels are scaled to [0, 1] and standardised with the training-set mean and standard
    deviation (:data:`FASHION_MNIST_STATS`).

    Parameters
    ----------
    split : {"train", "test"}
        60,000 training or 10,000 test images.
    n : int, optional
        A class-balanced subset of ``n`` examples (see :func:`balanced_subset`).
    dtype : torch.dtype, optional
        Dtype of ``x``; default ``torch.float32``.
    device : torch.device or str, optional
        Device of both tensors; default the CPU.
    root : str or os.PathLike, optional
        Folder with the idx files, as in :func:`load_fashion_mnist`.

    Returns
    -------
    x : torch.Tensor, shape ``(N, 1, 28, 28)``
        Standardised images.
    y : torch.Tensor of int64, shape ``(N,)``
        Labels.

    Raises
    ------
    DataNotFoundError
        If a file is missing or corrupt.
    """
    import torch

    images, labels = load_fashion_mnist(split, n=n, root=root)
    mean, std = FASHION_MNIST_STATS
    return _torch_tensors(images, labels, mean, std, dtype or torch.float32, device)


def download_fashion_mnist(
    dest: str | os.PathLike, *, url: str = FASHION_MNIST_URL
) -> Path:
    """Download the four Fashion-MNIST files into ``dest`` and verify them by checksum.

    Files that are already present and valid are kept.

    Parameters
    ----------
    dest : str or os.PathLike
        Folder to write the ``.gz`` files to (created if needed).
    url : str
        Base URL of the files.

    Returns
    -------
    Path
        ``dest`` (pass it as ``root``, or set ``FRACTAL_DATA_DIR`` to its parent when
        ``dest`` is ``<parent>/fashion-mnist``).

    Raises
    ------
    DataNotFoundError
        If a downloaded file fails its checksum.
    OSError
        If the download fails.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name, sha, size in FASHION_MNIST_FILES.values():
        target = dest / f"{name}.gz"
        if target.is_file():
            try:
                _read_verified(target, sha, size)
                continue
            except DataNotFoundError:
                target.unlink()
        fd, tmp = tempfile.mkstemp(dir=dest, suffix=".part")
        try:
            with (
                urllib.request.urlopen(url + f"{name}.gz", timeout=60) as resp,
                os.fdopen(fd, "wb") as out,
            ):
                shutil.copyfileobj(resp, out)
            _read_verified(Path(tmp), sha, size)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    _load_fashion.cache_clear()
    return dest


def load_cifar10(
    root: str | os.PathLike, split: Split = "train"
) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 from the folder of its binary version.

    Parameters
    ----------
    root : str or os.PathLike
        Folder holding ``data_batch_1.bin`` ... ``data_batch_5.bin`` and
        ``test_batch.bin`` (the "CIFAR-10 binary version"; a ``cifar-10-batches-bin``
        sub-folder is also accepted).
    split : {"train", "test"}
        50,000 training or 10,000 test images.

    Returns
    -------
    images : ndarray of uint8, shape ``(N, 32, 32, 3)``
        Pixel values 0 to 255, channels last.
    labels : ndarray of int64, shape ``(N,)``
        Classes 0 to 9.

    Raises
    ------
    DataNotFoundError
        If a file is missing, has the wrong size or holds labels above 9.
    """
    _check_split(split)
    root = Path(root)
    if (root / "cifar-10-batches-bin").is_dir():
        root = root / "cifar-10-batches-bin"
    names = (
        [f"data_batch_{i}.bin" for i in range(1, 6)]
        if split == "train"
        else ["test_batch.bin"]
    )
    record = 1 + 3 * 32 * 32
    parts = []
    for name in names:
        path = root / name
        if not path.is_file():
            raise DataNotFoundError(
                f"CIFAR-10 file {path} not found. Download the 'CIFAR-10 binary "
                "version' from the "
                "CIFAR-10 web page, unpack it, and pass its folder (or set "
                "FRACTAL_CIFAR10_DIR)."
            )
        raw = np.fromfile(path, dtype=np.uint8)
        if raw.size != 10000 * record:
            raise DataNotFoundError(
                f"{path} has {raw.size} bytes, expected {10000 * record}: corrupt "
                "or not the binary version of CIFAR-10."
            )
        parts.append(raw.reshape(10000, record))
    data = np.concatenate(parts)
    labels = data[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise DataNotFoundError(
            f"labels above 9 in {root}: not the CIFAR-10 binary version"
        )
    images = data[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
    return images, labels


def cifar10_tensors(
    root: str | os.PathLike,
    split: Split = "train",
    *,
    n: int | None = None,
    dtype=None,
    device=None,
):
    """CIFAR-10 as standardised torch tensors.

    Pixels are scaled to [0, 1] and standardised per channel with the training-set means
    and standard deviations (:data:`CIFAR10_STATS`).

    Parameters
    ----------
    root : str or os.PathLike
        Folder of the binary version, as in :func:`load_cifar10`.
    split : {"train", "test"}
        Training or test images.
    n : int, optional
        A class-balanced subset of ``n`` examples (see :func:`balanced_subset`).
    dtype : torch.dtype, optional
        Dtype of ``x``; default ``torch.float32``.
    device : torch.device or str, optional
        Device of both tensors; default the CPU.

    Returns
    -------
    x : torch.Tensor, shape ``(N, 3, 32, 32)``
        Standardised images, channels first.
    y : torch.Tensor of int64, shape ``(N,)``
        Labels.

    Raises
    ------
    DataNotFoundError
        If a file is missing or corrupt.
    """
    import torch

    images, labels = load_cifar10(root, split)
    if n is not None:
        idx = balanced_subset(labels, n)
        images, labels = images[idx], labels[idx]
    mean, std = CIFAR10_STATS
    return _torch_tensors(
        images.transpose(0, 3, 1, 2), labels, mean, std, dtype or torch.float32, device
    )
