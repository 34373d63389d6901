"""Key-information extraction, the model-free parts: parse the model's lines, ground them in
the source, and find dates and numbers by pattern.

The model writes one ``type: text`` line per entity, then ``Keywords: a, b`` and
``Summary: ...`` (a line format is easier for a 270M base model than JSON). ``parse_lines``
reads that leniently; ``ground`` keeps only what occurs in the source, spelled as the source
spells it, so every returned entity can be highlighted there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TYPES = ("person", "organisation", "place", "date", "number", "title")

# What a small model writes instead of the six type names, mapped back to them.
TYPE_ALIASES = {
    "person": "person", "people": "person", "name": "person", "persons": "person",
    "organisation": "organisation", "organization": "organisation", "org": "organisation",
    "company": "organisation", "organisations": "organisation", "organizations": "organisation",
    "place": "place", "location": "place", "city": "place", "country": "place",
    "places": "place", "locations": "place",
    "date": "date", "time": "date", "year": "date", "dates": "date",
    "number": "number", "quantity": "number", "amount": "number", "money": "number",
    "numbers": "number", "percent": "number",
    "title": "title", "work": "title", "product": "title", "book": "title", "film": "title",
    "titles": "title",
}
_LINE = re.compile(r"^\s*[-*•]?\s*([A-Za-z][A-Za-z ]{0,20}?)\s*[:：]\s*(.*?)\s*$")
_EDGE_PUNCT = " \t\"'“”‘’.,;:!?()[]"
# An entity's ends must not cut a Latin word or number ("Paris" is not found in "Parisian").
_WORDISH = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class Entity:
    """One piece of key information: its text as the source spells it, and its type."""

    text: str
    type: str


@dataclass(frozen=True)
class Parsed:
    """What the model's lines say, before grounding."""

    entities: tuple[Entity, ...] = ()
    keywords: tuple[str, ...] = ()
    summary_line: str = ""
    unknown: tuple[str, ...] = ()  # lines that fit no known label (kept for inspection)


def parse_lines(raw: str) -> Parsed:
    """Read ``type: text`` lines, ``Keywords:`` and ``Summary:``; anything else is skipped."""
    entities: list[Entity] = []
    keywords: list[str] = []
    summary = ""
    unknown: list[str] = []
    for line in raw.splitlines():
        match = _LINE.match(line)
        if not match or not match.group(2).strip():
            if line.strip():
                unknown.append(line.strip())
            continue
        label, value = match.group(1).strip().lower(), match.group(2).strip()
        if label in ("keywords", "keyword", "key words"):
            keywords.extend(k.strip(_EDGE_PUNCT) for k in re.split(r"[,;，；、]", value))
        elif label == "summary":
            summary = summary or value
        elif label in TYPE_ALIASES:
            entities.append(Entity(value, TYPE_ALIASES[label]))
        else:
            unknown.append(line.strip())
    return Parsed(tuple(entities), tuple(k for k in keywords if k), summary, tuple(unknown))


def _pattern(text: str) -> re.Pattern[str] | None:
    """A pattern for ``text`` in a source: any whitespace between words, whole words only."""
    words = text.split()
    if not words:
        return None
    body = r"\s+".join(re.escape(w) for w in words)
    head = r"(?<![A-Za-z0-9])" if _WORDISH.match(words[0][0]) else ""
    tail = r"(?![A-Za-z0-9])" if _WORDISH.match(words[-1][-1]) else ""
    return re.compile(head + body + tail)


def locate(source: str, text: str) -> str | None:
    """The source's own spelling of ``text`` (spaces squeezed), or None if it is not there.

    Without edge punctuation, then as written, then without a leading "the"; each exact
    first, then ignoring case.
    """
    bare = text.strip(_EDGE_PUNCT)
    candidates = [bare, text]  # "Radioactivity." at a sentence end is "Radioactivity"
    if bare.lower().startswith("the "):
        candidates.append(bare[4:])
    for candidate in candidates:
        pattern = _pattern(candidate)
        if pattern is None:
            continue
        match = pattern.search(source) or re.compile(pattern.pattern, re.IGNORECASE).search(
            source)
        if match:
            return " ".join(match.group(0).split())
    return None


def spans(source: str, texts: list[str]) -> list[tuple[int, int, str]]:
    """Every occurrence of each text in the source as (start, end, text), longest first wins
    where two overlap; sorted by start."""
    found: list[tuple[int, int, str]] = []
    for text in sorted(set(texts), key=len, reverse=True):
        pattern = _pattern(text)
        if pattern is None:
            continue
        for match in pattern.finditer(source):
            if all(match.end() <= s or match.start() >= e for s, e, _ in found):
                found.append((match.start(), match.end(), text))
    return sorted(found)


# ---- the pattern pass: dates and numbers -------------------------------------------------

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December")
_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_DATE = re.compile(
    rf"(?<![A-Za-z0-9])(?:"
    rf"\d{{4}}年(?:\d{{1,2}}月)?(?:\d{{1,2}}日)?"
    rf"|(?:\d{{1,2}}\s+)?(?:{_MONTHS})(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?"
    rf"|(?:{_WEEKDAYS})"
    rf"|(?:1[0-9]|20)\d{{2}}s?"
    rf")(?![A-Za-z0-9])")
