"""fractal_lib: fractal and multifractal loss landscapes and gradient descent on them.

The library behind the *Fractal Landscapes* book. It is sorted by concept, with paper
names only under :mod:`~fractal_lib.papers`; imports run one way, papers -> concept
packages -> nets -> core:

:mod:`~fractal_lib.core`
    config (the scale switch), cache (results on disk), checks, fits (least-squares
    lines, box-counting fits, bootstrap, mean and SEM), report (paper-versus-here
    ledgers), executors (the chunk runner), style (house style of figures, layout of
    explorers).
:mod:`~fractal_lib.boundaries`
    Trainability boundaries: landscapes, learning-rate sweeps (trainability), network
    planes (network_trainability), 2-D box counting (boxcount), figures and explorers.
:mod:`~fractal_lib.surfaces`
    Rough surfaces and gradient descent on them: fields (fBm, multifractional,
    diamond-square), grid_descent, lyapunov, fractional_langevin, toy_diffusion, figures
    and explorers.
:mod:`~fractal_lib.diffusion`
    Statistics of trajectories: msd (time-averaged MSD and exponents), levy (stable
    laws), figures.
:mod:`~fractal_lib.multifractal`
    Measures and spectra: measures (partition functions, tau(q), Chhabra-Jensen),
    wavelet_leaders, probing (directional probing of a network), figures and explorer.
:mod:`~fractal_lib.dynamical`
    Dynamical losses: losses, batched_mlp, spirals, loss_slices, figures and explorer.
:mod:`~fractal_lib.nets`
    Networks (torch): torchtools, models, data, training, hessian, directions,
    trajectory.
:mod:`~fractal_lib.papers`
    One module per paper (constants, reported values, protocols) and presets (each
    chapter's sizes at each scale).

Each subpackage re-exports its modules' public names
(``from fractal_lib.boundaries import sweep, LRGrid``) and its modules
(``from fractal_lib.boundaries import trainability``), importing a module only when one
of its names is first used.

Where each chapter's machinery lives:

====================================  ==================  ==============================
chapter                               papers/             concept packages
====================================  ==================  ==============================
liu2024_fractal_boundary              liu2024             boundaries
sohl_dickstein2024_network_boundary   sohl_dickstein2024  boundaries (networks, box
                                                          counting)
lavin2024_dynamical_loss              lavin2024           dynamical, nets (Hessian)
chen2022_anomalous_diffusion          chen2022            diffusion, surfaces (toy
                                                          model, explorer), nets
                                                          (trajectories), boundaries
                                                          (box counting)
ly2025_multifractal_landscape         ly2025              surfaces, multifractal
                                                          (wavelet leaders), diffusion,
                                                          nets (network check)
torok_multifractal_probing            torok_bartha        multifractal, nets
====================================  ==================  ==============================

Every chapter also uses :mod:`~fractal_lib.core` (style, report) and its sizes in
:mod:`~fractal_lib.papers.presets`. Importing :mod:`fractal_lib` imports neither torch
nor numba (only ``core.config`` and ``core.exports``), and importing a subpackage
imports none of its modules.
"""

from ._version import __version__
from .core.config import get_scale

__all__ = ["__version__", "get_scale"]
