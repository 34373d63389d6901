"""Names the model did not list: propose them from the text, and have the model type each one.

The generation pass stops after about as many lines as its examples show, and leaves out
names from later in the text. Here the text's own capitalised runs ("German Red Cross",
"St Paul's Cathedral"), quoted titles and, in Chinese, pieces of Han runs between function
characters become candidates; a second few-shot prompt (worked examples, the text, then
``Name: X`` / ``Type:``) lets the live model score each type word (calibrated against a
content-free name), and a candidate whose likeliest word is ``other`` (or date or number,
which the pattern pass covers) is dropped. Every candidate is a span of the text, so what is
kept is grounded by construction.

Cost: the examples' cache is kept across calls (``spans.PrefixCache``); per text, one forward
over the text, then one batched forward with a row per candidate over that cache (in chunks
for a long text).
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from ..backends.local import label_token_ids
from ..models.forward import takes_logits_to_keep
from .extraction import Entity
from .extraction import spans as where
from .spans import PrefixCache, right_padded

if TYPE_CHECKING:
    from ..models.loader import LoadedModel
    from ..runtime import Runtime

log = logging.getLogger(__name__)

# The words the model scores after "Type:"; a candidate keeps the likeliest one when it is a
# name type. date and number are offered so that a year or sum is not forced into "place".
LABELS = ("person", "organisation", "place", "title", "date", "number", "other")
NAME_TYPES = ("person", "organisation", "place", "title")
MAX_CANDIDATES = 16  # rows of the batched forward; a short passage has fewer
# Contextual calibration (Zhao et al., 2021): a candidate's scores are taken relative to those
# of a content-free name in the same text. Uncalibrated, the bundled model typed most names
# "person" (dev passages, typing alone: name recall 0.548, precision 0.567); calibrated on
# "N/A": 0.726 and 0.671 ("Xyz" as the reference: 0.419 and 0.684).
CONTENT_FREE = "N/A"
# Tuned on extract.jsonl's dev passages only (issue 21): `python -m lmdemo eval tune-extract
# --features extract.json --split dev` on the scores of one `python -m lmdemo eval extract
# --json extract.json` run from before these rules. Even calibrated, the model
# called people and places "organisation" (Laura Muir, Britain), so that word's score is
# lowered by ORGANISATION_BIAS nats before the argmax; and a name type must beat "other" by
# MIN_OVER_OTHER nats. Dev, candidates pass: recall 0.860 -> 0.910, precision 0.804 -> 0.883
# (with the sentence-start rule in ``propose``); bias 0.3-0.6 and a bar of 0.25-0.75 score
# within 0.01 of that.
ORGANISATION_BIAS = 0.5
MIN_OVER_OTHER = 0.5
# The text's cache is repeated once per row: rows go in chunks so that the repeated cache
# holds at most this many positions (about 150 MB of float32 keys and values for Gemma 3 270M).
MAX_CACHE_TOKENS = 4096

# Worked examples written for lmdemo (not from lmdemo/eval/data/extract.jsonl): each type, and
# capitalised words that are no name (a sentence's first word, a job title, a nationality)
# typed "other"; an award is a title, as in the labelled set's guidelines.
TYPING_EXAMPLES = (
    ("Workers at the Penrose paper mill will strike for 48 hours from Thursday after talks "
     "with Harland Paper broke down. Union official Carla Mendes said the company offered a "
     "pay rise of 2 per cent.",
     (("Workers", "other"), ("Penrose", "place"), ("Thursday", "date"),
      ("Harland Paper", "organisation"), ("Union", "other"), ("Carla Mendes", "person"))),
    ("The novelist Ada Brennan was born in Cork in 1931. Her first book, The Salt Road, sold "
     "40,000 copies in its first year and was later filmed by Northlight Studios in Canada.",
     (("Ada Brennan", "person"), ("Cork", "place"), ("Her", "other"),
      ("The Salt Road", "title"), ("Northlight Studios", "organisation"),
      ("Canada", "place"))),
    ("Velo Motors will sell its new electric scooter, the Velo Glide, in Spain and Italy from "
     "March 2025. Chief executive Tomas Ruiz told the Madrid Herald that it weighs 14 kg.",
     (("Velo Motors", "organisation"), ("Velo Glide", "title"), ("Spain", "place"),
      ("March", "date"), ("Chief", "other"), ("Tomas Ruiz", "person"),
      ("Madrid Herald", "organisation"))),
    ("French cyclist Marc Dubois won the Golden Wheel award in Lyon on Sunday. Rain had "
     "delayed the race, which the Alpine Cycling Union organised.",
     (("French", "other"), ("Marc Dubois", "person"), ("Golden Wheel", "title"),
      ("Lyon", "place"), ("Sunday", "date"), ("Rain", "other"),
      ("Alpine Cycling Union", "organisation"))),
)


def _block(text: str, names: tuple[tuple[str, str], ...]) -> str:
    return f"Text: {text}\n" + "".join(f"Name: {n}\nType: {t}\n" for n, t in names) + "\n"


PREFIX = "".join(_block(*row) for row in TYPING_EXAMPLES)

# A capitalised word: a capital letter, then letters, digits, apostrophes or hyphens
# ("Paul's", "X2", "Rolls-Royce"); a run is such words separated by single spaces.
_CAP_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’\-]*"
_RUN = re.compile(rf"(?<![\w'’\-]){_CAP_WORD}(?: {_CAP_WORD})*(?![\w'’\-])")
# what comes before a sentence's first word: nothing, or an end mark and a space
_SENTENCE_START = re.compile(r"[.!?。！？][\"”’)]?\s*$")
_QUOTED = re.compile(r"[\"“《「]([^\"”》」\n]{2,60})[\"”》」]")
# Chinese has no capitals and no spaces: a run of Han characters is cut at common function
# characters (在, 了, 的, 和, ...), and each piece of 2 to 6 characters is a candidate, which
# the model mostly types "other" unless it is a name ("张伟", "星河科技").
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_HAN_STOP = frozenset("在了的是和与及有为于从到把被将对向给也都就还又而并但或这那其之个名家一")
# Words capitalised only because a sentence starts with them, or that a name never ends with.
_FUNCTION_WORDS = frozenset(
    "a an the in on at by for from to with after before during since until of and or but "
    "when while as if so this that these those it its he she they we i you his her their our "
    "my your there here some most many all each every no not one two three".split())


@dataclass(frozen=True)
class TypingRule:
    """How label scores become a type: organisation's bias, and the bar over "other"."""

    organisation_bias: float = ORGANISATION_BIAS
    min_over_other: float = MIN_OVER_OTHER


