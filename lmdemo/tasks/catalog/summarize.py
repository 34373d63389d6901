"""Summarization: worked examples, then the article and "Summary:" (or the paper's TL;DR:)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ...notices import Notice
from ..chat import RAW
from ..contract import Field, Prepared, Task
from ..postprocess import trim_loop, whole_sentences

if TYPE_CHECKING:
    from ...runtime import Runtime

# Two worked examples (written for lmdemo, not taken from any data set), then the article.
# A 270M base model given only "TL;DR:" wanders off ("This article was originally
# published..."); with examples it writes a one- or two-sentence, mostly extractive summary.
# No repetition penalty: it also counts the prompt's tokens, so it pushes the model away from
# the article's own names and numbers, i.e. towards making facts up. `python -m lmdemo eval
# summarize` measures the effect of any change here.
SUMMARY_EXAMPLES = (
    ("Workers at the Penrose paper mill will go on strike for 48 hours from Thursday after talks "
     "over pay broke down, the union Unity said. The mill employs 640 people and produces about "
     "300 tonnes of paper a day. Union official Carla Mendes said the company had offered a pay "
     "rise of 2 per cent, while prices had risen by almost 6 per cent in the past year. The "
     "company said its offer was fair and that it hoped to return to talks next week.",
     "Workers at the Penrose paper mill will strike for 48 hours from Thursday after pay talks "
     "broke down."),
    ("A hiker who went missing on Mount Orla on Saturday was found safe on Monday morning by a "
     "rescue team with a search dog. The 34-year-old man, Lukas Berger, had left the main trail "
     "in thick fog and spent two nights in a shepherd's hut. More than 60 volunteers took part "
     "in the search. Rescue leader Anna Novak said Berger was cold and hungry but unhurt. She "
     "urged walkers to carry a map and a charged phone.",
     "Lukas Berger, a hiker missing on Mount Orla since Saturday, was found safe on Monday after "
     "two nights in a shepherd's hut."),
)

# The GPT-2 paper's zero-shot prompts, kept as presets so the tabs and `python -m lmdemo eval
# ... --preset paper` can show what the tuned few-shot prompts add.
PAPER_SUMMARY = "{article}\n\nTL;DR:"

TUNED_SUMMARY = "".join(f"Article: {article}\nSummary: {summary}\n\n"
                        for article, summary in SUMMARY_EXAMPLES) + "Article: {article}\nSummary:"

# An example article written for lmdemo.
ARTICLE = (
    "The town of Millbrook opened its first public library on Saturday after a three-year "
    "campaign by local parents. The building, a former post office on Main Street, was "
    "renovated at a cost of 2.4 million dollars, most of it raised through donations. "
    "Librarian Maria Lopez said more than 600 people signed up for library cards on the first "
    "day. The library will be open six days a week and offers free homework help for "
    "children every afternoon. Mayor Tom Reed called the opening the best day the town has "
    "had in years."
)
# Longer articles are condensed to about this many characters before the prompt is built:
# about twice the dev set's short articles, on which the 270M model summarizes reliably.
# Given a whole 19,000-character article (cut to the 4,096-token window) it was seen to loop
# ("to-be-to-be", issue 12) or to copy a sentence from the middle. `python -m lmdemo eval
# summaries` and `python -m lmdemo eval summary-ablations` measure both ways.
CONDENSE_CHARS = 1500
_SENTENCE = re.compile(r".+?(?:[.!?][\"'”’)\]]*(?=\s|$)|[。！？][”’」)]*|$)", re.S)
_STEM_WORD = re.compile(r"[^\W\d_]{4,}")


def sentences(text: str) -> list[str]:
    """The text's sentences, whitespace squeezed (a line without a full stop is one too)."""
    found = []
    for paragraph in text.split("\n"):
        found += [m.group(0).strip() for m in _SENTENCE.finditer(" ".join(paragraph.split()))]
    return [s for s in found if s]


# Words in most sentences of any article: they say nothing about what is central.
_COMMON = frozenset("about after also been before could from have into more only other said "
                    "says some such than that their them then there these they this those "
                    "were what when which while will with would".split())
