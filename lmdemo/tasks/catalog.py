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

# The GPT-2 paper's zero-shot summarisation prompt: the article, then "TL;DR:".
SUMMARIZE = TextTask(
    name="summarize",
    template="{article}\n\nTL;DR:",
    required=("article",),
    trim_slot="article",
    defaults={"temperature": 0.0, "max_new_tokens": 80, "repetition_penalty": 1.2},
    stop=("\n\n",),
    postprocess=whole_sentences,
)

QA = TextTask(
    name="answer",
    template="{context}\n\nQ: {question}\nA:",
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