@dataclass(frozen=True)
class Scored:
    """One candidate and the model's log-probability of each label word (``LABELS`` order),
    less that of the content-free name (``CONTENT_FREE``), typed by ``rule``."""

    text: str
    logprobs: tuple[float, ...]
    rule: TypingRule = TypingRule()  # the shipped rule; ``eval tune-extract`` tries others

    @property
    def adjusted(self) -> tuple[float, ...]:
        """The scores with the rule's organisation bias taken off organisation."""
        return tuple(x - self.rule.organisation_bias * (label == "organisation")
                     for label, x in zip(LABELS, self.logprobs, strict=True))

    @property
    def type(self) -> str:
        """The likeliest label, after the bias."""
        scores = self.adjusted
        return LABELS[max(range(len(LABELS)), key=scores.__getitem__)]

    @property
    def is_name(self) -> bool:
        """True when the likeliest label is a name type that beats "other" by the bar."""
        scores = self.adjusted
        best = self.type
        return best in NAME_TYPES and (scores[LABELS.index(best)] - scores[LABELS.index("other")]
                                       >= self.rule.min_over_other)


def _trim(run: str) -> str:
    words = run.split(" ")
    while words and words[0].lower() in _FUNCTION_WORDS:
        words.pop(0)
    while words and words[-1].lower() in _FUNCTION_WORDS:
        words.pop()
    return " ".join(words)


def propose(source: str, taken: list[str], limit: int = MAX_CANDIDATES) -> list[str]:
    """Capitalised runs, quoted titles and pieces of Chinese runs of ``source`` that overlap
    none of ``taken`` (entities already found), in text order, each once, at most ``limit``."""
    covered = [(s, e) for s, e, _ in where(source, taken)]
    found: list[tuple[int, str]] = []
    for match in [*_QUOTED.finditer(source), *_RUN.finditer(source)]:
        text = match.group(1) if match.re is _QUOTED else match.group(0)
        start = match.start(1) if match.re is _QUOTED else match.start()
        squeezed = " ".join(text.split())
        # a title keeps its words ("A Room of One's Own"); a run loses a sentence's "The"
        trimmed = squeezed.strip(" ,.;:!?") if match.re is _QUOTED else _trim(squeezed)
        if not trimmed or not any(c.isalpha() for c in trimmed):
            continue
        if match.re is _RUN and " " not in trimmed and starts_sentences_only(source, trimmed):
            continue
        at = start + text.find(trimmed.split(" ")[0])
        end = at + len(trimmed)
        if any(at < ce and end > cs for cs, ce in covered):
            continue
        if trimmed.lower() in {t.lower() for _, t in found}:
            continue
        found.append((at, trimmed))
    for at, piece in _han_pieces(source):
        if not any(at < ce and at + len(piece) > cs for cs, ce in covered) and piece not in {
                t for _, t in found}:
            found.append((at, piece))
    return [text for _, text in sorted(found)][:limit]


def starts_sentences_only(source: str, word: str) -> bool:
    """True when every time ``word`` occurs in ``source`` it starts a sentence: its capital
    then says nothing of a name ("Engineers found...", "Four of them..."). On extract.jsonl's
    dev passages all three such candidates the model kept were wrong."""
    found = [m.start() for m in re.finditer(rf"(?<![\w'’\-]){re.escape(word)}(?![\w'’\-])",
                                            source)]
    return bool(found) and all(at == 0 or _SENTENCE_START.search(source[max(0, at - 8):at])
                               for at in found)


