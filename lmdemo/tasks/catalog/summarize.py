"""Summarization: worked examples, then the article and "Summary:" (or the paper's TL;DR:)."""

from __future__ import annotations

from ..contract import Field, Task
from ..postprocess import whole_sentences

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
TASK = Task(
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
    clean=whole_sentences,
)
