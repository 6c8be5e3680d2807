"""Names vulture cannot see used: called by pytest, by Python itself or by a reader.

Read by ``.ci/check_duplicates.py`` (vulture counts every name used here as used). Each
entry says who uses it. Bare names, never executed.
"""
# ruff: noqa: B018, F821

# pytest: autouse fixtures
_isolated_cache  # tests/conftest.py
_one_thread  # tests/test_batched_mlp.py

# Sphinx: entry point of the extension .ci/sphinx_unique_scripts.py (see _config.yml)
setup

# the README's way to get Fashion-MNIST where no Debian package exists
download_fashion_mnist  # fractal_lib/nets/data.py

# authors' settings recorded in fractal_lib/papers/torok_bartha.py for the reader
# N_PROBE_BATCHES: recorded for the Differences section (one batch here)
N_PROBE_BATCHES
MIN_TOTAL  # authors' row-validity threshold; the chapter keeps analyze's min_total=0
