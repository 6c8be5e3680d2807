"""Execute one chapter (MyST) with nbclient and print its ledger; exit 1 on a failing
cell.

Usage: ``python .ci/run_chapter.py notebooks/NAME.md`` (scale from ``FRACTAL_SCALE``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from collect_ledgers import ledger_of  # noqa: E402


def main() -> None:
    print(ledger_of(Path(sys.argv[1]).resolve()))


if __name__ == "__main__":
    main()