def _han_pieces(source: str) -> list[tuple[int, str]]:
    """(start, piece) for each run of 2 to 6 Han characters between function characters."""
    out: list[tuple[int, str]] = []
    for run in _HAN_RUN.finditer(source):
        piece_start = run.start()
        for at in range(run.start(), run.end() + 1):
            if at == run.end() or source[at] in _HAN_STOP:
                if 2 <= at - piece_start <= 6:
                    out.append((piece_start, source[piece_start:at]))
                piece_start = at + 1
    return out



def row_text(candidate: str) -> str:
    """What follows the text in the typing prompt for one candidate."""
    return f"Name: {candidate}\nType:"


def prompt_for(source: str, candidate: str) -> str:
    """The whole typing prompt for one candidate (shown for inspection; scored in parts)."""
    return f"{PREFIX}Text: {source}\n{row_text(candidate)}"


@torch.inference_mode()
def score(loaded: LoadedModel, prefix: PrefixCache, prefix_ids: list[int],
          text_ids: list[int], rows: list[list[int]], label_ids: list[int]
          ) -> list[list[float]]:
    """Log-probabilities ``(rows, labels)`` of each label's first token after each row.

    ``prefix_ids`` (the worked examples) come from ``prefix`` when it holds them; the text
    runs once, and the rows go through batched forwards over its cache (one for a short text;
    chunks bounded by ``MAX_CACHE_TOKENS``), right-padded (a causal model never lets a real
    token see the padding after it). Call it on the model's compute thread (``Runtime.call``).
    """
    _, cache = prefix.prefill(loaded, prefix_ids + text_ids, len(prefix_ids))
    size = max(1, MAX_CACHE_TOKENS // (len(prefix_ids) + len(text_ids)))
    out: list[list[float]] = []
    for at in range(0, len(rows), size):
        chunk = rows[at:at + size]
        # the last chunk may take the cache itself; the others repeat a copy of it
        own = cache if at + size >= len(rows) else copy.deepcopy(cache)
        out.extend(_score_rows(loaded, own, chunk, label_ids))
    return out


def _score_rows(loaded: LoadedModel, cache: object, rows: list[list[int]],
                label_ids: list[int]) -> list[list[float]]:
    """The label log-probabilities after each row, in one forward over ``cache``."""
    model = loaded.model
    assert model is not None
    batch = right_padded(rows)
    last = [len(r) - 1 for r in rows]
    keep = sorted(set(last))  # only these positions go through Gemma's 262k-word output layer
    cache.batch_repeat_interleave(len(rows))  # type: ignore[attr-defined]
    extra = ({"logits_to_keep": torch.tensor(keep)} if takes_logits_to_keep(type(model))
             else {})
    logits = model(input_ids=batch.to(loaded.device), cache=cache, use_cache=True,
                   **extra).logits  # (R, len(keep) or width, vocab)
    column = [keep.index(n) for n in last] if extra else last
    picked = logits[torch.arange(len(rows)), torch.tensor(column)].float()  # (R, vocab)
    logprobs = torch.log_softmax(picked, dim=-1)[:, label_ids]  # (R, labels)
    return logprobs.cpu().tolist()


def typed(scored: list[Scored]) -> list[Entity]:
    """The candidates the model gave a name type, as entities."""
    return [Entity(s.text, s.type) for s in scored if s.is_name]


def label_scores(runtime: Runtime, feature: str, memo_key: str, prefix: str, body: str,
                 rows: list[str], labels: tuple[str, ...]) -> list[list[float]] | None:
    """Log-probabilities ``(rows, labels)`` of each label word after ``prefix + body + row``
    on the runtime's local model; ``prefix`` (worked examples) is cached under ``memo_key``.
    None when the longest prompt would not fit the model's window."""
    loaded = runtime.weights(feature)
    tokenizer = loaded.tokenizer

    def ids(text: str) -> list[int]:
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])  # type: ignore

    prefix_ids = runtime.encode(prefix)
    body_ids = ids(body)
    row_ids = [ids(row) for row in rows]
    if len(prefix_ids) + len(body_ids) + max(map(len, row_ids)) > loaded.context_window:
        log.info("%s: prompt exceeds the %d-token window", feature, loaded.context_window)
        return None
    cache = runtime.memo(memo_key, PrefixCache)
    return runtime.call(score, loaded, cache, prefix_ids, body_ids, row_ids,
                        label_token_ids(tokenizer, labels))


def type_candidates(runtime: Runtime, source: str, taken: list[str]) -> list[Scored]:
    """Propose candidates from ``source`` (none overlapping ``taken``) and score their types
    with the runtime's local model; [] when there are none or the prompt would not fit."""
    names = propose(source, taken)
    if not names:
        return []
    scores = label_scores(runtime, "extract candidates", "extract-typing-prefix", PREFIX,
                          f"Text: {source}\n", [*map(row_text, names), row_text(CONTENT_FREE)],
                          LABELS)
    if scores is None:
        return []
    *scores, reference = scores
    return [Scored(name, tuple(x - r for x, r in zip(row, reference, strict=True)))
            for name, row in zip(names, scores, strict=True)]