_UNITS = ("per cent|percent|%|metres|meters|metre|meter|square kilometres|kilometres|"
          "kilometers|km|miles|tonnes|tons|kilograms|kg|grams|litres|liters|hours|minutes|"
          "seconds|days|weeks|months|years|dollars|euros|pounds|yuan|degrees|mAh")
_FIGURE = r"\d+(?:[.,]\d+)*"
# A figure with a currency sign, a scale word or a unit ("2.4 million dollars", "14 kg"):
# tried before dates, so "1500 metres" stays one quantity rather than the year 1500.
_QUANTITY = re.compile(
    rf"(?<![A-Za-z0-9.,])(?:[$€£¥]\s?{_FIGURE}(?:\s+(?:million|billion|thousand))?"
    rf"|{_FIGURE}(?:\s+(?:million|billion|thousand))?\s*(?:{_UNITS})"
    rf"|{_FIGURE}\s+(?:million|billion|thousand))(?![A-Za-z0-9])"
    rf"|\d+(?:\.\d+)?(?:万|亿)?(?:元|人|名|米|公里|吨|个|%)")
_BARE = re.compile(rf"(?<![A-Za-z0-9.,]){_FIGURE}(?![A-Za-z0-9])")
_SENTENCE = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)|[。！？]")


def pattern_entities(source: str) -> list[Entity]:
    """Quantities (a figure with its unit), dates (month names, weekdays, years), then any
    other figure, by regular expression; an earlier match keeps its span."""
    out: list[tuple[int, Entity]] = []
    taken: list[tuple[int, int]] = []
    for kind, regex in (("number", _QUANTITY), ("date", _DATE), ("number", _BARE)):
        for match in regex.finditer(source):
            start, end = match.span()
            if any(start < e and end > s for s, e in taken):
                continue
            taken.append((start, end))
            out.append((start, Entity(" ".join(match.group(0).split()), kind)))
    return [entity for _, entity in sorted(out, key=lambda pair: pair[0])]


def first_sentence(text: str) -> str:
    """The text up to its first sentence end (all of it when no sentence ends)."""
    text = " ".join(text.split())
    match = _SENTENCE.search(text)
    return text[: match.end()] if match else text


@dataclass(frozen=True)
class Extraction:
    """A grounded extraction of one source, and how it was made."""

    source: str
    entities: tuple[Entity, ...]
    keywords: tuple[str, ...]
    summary_line: str
    raw: str  # what the model wrote
    dropped: tuple[str, ...] = ()  # entity or keyword texts not found in the source
    from_patterns: tuple[str, ...] = field(default=())  # entity texts the pattern pass added
    from_candidates: tuple[str, ...] = ()  # proposed from the text, typed by the model

    def to_json(self) -> dict[str, object]:
        """The API's answer: plain JSON."""
        return {"entities": [{"text": e.text, "type": e.type} for e in self.entities],
                "keywords": list(self.keywords), "summary_line": self.summary_line}

    def highlights(self) -> list[tuple[str, str | None]]:
        """The source cut into (piece, entity type or None) for highlighting."""
        kinds = {e.text: e.type for e in self.entities}
        out: list[tuple[str, str | None]] = []
        at = 0
        for start, end, text in spans(self.source, list(kinds)):
            if start > at:
                out.append((self.source[at:start], None))
            out.append((self.source[start:end], kinds[text]))
            at = end
        if at < len(self.source):
            out.append((self.source[at:], None))
        return out


MAX_KEYWORDS = 8


def ground(source: str, parsed: Parsed, raw: str = "", patterns: bool = True) -> Extraction:
    """Keep the entities and keywords that occur in ``source`` (source spelling), one per text;
    with ``patterns``, add the dates and numbers the model missed."""
    entities: list[Entity] = []
    dropped: list[str] = []
    seen: set[str] = set()
    found = pattern_entities(source) if patterns else []
    # The model often calls a year a number: where a pattern matched the very same text, its
    # type (date or number) wins.
    typed = {e.text: e.type for e in found}
    for entity in parsed.entities:
        text = locate(source, entity.text)
        if text is None:
            dropped.append(entity.text)
        elif text.lower() not in seen:
            seen.add(text.lower())
            entities.append(Entity(text, typed.get(text, entity.type)))
    added: list[str] = []
    if patterns:
        covered = spans(source, [e.text for e in entities])
        for entity in found:
            where = spans(source, [entity.text])
            overlaps = any(s < ce and e > cs for s, e, _ in where[:1] for cs, ce, _ in covered)
            if entity.text.lower() in seen or overlaps:
                continue
            seen.add(entity.text.lower())
            entities.append(entity)
            added.append(entity.text)
    keywords: list[str] = []
    for keyword in parsed.keywords:
        text = locate(source, keyword)
        if text is None:
            dropped.append(keyword)
        elif text.lower() not in {k.lower() for k in keywords} and len(keywords) < MAX_KEYWORDS:
            keywords.append(text)
    return Extraction(source, tuple(entities), tuple(keywords),
                      first_sentence(parsed.summary_line), raw,
                      tuple(dropped), tuple(added))
