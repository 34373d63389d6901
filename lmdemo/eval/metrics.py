"""Scores for task outputs: plain functions of strings, so they test without a model."""

from __future__ import annotations

import re
import statistics
import string
from collections import Counter
from collections.abc import Iterable, Sequence

# ---- classification ---------------------------------------------------------------------


def accuracy(predictions: Sequence[object], labels: Sequence[object]) -> float:
    """Share of predictions equal to their label (0.0 for no rows)."""
    if len(predictions) != len(labels):
        raise ValueError(f"{len(predictions)} predictions for {len(labels)} labels.")
    if not labels:
        return 0.0
    return sum(p == y for p, y in zip(predictions, labels, strict=True)) / len(labels)


# ---- extractive QA (SQuAD v1.1 conventions) ----------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower-case, drop punctuation and a/an/the, squeeze whitespace."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, answers: Iterable[str]) -> float:
    """1.0 when the normalised prediction equals any normalised accepted answer."""
    pred = normalize_answer(prediction)
    return float(any(pred == normalize_answer(a) for a in answers))


def _f1(prediction: str, answer: str) -> float:
    pred, gold = normalize_answer(prediction).split(), normalize_answer(answer).split()
    if not pred or not gold:
        return float(pred == gold)
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, answers: Iterable[str]) -> float:
    """Best bag-of-tokens F1 of the prediction against any accepted answer."""
    return max((_f1(prediction, a) for a in answers), default=0.0)


# ---- summaries --------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?](?:[\"'”’)\]]*)$")
_WORD = re.compile(r"\w+(?:['’]\w+)*")
# digits with optional thousands separators and decimals: 6,650 / 3.5 / 1889
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)]*\s+")


def length_ratio(summary: str, article: str) -> float:
    """Summary length as a share of the article's, in characters."""
    return len(summary.strip()) / max(1, len(article.strip()))


def ends_complete_sentence(text: str) -> bool:
    """True when the text is non-empty and ends with . ! or ? (closing quotes allowed)."""
    return bool(_SENTENCE_END.search(text.strip()))


def repeated_trigram_rate(text: str) -> float:
    """Share of the word trigrams in ``text`` that repeat an earlier trigram of it."""
    words = [w.lower() for w in _WORD.findall(text)]
    trigrams = list(zip(words, words[1:], words[2:], strict=False))
    if not trigrams:
        return 0.0
    seen: set[tuple[str, str, str]] = set()
    repeats = 0
    for gram in trigrams:
        repeats += gram in seen
        seen.add(gram)
    return repeats / len(trigrams)


def _number(token: str) -> str:
    return token.replace(",", "").rstrip(".")


def _name(token: str) -> str:
    for suffix in ("'s", "’s"):
        if token.endswith(suffix):
            return token[: -len(suffix)]
    return token.rstrip("'’-")


def checkable_facts(text: str) -> list[str]:
    """Numbers and mid-sentence capitalised words of ``text`` (a summary's checkable facts)."""
    numbers = [_number(m) for m in _NUMBER.findall(text)]
    names = []
    for sentence in _SENTENCE_SPLIT.split(text.strip()):
        # the first word of a sentence is capitalised anyway, so it says nothing
        # and "I" is a pronoun, not a name
        names += [_name(w) for w in _WORD.findall(sentence)[1:] if w[0].isupper() and w != "I"]
    return numbers + [n for n in names if n]


def unsupported_facts(summary: str, article: str) -> list[str]:
    """The summary's numbers and names that do not occur in the article."""
    numbers = {_number(m) for m in _NUMBER.findall(article)}
    words = {_name(w) for w in _WORD.findall(article)} | {_name(w) for w in article.split()}
    return [f for f in checkable_facts(summary) if f not in numbers and f not in words]


def faithfulness(summary: str, article: str) -> float | None:
    """Share of the summary's numbers and names that also occur in the article.

    None when the summary has nothing to check (no numbers, no mid-sentence names).
    """
    facts = checkable_facts(summary)
    if not facts:
        return None
    return 1.0 - len(unsupported_facts(summary, article)) / len(facts)


