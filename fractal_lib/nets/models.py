"""Network architectures used by the chapters (torch).

* :func:`resnet_cifar` -- the CIFAR ResNet-(6n+2) of He et al. (2016) as used by Li et
  al. (2018) for loss-landscape studies, with a ``shortcut=False`` ("noshort") variant
  that keeps every layer but removes the skip connections.
* :func:`resnet18` -- ResNet-18 with a 3x3 stem for small images (BasicBlock, [2, 2, 2,
  2]).
* :func:`small_cnn` -- two convolutions and a linear read-out, for quick experiments.
* :func:`mlp` -- a fully connected network.

Widths are parameters, so a chapter can shrink a network to what a CPU trains at
``book`` scale while keeping its depth and topology. Initialisation uses torch's global
generator: call :func:`fractal_lib.nets.torchtools.seed_everything` first for
reproducible weights.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

_ACTIVATIONS = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "identity": nn.Identity,
    "gelu": nn.GELU,
}


def _check_positive(**sizes: int) -> None:
    """Raise ``ValueError`` naming the first of ``sizes`` (name to value) below 1."""
    for name, value in sizes.items():
        if int(value) < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm and, if enabled, a shortcut.

    The shortcut is the identity, or a 1x1 convolution with BatchNorm where the stride
    or the number of channels changes (He et al. 2016, option B).

    Parameters
    ----------
    c_in, c_out : int
        Input and output channels.
    stride : int
        Stride of the first convolution (2 halves the image side).
    shortcut : bool
        Add the shortcut to the block's output before the last ReLU.

    References
    ----------
    He, Zhang, Ren and Sun (2016), "Deep residual learning for image recognition",
    CVPR, Sec. 3.3.
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 1, shortcut: bool = True):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU()
        self.use_shortcut = shortcut
        self.shortcut: nn.Module = nn.Identity()
        if shortcut and (stride != 1 or c_in != c_out):
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False),
                nn.BatchNorm2d(c_out),
            )

    def forward(self, x):
        """Apply the block.

        Parameters
        ----------
        x : torch.Tensor, shape ``(batch, c_in, height, width)``
            Input images or feature maps.

        Returns
        -------
        torch.Tensor, shape ``(batch, c_out, height / stride, width / stride)``
            ``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))``.
        """
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.use_shortcut:
            out = out + self.shortcut(x)
        return self.relu(out)


def _stem(in_channels: int, width: int) -> nn.Sequential:
    """The ResNets' first layer: 3x3 convolution, BatchNorm, ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
        nn.BatchNorm2d(width),
        nn.ReLU(),
    )


class _ResNet(nn.Module):
    def __init__(
        self, stem: nn.Module, stages: nn.Module, c_last: int, num_classes: int
    ):
        super().__init__()
        self.stem = stem
        self.stages = stages
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c_last, num_classes)

    def forward(self, x):
        return self.fc(self.pool(self.stages(self.stem(x))).flatten(1))


def _stages(
    widths: Sequence[int],
    blocks: Sequence[int],
    strides: Sequence[int],
    c_in: int,
    shortcut: bool,
) -> nn.Sequential:
    layers = []
    for w, n, s in zip(widths, blocks, strides, strict=True):
        for i in range(n):
            layers.append(BasicBlock(c_in, w, s if i == 0 else 1, shortcut))
            c_in = w
    return nn.Sequential(*layers)