# A sentence that opens with a quote or leans on the one before it ("It did.", "She said
# ...") reads wrongly out of its place, so it is not picked from the middle of an article.
_DEPENDENT = re.compile(r"[\"'“‘(]|(?:It|That|This|These|Those|She|He|They|But|And|Only|Then|"
                        r"Instead|Both|Not|Some|Others?)\b")


def _stems(sentence: str) -> set[str]:
    return {w[:5].lower() for w in _STEM_WORD.findall(sentence)} - _COMMON


def condense(article: str, budget: int = CONDENSE_CHARS) -> str:
    """The article when it fits ``budget`` characters; else its lead sentence and its most
    central sentences, in the article's order, within the budget.

    A sentence is central when its words (5-letter stems of 4+ letter words, common ones
    left out) recur across the article: its score is the sum, over its distinct stems, of how
    many sentences hold that stem, divided by its stem count (at least 8, so short sentences
    do not win on one shared word), and by 1 + its position as a share of the article (news
    puts the main facts first). The lead sentence is always kept.
    """
    if len(article) <= budget:
        return article
    parts = sentences(article)
    stems = [_stems(s) for s in parts]
    spread = Counter(stem for found in stems for stem in found)
    score = [sum(spread[w] for w in found) / max(8, len(found)) / (1 + i / len(parts))
             for i, found in enumerate(stems)]
    candidates = [i for i in range(1, len(parts)) if not _DEPENDENT.match(parts[i])]
    chosen, used = {0}, len(parts[0])
    for i in sorted(candidates, key=lambda i: (-score[i], i)):
        if used + 1 + len(parts[i]) <= budget:
            chosen.add(i)
            used += 1 + len(parts[i])
    return " ".join(parts[i] for i in sorted(chosen))[: max(budget, len(parts[0]))]


def clean_summary(text: str) -> str:
    """The summary the API returns: any repetition loop cut off, then whole sentences only."""
    return whole_sentences(trim_loop(text))


@dataclass
class SummarizeTask(Task):
    """Summarization whose long articles are condensed to what a small model can summarize."""

    condense_chars: int = CONDENSE_CHARS

    def preprocess(self, runtime: Runtime, inputs: Mapping[str, object], max_new_tokens: int,
                   template: str | None = None) -> Prepared:
        """Condense a long article (with a notice saying so), then build the prompt as usual."""
        field = self.fields[0]
        raw = inputs.get(field.name, field.default)
        if not isinstance(raw, str) or len(raw) > runtime.config.max_input_chars:
            return super().preprocess(runtime, inputs, max_new_tokens, template)  # its error
        article = str(field.check(raw, runtime.config.max_input_chars))
        short = condense(article, self.condense_chars)
        kept, total = len(sentences(short)), len(sentences(article))
        if kept == total:  # short enough, or one long sentence: the window rule cuts it
            return super().preprocess(runtime, inputs, max_new_tokens, template)
        prepared = super().preprocess(runtime, {**inputs, field.name: short}, max_new_tokens,
                                      template)
        notice = Notice(f"The article is long for this model: its first sentence and the "
                        f"{kept - 1} sentences that best sum it up ({kept} of {total}, "
                        f"{len(short):,} of {len(article):,} characters) were summarized.",
                        "notice_condensed", {"picked": kept - 1, "kept": kept, "total": total,
                                             "chars": f"{len(short):,}",
                                             "all_chars": f"{len(article):,}"})
        return replace(prepared, notices=(notice, *prepared.notices))


TASK = SummarizeTask(
    name="summarize",
    doc="Summarize an article in a sentence or two.",
    title="tab_summarize",
    help="help_summarize",
    output="summary",
    fields=(Field("text", "article", "The article to summarize.", slot="article", lines=10,
                  what="article"),),
    template=TUNED_SUMMARY,
    presets={"tuned": TUNED_SUMMARY, "paper": PAPER_SUMMARY},
    required=("article",),
    trim_slot="article",
    defaults={"temperature": 0.0, "max_new_tokens": 60, "repetition_penalty": 1.0,
              "stop": ("\n",)},  # one line: the answer ends where the model starts a new one
    examples=((ARTICLE,),),
    order=20,
    # Continued as text, on an instruct model too: in a user turn SmolLM2-135M-Instruct's
    # summaries were faithful 6 times in 17 against 8 as text (test and dev; docs/models.md,
    # "Chat templates").
    chat=RAW,
    clean=clean_summary,
)