def mean(values: Iterable[float | None]) -> float:
    """Mean of the values that are not None (0.0 when there are none)."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else 0.0


def median(values: Iterable[float]) -> float:
    """Median (0.0 for no values)."""
    kept = list(values)
    return statistics.median(kept) if kept else 0.0


def summary_scores(summaries: Sequence[str], articles: Sequence[str]) -> dict[str, float]:
    """The four summary metrics over a set: median length ratio, complete-sentence share,
    mean repeated-trigram rate and mean faithfulness."""
    pairs = list(zip(summaries, articles, strict=True))
    return {
        "median_length_ratio": median(length_ratio(s, a) for s, a in pairs),
        "complete_sentence": mean(float(ends_complete_sentence(s)) for s, _ in pairs),
        "repeated_trigram": mean(repeated_trigram_rate(s) for s, _ in pairs),
        "faithfulness": mean(faithfulness(s, a) for s, a in pairs),
    }


# ---- summaries: loops, lead copies, fact support (issue 12) ------------------------------

# Words too common to say anything about faithfulness; content words are the others of 4+
# letters. A word is supported when the article has a word with the same first 5 letters,
# a crude stem that accepts "rationing" for "ration" and "strikes" for "strike".
_STOPWORDS = frozenset(
    "about above after again against also been before being below between both could does "
    "doing down during each from further have having here into itself just more most must "
    "much only other over same should some such than that their them then there these they "
    "this those through under until very were what when where which while will with would "
    "your said says".split())
_STEM = 5
FAITHFUL_WORD_SHARE = 0.8  # at least this share of content words occur in the article
LEAD_COPY_SHARE = 0.8  # a copy of the lead: one run of words covering 80 % of the lead


def has_loop(summary: str) -> bool:
    """True when some 3 consecutive words occur 3 or more times in the summary."""
    from ..tasks.postprocess import loop_start

    return loop_start(summary) is not None


def _words(text: str) -> list[str]:
    return normalize_answer(text).split()


def _longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest run of consecutive words that ``a`` and ``b`` share."""
    best, previous = 0, [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def copies_lead(summary: str, article: str) -> bool:
    """True when the summary repeats the article's first sentence (near) verbatim.

    Words are compared after SQuAD normalisation (case, punctuation, a/an/the); the summary
    copies the lead when one unbroken run of its words covers at least 80 % of the lead's.
    """
    from .baselines import first_sentence

    lead = _words(first_sentence(article))
    if not lead:
        return False
    return _longest_common_run(_words(summary), lead) >= LEAD_COPY_SHARE * len(lead)


def content_word_support(summary: str, article: str) -> float | None:
    """Share of the summary's content words (4+ letters, not stopwords) whose 5-letter stem
    occurs in the article; None when the summary has no content words."""
    stems = {w[:_STEM] for w in _words(article)}
    content = [w for w in _words(summary) if len(w) >= 4 and w not in _STOPWORDS
               and not w.isdigit()]
    if not content:
        return None
    return sum(w[:_STEM] in stems for w in content) / len(content)


def is_faithful(summary: str, article: str) -> bool:
    """A non-empty summary whose numbers and names all occur in the article and at least
    80 % of whose content words do."""
    if not summary.strip() or unsupported_facts(summary, article):
        return False
    support = content_word_support(summary, article)
    return support is None or support >= FAITHFUL_WORD_SHARE


def word_count(text: str) -> int:
    """Words in the text, as ``_WORD`` finds them."""
    return len(_WORD.findall(text))


def summary_health(summaries: Sequence[str], articles: Sequence[str]) -> dict[str, float]:
    """Issue 12's summary figures over a set: loops (a count), lead copies, faithful share,
    mean number-and-name support, mean length in words, and empty summaries (a count)."""
    pairs = list(zip(summaries, articles, strict=True))
    return {
        "loops": float(sum(has_loop(s) for s, _ in pairs)),
        "lead_copy": mean(float(copies_lead(s, a)) for s, a in pairs),
        "faithful": mean(float(is_faithful(s, a)) for s, a in pairs),
        "fact_support": mean(faithfulness(s, a) for s, a in pairs),
        "mean_words": mean(float(word_count(s)) for s, _ in pairs),
        "empty": float(sum(not s.strip() for s, _ in pairs)),
    }
