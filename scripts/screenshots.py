"""Refresh the README screenshots by running the browser suite's tour of every tab.

    python scripts/screenshots.py                              # the bundled gemma-3-270m
    python scripts/screenshots.py --model path/to/tiny-gpt2    # any model, layout only
    python scripts/screenshots.py --out /tmp/shots             # look before replacing

One code path drives both: this runs ``tests/browser/test_browser_tabs.py`` (the same steps,
``tests/browser/tour.py``) with LMDEMO_SCREENSHOTS set, so each step saves its picture:
01-generate ... 08-bias-probe in English and 09-tokenizer-zh-CN. A step whose checks fail
(an error, a raw i18n key, a control token) saves no picture and fails the run.

Needs the ``playwright`` Python package (requirements-dev.txt) and Debian's Chromium
(``apt-get install chromium fonts-noto-cjk``); it never downloads a browser.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assets" / "screenshots"


def main() -> int:
    """Set the suite's environment for pictures, then run its tour of the tabs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma-3-270m",
                        help="model name or folder (default: the bundled gemma-3-270m)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--wait", type=float, default=300.0,
                        help="seconds each step may take (a real model on a CPU is slow)")
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.update({
        "LMDEMO_SCREENSHOTS": str(args.out.resolve()),
        "LMDEMO_BROWSER_MODEL": args.model,
        "LMDEMO_CHROMIUM": args.chromium,
        "LMDEMO_BROWSER_WAIT_S": str(args.wait),
        "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1"),
        "GRADIO_ANALYTICS_ENABLED": "False",
    })
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    import pytest

    return pytest.main(["-q", "-p", "no:cacheprovider", "-k", "every_tab",
                        "tests/browser/test_browser_tabs.py"])


if __name__ == "__main__":
    raise SystemExit(main())
