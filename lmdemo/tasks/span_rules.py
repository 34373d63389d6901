"""Cheap rules about a question and a candidate answer, used beside the model's span scores.

Plain text in, plain numbers out; no model. ``tasks.spans_scoring`` adds them to each span's score:

- what kind of answer the question asks for: "how many", "when", "what year" want a number
  or a time word in the span, "who" wants a capitalised name;
- the head noun of "which/what X": a span that holds X ("Which ocean" -> "Atlantic Ocean");
- echo: the span's content words that the question already has ("Which ocean does the Amazon
  reach?" -> "Amazon River" repeats the question's "Amazon"; an answer rarely does);
- coverage: the share of the question's content words that the text has at all. A question
  about something the text never mentions is the commonest kind with no answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_]+(?:['’.,:][^\W_]+)*")

# Function words and question words: they say nothing about what the text is about.
STOPWORDS = frozenset("""
a an the of in on at to for from by with about into onto over under after before near off
out up down through during between among against without within since until than as
and or but nor so if then that this these those there here it its it's they them their he
him his she her we us our you your i me my what which who whom whose when where why how
is are was were be been being am do does did done has have had having can could will would
shall should may might must not no any some each every all both much many more most
one's s also just only very too again ever
的 了 是 在 吗 呢 吧 啊 么 什 哪 谁 几 怎 样 为 个 有 和 与 里 儿 什么
""".split())
# "how long", "what year" ...: after "how" or "what/which", these ask for a number or a time
_NUMERIC_HOW = frozenset("many much long far old tall deep high big large wide heavy often "
                         "fast hot cold early late".split())
_NUMERIC_HEAD = frozenset("year years time date day month century age temperature percentage "
                          "number amount price cost height length distance size weight "
                          "speed".split())
_NUMBER_WORDS = frozenset("""
zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
hundred hundreds thousand thousands million millions billion billions dozen dozens half
third quarter fifth tenth first second twice once several few
""".split())
_TIME_WORDS = frozenset("""
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday weekend weekends weekday weekdays
spring summer autumn fall winter morning mornings afternoon evening evenings night nights
noon midnight dawn dusk today yesterday tomorrow daily weekly monthly yearly annually
century centuries decade decades year years month months week weeks day days hour hours
minute minutes second seconds ago
""".split())
_CJK_NUMERALS = set("零一二三四五六七八九十百千万亿两")
# Chinese question words that ask for a number or a time
_CJK_NUMERIC = ("多少", "几", "哪年", "什么时候", "多久", "多长", "多大", "多高", "多远")


@dataclass(frozen=True)
class Question:
    """What the rules read from a question: its content words, head noun and answer kind."""

    words: tuple[str, ...]  # content words, lower-case, in order
    head: str | None  # X of "which X" / "what X"
    numeric: bool  # asks for a number, a quantity or a time
    person: bool  # asks "who"


def tokens(text: str) -> list[str]:
    """Lower-case words (a CJK character is one word), inner joiners kept ("2,850")."""
    return [t.lower() for t in _TOKEN.findall(text)]


def content(words: list[str]) -> list[str]:
    """The words that are not function or question words."""
    return [w for w in words if w not in STOPWORDS]


def _stem(word: str) -> str:
    """A crude English stem: "cities" -> "city", "passes" -> "pass", "rivers" -> "river"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix in ("es", "s", "ed", "ing"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[:-len(suffix)]
    return word


def same_word(a: str, b: str) -> bool:
    """True when two words look like forms of one ("manages"/"manage", "city"/"cities")."""
    if a == b:
        return True
    a, b = _stem(a), _stem(b)
    return a == b or (min(len(a), len(b)) >= 5 and a[:5] == b[:5])


def read_question(question: str) -> Question:
    """The question's content words, the head noun of "which/what X" and its answer kind."""
    words = tokens(question)
    head = None
    numeric = any(q in question for q in _CJK_NUMERIC)
    asking = set()  # "long" in "how long" is part of the question word, not its topic
    for i, word in enumerate(words[:-1]):
        after = words[i + 1]
        if word in ("which", "what") and after not in STOPWORDS:
            head = after
            numeric = numeric or after in _NUMERIC_HEAD
        if word == "how" and after in _NUMERIC_HOW:
            numeric = True
            asking.add(i + 1)
    numeric = numeric or "when" in words
    person = bool({"who", "whom", "whose"} & set(words))
    topic = [w for i, w in enumerate(words) if i not in asking]
    return Question(tuple(content(topic)), head, numeric, person)


def has_number_or_time(span: str) -> bool:
    """True when the span holds a digit, a number word or a time word."""
    if any(c.isdigit() or c in _CJK_NUMERALS for c in span):
        return True
    return any(w in _NUMBER_WORDS or w in _TIME_WORDS for w in tokens(span))


def has_name(span: str) -> bool:
    """True when a word of the span starts with a capital letter (a name, for "who")."""
    return any(w[:1].isupper() for w in _TOKEN.findall(span))


@dataclass(frozen=True)
class SpanFeatures:
    """What the rules say of one span for one question."""

    head: bool  # holds the head noun of "which/what X"
    wrong_kind: bool  # the question asks for a number or a name and the span has none
    echo: int  # content words of the span that the question already has


def span_features(q: Question, span: str) -> SpanFeatures:
    """The rules' view of ``span`` as the answer to ``q``."""
    words = content(tokens(span))
    head = q.head is not None and any(same_word(w, q.head) for w in words)
    wrong = (q.numeric and not has_number_or_time(span)) or (q.person and not has_name(span))
    echo = sum(1 for w in words
               if (q.head is None or not same_word(w, q.head))
               and any(same_word(w, x) for x in q.words))
    return SpanFeatures(head, wrong, echo)


def coverage(q: Question, text: str) -> float:
    """The share of the question's content words that ``text`` has (1.0 when it has none)."""
    if not q.words:
        return 1.0
    have = content(tokens(text))
    found = sum(1 for x in q.words if any(same_word(x, w) for w in have))
    return found / len(q.words)