def resnet_cifar(
    depth: int,
    *,
    shortcut: bool = True,
    in_channels: int = 3,
    num_classes: int = 10,
    width: int = 16,
) -> nn.Module:
    """CIFAR ResNet of depth ``6 n + 2`` (ResNet-20: n = 3, ResNet-56: n = 9).

    Parameters
    ----------
    depth : int
        ``6 n + 2`` with ``n >= 1`` (8, 14, 20, 32, 44, 56, 110, ...).
    shortcut : bool
        ``False`` gives the "noshort" network of Li et al. (2018): same layers, no
        skips.
    in_channels, num_classes : int
        Image channels and classes.
    width : int
        Channels of the first stage (the stages have ``width``, ``2 width``,
        ``4 width``); 16 is the original.

    Returns
    -------
    torch.nn.Module
        The network, mapping ``(batch, in_channels, H, W)`` images to
        ``(batch, num_classes)`` logits.

    Raises
    ------
    ValueError
        If ``depth`` is not ``6 n + 2`` or a size is not positive.

    References
    ----------
    He, Zhang, Ren and Sun (2016), "Deep residual learning for image recognition",
    CVPR, Sec. 4.2 (the CIFAR networks). Li, Xu, Taylor, Studer and Goldstein (2018),
    "Visualizing the loss landscape of neural nets", NeurIPS (the "noshort" variant).
    """
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(
            f"depth must be 6n+2 with n >= 1 (8, 14, 20, ...), got {depth}"
        )
    _check_positive(in_channels=in_channels, num_classes=num_classes, width=width)
    n = (depth - 2) // 6
    stem = _stem(in_channels, width)
    widths = (width, 2 * width, 4 * width)
    return _ResNet(
        stem,
        _stages(widths, (n, n, n), (1, 2, 2), width, shortcut),
        4 * width,
        num_classes,
    )


def resnet18(
    *,
    in_channels: int = 3,
    num_classes: int = 10,
    width: int = 64,
    shortcut: bool = True,
) -> nn.Module:
    """ResNet-18 for small images: 3x3 stem, BasicBlock stages [2, 2, 2, 2].

    The stages have ``width``, ``2 width``, ``4 width`` and ``8 width`` channels.

    Parameters
    ----------
    in_channels, num_classes : int
        Image channels and classes.
    width : int
        Channels of the first stage (64 is the original).
    shortcut : bool
        Keep the skip connections (default).

    Returns
    -------
    torch.nn.Module
        The network, mapping ``(batch, in_channels, H, W)`` images to
        ``(batch, num_classes)`` logits.

    Raises
    ------
    ValueError
        If a size is not positive.
    """
    _check_positive(in_channels=in_channels, num_classes=num_classes, width=width)
    stem = _stem(in_channels, width)
    widths = (width, 2 * width, 4 * width, 8 * width)
    return _ResNet(
        stem,
        _stages(widths, (2, 2, 2, 2), (1, 2, 2, 2), width, shortcut),
        8 * width,
        num_classes,
    )


def small_cnn(
    *, in_channels: int = 1, num_classes: int = 10, width: int = 16
) -> nn.Module:
    """A small convolutional network for quick experiments.

    Conv(3x3, w)-ReLU-MaxPool, Conv(3x3, 2w)-ReLU-MaxPool, average-pool to 4x4, Linear.

    Parameters
    ----------
    in_channels, num_classes : int
        Image channels and classes.
    width : int
        Channels of the first convolution (``w``).

    Returns
    -------
    torch.nn.Module
        The network, mapping ``(batch, in_channels, H, W)`` images (``H, W >= 4``) to
        ``(batch, num_classes)`` logits.

    Raises
    ------
    ValueError
        If a size is not positive.
    """
    _check_positive(in_channels=in_channels, num_classes=num_classes, width=width)
    return nn.Sequential(
        nn.Conv2d(in_channels, width, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(4),
        nn.Flatten(),
        nn.Linear(2 * width * 16, num_classes),
    )


def mlp(
    sizes: Sequence[int], activation: str = "tanh", *, bias: bool = True
) -> nn.Module:
    """Fully connected network with layer sizes ``sizes`` (input, hidden..., output).

    Parameters
    ----------
    sizes : sequence of int
        At least two positive sizes.
    activation : {"tanh", "relu", "identity", "gelu"}
        Nonlinearity between layers (none after the last).
    bias : bool
        Whether the linear layers have biases.

    Returns
    -------
    torch.nn.Sequential
        The network, mapping ``(batch, sizes[0])`` to ``(batch, sizes[-1])``.

    Raises
    ------
    ValueError
        Fewer than two sizes, a size that is not positive, or an unknown activation.
    """
    if len(sizes) < 2:
        raise ValueError(f"sizes must have at least 2 entries, got {list(sizes)}")
    _check_positive(**{f"sizes[{i}]": s for i, s in enumerate(sizes)})
    if activation not in _ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}"
        )
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], bias=bias))
        if i < len(sizes) - 2:
            layers.append(_ACTIVATIONS[activation]())
    return nn.Sequential(*layers)
