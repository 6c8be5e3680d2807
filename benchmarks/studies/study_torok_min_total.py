"""The ``min_total`` protocol of Török & Bartha at the ``smoke`` preset.

The authors drop a bank's scale whose total response is not above ``P.MIN_TOTAL``; the
chapter keeps every scale. At the ``book`` size and beyond no bank total is that small
(``study_torok_trends.py`` analyses every point both ways); at the ``smoke`` size
(width 2, probed on 8 images) some are. This runs ``study_torok_trends.py --preset
smoke``, which writes ``benchmarks/recorded/torok_min_total.json``; arguments
(``--quick``, ``--directory DIR``) are passed on.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from study_torok_trends import main  # noqa: E402

if __name__ == "__main__":
    main(["--preset", "smoke", *sys.argv[1:]])
