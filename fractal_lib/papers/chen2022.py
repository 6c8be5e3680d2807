"""Chen, Qu & Gong (2022), "Anomalous diffusion dynamics of learning in deep neural networks":
the paper's protocol constants and the values it reports (nothing here is computed).

Values are quoted from the paper's text (arXiv 2009.10588v3 / Neural Networks 2022) and, where
marked, from the authors' public repository ``ifgovh/Anomalous-diffusion-dynamics-of-SGD``
(hard-coded in its plotting scripts).
"""

from __future__ import annotations

# ----------------------------------------------------------------------------- protocol
LR = 0.1  # vanilla SGD, no momentum, no weight decay
BATCH_SIZE = 1024  # the main model: ResNet-14, batch 1024, CIFAR-10, cross-entropy
DEPTH = 14
EPOCHS = 500  # 24,000 steps at batch 1024 (49 steps per epoch)
TOTAL_STEPS = 24_000
WINDOW = 1000  # T, steps per MSD window
BETA_DTAU = 20  # lag step of the log-derivative beta(tau), Eq. 6
RMSE_RULE = 0.03  # goodness-of-fit threshold for tau_0 and t_0
LOSS_VAR_WINDOW = 100  # moving variance of the loss, Fig. 5f
GRAD_SAMPLES = 5000  # gradient components fitted per window (authors' code)
TRANSVERSE_FRAGMENTS = 50  # random fragments for the transverse distance (authors' code)
TRANSVERSE_LENGTH = 100  # steps per fragment (authors' code)
HESSIAN_TOP_K = 20  # Fig. 7: top 20 eigenvalues, every 5 epochs (authors' code)
LANDSCAPE_GRID = 51  # 2-D filter-normalised plane, 51 x 51 on [-1, 1]^2 (authors' code)
DEPTHS = (14, 20, 56)  # Fig. 3 depths (also 110 in Fig. 2f)
BATCH_SIZES = (128, 512, 1024)  # Fig. 3 batch sizes
LRS = (0.001, 0.01, 0.05, 0.1, 0.5)  # Fig. 4 learning rates

# toy model (Fig. 8; authors' script simplified_SGD_model.m)
TOY_LR = 0.02
TOY_NOISE = 0.01  # eta2 in the script: added as is (the paper's Eq. 10 writes eta * sigma)
TOY_STEPS = 1000
TOY_TRIALS_SCRIPT = 5
TOY_TRIALS_FIG = 10  # Fig. 8b averages over 10 trials
TOY_N_LEVELS = 10  # 1025 x 1025 diamond-square grid
TOY_ROUGHNESS = 3.0  # initial displacement amplitude of the generator
TOY_LR_RANGE = (0.002, 0.01)  # the text's eta range (its own example uses 0.02)
TOY_SIGMA_RANGE = (0.005, 0.05)

# ----------------------------------------------------------------------------- reported values
PAPER = {
    # Fig. 2 (ResNet-14, bs 1024, lr 0.1, CIFAR-10)
    "t0": 21_000,  # crossover waiting time between the regimes
    "alpha_regime2": 0.78,  # MSD exponent for t_w > t0
    "beta_regime2_super_above": 532,  # in regime 2, beta > 1 only for tau > 532
    # Supp. Figs. 3/4 (authors' spreadsheet, hard-coded in the plotting scripts)
    "alpha_early_range": (1.01, 1.42),
    "alpha_late_range": (0.60, 0.88),
    "tau0_range": (45, 400),
    "lr_scan_alpha1": {0.001: 2.0, 0.01: 1.83, 0.05: 1.7, 0.1: 1.39, 0.5: 1.4},
    "lr_scan_alpha2": {0.001: 2.0, 0.01: 1.7, 0.05: 0.68, 0.1: 0.69, 0.5: 0.73},
    "batch_alpha_variation": 0.15,  # alpha of regime 1 varies by +-15 % over batch 128..1024
    # Fig. 5
    "alpha_dist_pooled": (1.46528, (1.46509, 1.46546)),  # regime 1, all gradients
    "llr_pooled": 1.52e9,
    "alpha_dist_first": (1.09, (1.05, 1.12)),  # window t_w = 1
    "alpha_dist_last": (1.58, (1.54, 1.63)),  # window t_w = 23001
    # Fig. 6
    "D_f_range": (1.32, 2.67),
    "msl_exponent_early": 1.8,  # on Delta r in [0.4, 10], regime 1
    "msl_late": "about constant",
    "path_late_exponent": 0.75,  # "MSL collapse to a power law with exponent 0.75" (Fig. 6b text)
    # Sec. III D
    "landscape_box_dimension": 1.8,
    # Fig. 8 (toy model)
    "toy_t0": 139,
    "toy_alpha_dist": (1.9, (1.88749, 1.91298)),
    "toy_llr": 39.37,
}
