"""``python -m lmdemo eval tune-extract``: search the candidate typing's organisation bias and
bar over "other" on dev passages, without the model.

    python -m lmdemo eval extract --threads 1 --json extract.json   # scores every candidate
    python -m lmdemo eval tune-extract --features extract.json --split dev

The run's records keep each proposed candidate's calibrated label scores, so every setting
is tried without the model: the entities the generation and pattern passes gave stay, and
the candidates are typed again with ``tasks.candidates``' own ``Scored`` under each
``TypingRule``. The sentence-start setting also drops single words seen only at sentence
starts (in the app that rule acts earlier, when candidates are proposed, which can let a
later one in). Run it on a JSON from before the rules, with ``--split dev`` only: the test
split is scored once, after.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..tasks.candidates import Scored, TypingRule, starts_sentences_only
from ..tasks.extraction import Entity
from .extract import Passage, score

BIASES = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)
BARS = (float("-inf"), 0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)


@dataclass(frozen=True)
class Tried:
    """One setting and what it scored."""

    recall: float
    precision: float
    rule: TypingRule
    sentence_starts: bool  # single words seen only at sentence starts are dropped


def entities(record: Mapping, source: str, rule: TypingRule, sentence_starts: bool
             ) -> list[Entity]:
    """The record's entities with its candidates typed again under ``rule``."""
    proposed = {c["text"] for c in record["candidates"]}
    out = [Entity(text, kind) for kind, text in
           (e.split(": ", 1) for e in record["app"]["entities"]) if text not in proposed]
    seen = {e.text.lower() for e in out}
    for candidate in record["candidates"]:
        scored = Scored(candidate["text"], tuple(candidate["logprobs"]), rule)
        if not scored.is_name or scored.text.lower() in seen:
            continue
        if (sentence_starts and " " not in scored.text
                and starts_sentences_only(source, scored.text)):
            continue
        out.append(Entity(scored.text, scored.type))
        seen.add(scored.text.lower())
    return out


def scores(records: Sequence[Mapping], passages: Mapping[str, Passage], rule: TypingRule,
           sentence_starts: bool) -> tuple[float, float]:
    """(recall, precision) over the records."""
    found = right = labels = returned = 0
    for record in records:
        passage = passages[record["id"]]
        predicted = entities(record, passage.text, rule, sentence_starts)
        hits, correct = score(predicted, passage.entities)
        found, right = found + hits, right + correct
        labels, returned = labels + len(passage.entities), returned + len(predicted)
    return found / max(labels, 1), right / max(returned, 1)


def search(records: Sequence[Mapping], passages: Mapping[str, Passage],
           biases: Sequence[float] = BIASES, bars: Sequence[float] = BARS) -> list[Tried]:
    """Every bias, bar and sentence-start setting, scored."""
    return [Tried(*scores(records, passages, TypingRule(bias, bar), starts),
                  TypingRule(bias, bar), starts)
            for bias, bar, starts in itertools.product(biases, bars, (False, True))]


def report(records: Sequence[Mapping], passages: Mapping[str, Passage], split: str,
           min_recall: float = 0.85) -> str:
    """The shipped rule, no rule, and the search's best settings, as text."""
    shipped = TypingRule()
    lines = [f"{len(records)} {split} passages",
             f"shipped (bias {shipped.organisation_bias}, bar {shipped.min_over_other}, "
             "sentence starts): recall %.3f, precision %.3f"
             % scores(records, passages, shipped, True),
             "no bias, no bar: recall %.3f, precision %.3f"
             % scores(records, passages, TypingRule(0.0, float("-inf")), False)]
    tried = search(records, passages)
    lines.append("bar 0.25-0.75 with sentence starts:")
    lines += [f"  bias {t.rule.organisation_bias:.1f}, bar {t.rule.min_over_other:.2f}: "
              f"recall {t.recall:.3f}, precision {t.precision:.3f}"
              for t in tried if t.sentence_starts and 0.25 <= t.rule.min_over_other <= 0.75]
    lines.append(f"best precision with recall >= {min_recall}:")
    best = sorted((t for t in tried if t.recall >= min_recall),
                  key=lambda t: (-t.precision, -t.recall))[:15]
    lines += [f"  bias {t.rule.organisation_bias:.1f}, bar {t.rule.min_over_other:5.2f}, "
              f"sentence starts {t.sentence_starts!s:5}: recall {t.recall:.3f}, "
              f"precision {t.precision:.3f}" for t in best]
    return "\n".join(lines)
