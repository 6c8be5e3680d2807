"""Per-chapter readings of the recorded scale studies (issue 17).

A scale study reruns a chapter's quantity at sizes beyond ``book`` and is recorded in
``benchmarks/recorded/<name>.json`` by a script in ``benchmarks/studies/`` (see
:mod:`fractal_lib.core.studies`). Each submodule
``fractal_lib.papers.studies.<chapter>`` turns a chapter's recorded studies into what
the chapter shows: the trend figure (``figure(...)``, returns the figure) and the class
of every miss (``misses(...)``, a list of :class:`fractal_lib.core.studies.Miss`), so
the chapter's cells stay short and compute nothing.
"""
