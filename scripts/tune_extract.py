"""Search the candidate typing's organisation bias and bar over "other" on dev passages.

    python -m lmdemo eval extract --threads 1 --json extract.json   # scores every candidate
    python scripts/tune_extract.py extract.json --split dev

The run's records keep each proposed candidate's calibrated label scores, so every setting
is tried without the model: the entities the generation and pattern passes gave stay, and
the candidates are typed again with ``tasks.candidates``' own ``Scored`` under each setting.
``--sentence-starts`` also drops single words seen only at sentence starts (in the app that
rule acts earlier, when candidates are proposed, which can let a later one in). Run it on a
JSON from before the rules, with ``--split dev`` only: the test split is scored once, after.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lmdemo.eval.extract import DATA, load_extract, score  # noqa: E402
from lmdemo.tasks import candidates as cand  # noqa: E402
from lmdemo.tasks.extraction import Entity  # noqa: E402


def entities(record: dict, source: str, starts: bool) -> list[Entity]:
    """The record's entities with its candidates typed again under the module's settings."""
    proposed = {c["text"] for c in record["candidates"]}
    out = [Entity(text, kind) for kind, text in
           (e.split(": ", 1) for e in record["app"]["entities"]) if text not in proposed]
    seen = {e.text.lower() for e in out}
    for c in record["candidates"]:
        scored = cand.Scored(c["text"], tuple(c["logprobs"]))
        if not scored.is_name or scored.text.lower() in seen:
            continue
        if starts and " " not in scored.text and cand.starts_sentences_only(source,
                                                                            scored.text):
            continue
        out.append(Entity(scored.text, scored.type))
        seen.add(scored.text.lower())
    return out


def scores(records: list[dict], sources: dict, gold: dict, starts: bool
           ) -> tuple[float, float]:
    """(recall, precision) over the records."""
    found = right = labels = returned = 0
    for record in records:
        predicted = entities(record, sources[record["id"]], starts)
        f, r = score(predicted, gold[record["id"]])
        found, right = found + f, right + r
        labels, returned = labels + len(gold[record["id"]]), returned + len(predicted)
    return found / labels, right / returned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("json", type=Path, help="a `python -m lmdemo eval extract --json` file")
    parser.add_argument("--split", default="dev", help="which split to tune on (dev)")
    args = parser.parse_args()
    passages = {p.id: p for p in load_extract(DATA)}
    records = [r for r in json.loads(args.json.read_text())["records"]
               if r["split"] == args.split]
    sources = {i: p.text for i, p in passages.items()}
    gold = {i: p.entities for i, p in passages.items()}
    print(f"shipped (bias {cand.ORGANISATION_BIAS}, bar {cand.MIN_OVER_OTHER}, sentence "
          "starts): recall %.3f, precision %.3f" % scores(records, sources, gold, True))
    cand.ORGANISATION_BIAS, cand.MIN_OVER_OTHER = 0.0, float("-inf")
    print("no bias, no bar: recall %.3f, precision %.3f" % scores(records, sources, gold,
                                                                  False))
    tried = []
    for bias, bar, starts in itertools.product((0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0),
                                               (float("-inf"), 0.0, 0.25, 0.5, 0.75, 1.0,
                                                1.25, 1.5), (False, True)):
        cand.ORGANISATION_BIAS, cand.MIN_OVER_OTHER = bias, bar
        tried.append((*scores(records, sources, gold, starts), bias, bar, starts))
    print("bar 0.25-0.75 with sentence starts:")
    for recall, precision, bias, bar, starts in tried:
        if starts and 0.25 <= bar <= 0.75:
            print(f"  bias {bias:.1f}, bar {bar:.2f}: recall {recall:.3f}, "
                  f"precision {precision:.3f}")
    print("best precision with recall >= 0.85:")
    for recall, precision, bias, bar, starts in sorted(
            (t for t in tried if t[0] >= 0.85), key=lambda t: (-t[1], -t[0]))[:15]:
        print(f"  bias {bias:.1f}, bar {bar:5.2f}, sentence starts {starts!s:5}: "
              f"recall {recall:.3f}, precision {precision:.3f}")


if __name__ == "__main__":
    main()
