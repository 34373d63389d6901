"""Weight formats on this CPU: which it offers, one-row product timings, and what they pick.

    python -m lmdemo.bench.formats

Start-up goes by the CPU's flags (lmdemo/models/formats.py); this prints what a timing
would say instead, for Gemma 3 270M's and GPT-2's shapes.
"""

from __future__ import annotations

import sys

from ..models.formats import available_formats, choose_formats, cpu_info

SHAPES = {"gemma-3-270m": ((2048, 640), (262144, 640)), "gpt2": ((3072, 768), (50257, 768))}


def main() -> int:
    """Print this CPU, the formats it offers and per-role timings for each model's shapes."""
    cpu = cpu_info()
    print(f"CPU: {cpu.summary}; formats: {', '.join(available_formats(cpu))}")
    for model, (body, head) in SHAPES.items():
        choice = choose_formats("auto", body, head, cpu, measure=True)
        print(f"{model}: timings would pick {choice.label}; {choice.reason}")
    print(f"start-up picks (flags): {choose_formats('auto', (1, 1), (1, 1), cpu).label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
