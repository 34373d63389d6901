"""The generative tasks: free generation, TL;DR summaries, Q&A and few-shot translation."""

from __future__ import annotations

from .base import TextTask
from .postprocess import first_line, short_answer, whole_sentences

GENERATE = TextTask(
    name="generate",
    template="{text}",
    required=("text",),
    defaults={"temperature": 0.8, "top_k": 50, "top_p": 0.95, "max_new_tokens": 80,
              "repetition_penalty": 1.1},
)

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
PAPER_QA = "{context}\n\nQ: {question}\nA:"

TUNED_SUMMARY = "".join(f"Article: {article}\nSummary: {summary}\n\n"
                        for article, summary in SUMMARY_EXAMPLES) + "Article: {article}\nSummary:"

SUMMARIZE = TextTask(
    name="summarize",
    template=TUNED_SUMMARY,
    presets={"tuned": TUNED_SUMMARY, "paper": PAPER_SUMMARY},
    required=("article",),
    trim_slot="article",
    defaults={"temperature": 0.0, "max_new_tokens": 60, "repetition_penalty": 1.0},
    stop=("\n",),
    postprocess=whole_sentences,
)

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

QA = TextTask(
    name="answer",
    template=TUNED_QA,
    presets={"tuned": TUNED_QA, "paper": PAPER_QA},
    required=("context", "question"),
    trim_slot="context",
    defaults={"temperature": 0.0, "max_new_tokens": 24, "repetition_penalty": 1.0},
    stop=("\n",),
    postprocess=short_answer,
)

# Few-shot pairs, "english = target", one per line, as in the GPT-2 paper; the model
# continues the last line after "=".
TRANSLATION_EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "French": (("Good morning.", "Bonjour."), ("Where is the station?", "Où est la gare ?"),
               ("I like reading books.", "J'aime lire des livres.")),
    "German": (("Good morning.", "Guten Morgen."), ("Where is the station?", "Wo ist der Bahnhof?"),
               ("I like reading books.", "Ich lese gern Bücher.")),
    "Spanish": (("Good morning.", "Buenos días."), ("Where is the station?",
                "¿Dónde está la estación?"), ("I like reading books.", "Me gusta leer libros.")),
    "Chinese": (("Good morning.", "早上好。"), ("Where is the station?", "车站在哪里？"),
                ("I like reading books.", "我喜欢读书。")),
    "Italian": (("Good morning.", "Buongiorno."), ("Where is the station?",
                "Dov'è la stazione?"), ("I like reading books.", "Mi piace leggere libri.")),
    "Portuguese": (("Good morning.", "Bom dia."), ("Where is the station?",
                   "Onde fica a estação?"), ("I like reading books.", "Eu gosto de ler livros.")),
    "Japanese": (("Good morning.", "おはようございます。"), ("Where is the station?",
                 "駅はどこですか？"), ("I like reading books.", "私は本を読むのが好きです。")),
}
LANGUAGES = tuple(TRANSLATION_EXAMPLES)

TRANSLATE = TextTask(
    name="translate",
    template="English = {language}\n{examples}\n{text} =",
    required=("examples", "text"),
    defaults={"temperature": 0.0, "max_new_tokens": 60, "repetition_penalty": 1.0},
    stop=("\n",),
    postprocess=first_line,
)


def translation_examples(language: str) -> str:
    """The few-shot block for one target language."""
    return "\n".join(f"{en} = {tgt}" for en, tgt in TRANSLATION_EXAMPLES[language])


TASKS = {task.name: task for task in (GENERATE, SUMMARIZE, QA, TRANSLATE)}
