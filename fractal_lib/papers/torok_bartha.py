"""Settings of Török & Bartha, *Multifractal structure of neural network loss landscapes*.

Only the paper's constants and protocol choices live here (taken from the authors' public code,
``gergotorok02/MultiFractal``, as summarised in ``shared/research/abstract_papers.md``, Paper 2);
the machinery is generic (:mod:`fractal_lib.multifractal.probing`, :mod:`fractal_lib.multifractal.measures`,
:mod:`fractal_lib.nets.training`). The paper itself is available only as an abstract: **no numbers
are published**, only definitions, settings and figure designs.
"""

from __future__ import annotations

import numpy as np

# ----------------------------------------------------------------------------- probing
SCALES = np.logspace(-6.5, -1.9, 12)
"""The 12 absolute step lengths eps (3.16e-7 .. 1.26e-2); directions have unit norm."""
WINDOWS: tuple[tuple[int, int], ...] = ((5, 9), (6, 10), (7, 11), (8, 12), (5, 10), (6, 11), (7, 12),
                                        (5, 11))
"""Fixed fit windows (Python slices into SCALES): eps in [3.9e-5, 1.26e-2]; 1.25 to 2.09 decades.
The five smallest scales are never used. Descriptors are averaged over the windows."""
Q = np.array([-3.0, -2.0, -1.5, -1.0, -0.5, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0])
"""The q grid (q = 0 excluded)."""
BANK_SIZE = 128
N_BANKS = 8
"""8 banks x 128 directions = 1024 directions per checkpoint; direction j of bank b has seed
``seed + 100000 (b + 1) + j``."""
PROBE_BATCH = 256
"""A fixed training batch of 256 images, no augmentation; model and BatchNorm in eval mode."""
N_PROBE_BATCHES = 3
"""Three fixed batches drawn once with ``np.random.default_rng(0)``; bank b uses batch b mod 3."""
GAMMA = 1.0
"""Primary measure ``global_abs_d2``: mu_i = max(R_i, 1e-20)**gamma / sum_j (gamma in {1, 2, 4})."""
R_FLOOR = 1e-20
MU_FLOOR = 1e-10
"""Floors of the raw responses and of mu (inside Z and the Chhabra-Jensen logarithms)."""
MIN_TOTAL = 1e-10
"""A scale row is valid only if sum_j r_j > 1e-10."""
DTYPE = "float32"
PROTOCOL = "inplace"
"""The authors evaluate in float32 with in-place +eps, -2 eps, +eps updates, never restored."""
EARLY_MID_LATE = (0.10, 0.50, 0.90)
"""Fractions of training shown as early / middle / late (Figs. 3, 4)."""
CHECKPOINT_FRACTIONS = (0, .015, .03, .045, .06, .08, .1, .125, .15, .18, .21, .245, .28, .32, .36, .405,
                        .45, .5, .55, .605, .66, .715, .77, .82, .87, .91, .94, .965, .985, 1)
"""The 30 "representative fractions" of training (dense early)."""

# ----------------------------------------------------------------------------- training
EPOCHS = 200
BATCH_SIZE = 128
LR = 0.1
MOMENTUM = 0.9
NESTEROV = True
WEIGHT_DECAY = 5e-4
SCHEDULE = "cosine"
"""ResNet-18 (3x3 stem, no max-pool) on CIFAR-10 with crop + flip augmentation, SGD with Nesterov
momentum, cosine annealing (stepped per epoch in their code, per step here), AMP fp16, seed 0."""

# ----------------------------------------------------------------------------- curvature
POWER_ITERATIONS = 24
HUTCHINSON_SAMPLES = 24
EOS_LINE = 2.0
"""The reference line eta * lambda_max = 2 of their plots (for SGD with momentum 0.9 the classical
stability threshold is (2 + 2 beta) = 3.8)."""
EOS_LINE_MOMENTUM = 2.0 + 2.0 * MOMENTUM
