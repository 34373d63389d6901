"""Question answering from a given text: worked examples, then the text and the question."""

from __future__ import annotations

from ..contract import Field, Task
from ..postprocess import short_answer

# The GPT-2 paper's zero-shot prompt, kept as a preset so the tab and `python -m lmdemo eval
# qa --preset paper` can show what the tuned few-shot prompt adds.
PAPER_QA = "{context}\n\nQ: {question}\nA:"

# Few-shot extractive QA: each example answers with the shortest span of its text, so the
# model copies a short span too instead of answering in a full sentence. The examples are
# lmdemo's own, not from any evaluation set.
QA_EXAMPLES = (
    ("The library on King Street opened in 1955 and now holds 20,000 books. It was founded by "
     "the teacher Clara Bent.", "Who founded the library?", "Clara Bent"),
    ("Jonas grew up in Lyon, where his parents ran a bakery. He moved to Berlin when he was 19.",
     "Where did Jonas grow up?", "Lyon"),
    ("The old lighthouse is 28 metres tall and was painted white in 2010.",
     "How tall is the lighthouse?", "28 metres"),
    ("Tomatoes need plenty of sun and water. Most gardeners plant them in late spring.",
     "When do most gardeners plant tomatoes?", "late spring"),
)

TUNED_QA = "".join(f"Text: {context}\nQuestion: {question}\nAnswer: {answer}\n\n"
                   for context, question, answer in QA_EXAMPLES) + (
    "Text: {context}\nQuestion: {question}\nAnswer:")

# An example text written for lmdemo.
CONTEXT = (
    "The Amazon River flows through Brazil, Peru and Colombia before reaching the Atlantic "
    "Ocean. It carries more water than any other river in the world, and its basin covers "
    "about seven million square kilometres. The first European to travel its length was "
    "Francisco de Orellana, in 1542."
)

CONTEXT_ZH = "小明住在上海，他每天骑自行车去学校。他最喜欢的科目是数学。"

TASK = Task(
    name="answer",
    doc="Answer a question from a given text with a short span of it.",
    title="tab_answer",
    help="help_answer",
    output="answer",
    fields=(Field("context", "context", "The text that holds the answer.", lines=8),
            Field("question", "question", "The question to answer from the context.",
                  lines=1)),
    template=TUNED_QA,
    presets={"tuned": TUNED_QA, "paper": PAPER_QA},
    required=("context", "question"),
    trim_slot="context",
    defaults={"temperature": 0.0, "max_new_tokens": 24, "repetition_penalty": 1.0,
              "stop": ("\n",)},  # one line: the answer ends where the model starts a new one
    examples=((CONTEXT, "Who was the first European to travel the length of the Amazon?"),
              (CONTEXT, "Which ocean does the Amazon flow into?")),
    # Checked on the bundled Gemma: "上海" and "骑自行车" (greedy, the tuned prompt).
    examples_zh=((CONTEXT_ZH, "小明住在哪里？"), (CONTEXT_ZH, "小明怎么去学校？")),
    order=30,
    clean=short_answer,
)
