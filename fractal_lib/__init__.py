"""fractal_lib: fractal and multifractal loss landscapes and gradient descent on them.

The library behind the *Fractal Landscapes* book. Modules are organised by concept, and every
chapter draws on several of them:

Trainability boundaries
    :mod:`~fractal_lib.landscapes` (cosine-perturbed quadratics), :mod:`~fractal_lib.trainability`
    (learning-rate sweeps, boundary counting, box dimensions, zooms),
    :mod:`~fractal_lib.network_trainability` (grids of tiny networks over 2-D hyperparameter
    planes) and :mod:`~fractal_lib.boxcount` (2-D edges and box counting).
Landscapes and dynamics on them
    :mod:`~fractal_lib.surfaces` (fBm, multifractional and diamond-square surfaces),
    :mod:`~fractal_lib.grid_descent` (gradient descent on gridded surfaces),
    :mod:`~fractal_lib.lyapunov`, :mod:`~fractal_lib.fractional_langevin`,
    :mod:`~fractal_lib.toy_diffusion`.
Dynamical losses
    :mod:`~fractal_lib.dynamical_loss` (oscillating class weights, DCE/DMSE),
    :mod:`~fractal_lib.batched_mlp` (many tiny networks trained at once), :mod:`~fractal_lib.spirals`,
    :mod:`~fractal_lib.loss_slices`.
Diffusion statistics
    :mod:`~fractal_lib.diffusion` (time-averaged MSD, exponents, path statistics),
    :mod:`~fractal_lib.levy` (symmetric alpha-stable fits), :mod:`~fractal_lib.trajectory`
    (recording SGD trajectories).
Multifractal analysis
    :mod:`~fractal_lib.multifractal` (partition functions, tau(q), Chhabra-Jensen spectra),
    :mod:`~fractal_lib.wavelet_leaders` (spectra of 2-D fields), :mod:`~fractal_lib.probing`
    (directional probing of a network's loss).
Networks, data and curvature (torch)
    :mod:`~fractal_lib.models`, :mod:`~fractal_lib.data`, :mod:`~fractal_lib.training`,
    :mod:`~fractal_lib.hessian` (Lanczos, power iteration, Hutchinson),
    :mod:`~fractal_lib.directions` (normalised directions, loss planes),
    :mod:`~fractal_lib.torchtools`.
Papers
    :mod:`~fractal_lib.liu2024`, :mod:`~fractal_lib.sohl_dickstein2024`,
    :mod:`~fractal_lib.lavin2024`, :mod:`~fractal_lib.chen2022`, :mod:`~fractal_lib.ly2025`,
    :mod:`~fractal_lib.torok_bartha`: each paper's constants, reported values and protocols.
Infrastructure
    :mod:`~fractal_lib.config` (the scale switch), :mod:`~fractal_lib.cache` (on-disk results),
    :mod:`~fractal_lib.presets` (per-chapter sizes at each scale), :mod:`~fractal_lib.report`
    (paper-versus-here comparisons), :mod:`~fractal_lib.plotting` and ``plotting_*``,
    :mod:`~fractal_lib.widgets` and ``widgets_*`` (figures and interactive explorers).

Importing :mod:`fractal_lib` imports neither torch nor numba; the modules that need them do.
"""

from ._version import __version__
from .core.config import get_scale

__all__ = ["__version__", "get_scale"]
