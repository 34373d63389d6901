"""Translation on an instruct model: which way of meeting its chat template works best?

    python -m lmdemo.eval.chat_translate [--model smollm2-135m-instruct]

Three ways, greedy, the task's own French pairs, scored by character F-score (chrF, beta 2,
n-grams 1 to 6) against references written for this check:
- raw: the task's prompt as text to continue (what a base model gets);
- user: the whole prompt as one user turn, the answer in the assistant's turn;
- turns: each example pair as a user turn and an assistant turn, the text a last user turn.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import replace

from ..config import AppConfig
from ..params import make_params
from ..runtime import Runtime
from ..tasks.catalog.translate import TASK, TRANSLATION_EXAMPLES
from ..tasks.chat import RAW, USER

PAIRS = (  # English and a French reference, written for this check
    ("The weather is nice today.", "Il fait beau aujourd'hui."),
    ("I would like a cup of coffee.", "Je voudrais une tasse de café."),
    ("Where is the train station?", "Où est la gare ?"),
    ("My brother lives in Paris.", "Mon frère habite à Paris."),
    ("The children are playing in the garden.", "Les enfants jouent dans le jardin."),
    ("We are going to the beach tomorrow.", "Nous allons à la plage demain."),
    ("This book is very interesting.", "Ce livre est très intéressant."),
    ("She works in a hospital.", "Elle travaille dans un hôpital."),
    ("The shop closes at six o'clock.", "Le magasin ferme à six heures."),
    ("I do not understand the question.", "Je ne comprends pas la question."),
    ("The cat is sleeping on the bed.", "Le chat dort sur le lit."),
    ("Thank you for your help.", "Merci pour votre aide."),
)


def chrf(hypothesis: str, reference: str, n: int = 6, beta: float = 2.0) -> float:
    """Character n-gram F-score, averaged over n-gram orders 1..n."""
    scores = []
    for k in range(1, n + 1):
        hyp = Counter(hypothesis[i:i + k] for i in range(len(hypothesis) - k + 1))
        ref = Counter(reference[i:i + k] for i in range(len(reference) - k + 1))
        match = sum((hyp & ref).values())
        precision, recall = match / max(1, sum(hyp.values())), match / max(1, sum(ref.values()))
        total = beta ** 2 * precision + recall
        scores.append((1 + beta ** 2) * precision * recall / total if total else 0.0)
    return sum(scores) / n


def as_turns(tokenizer, text: str) -> str:
    """The French pairs as user and assistant turns, then ``text`` as the last user turn."""
    messages = []
    for english, french in TRANSLATION_EXAMPLES["French"]:
        messages += [{"role": "user", "content": english},
                     {"role": "assistant", "content": french}]
    messages.append({"role": "user", "content": text})
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def main() -> None:
    """Print each way's translations and its mean chrF."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m-instruct")
    args = parser.parse_args()
    runtime = Runtime(AppConfig(model=args.model))
    params = make_params(**TASK.defaults)
    try:
        for way in ("raw", "user", "turns"):
            total = 0.0
            for english, reference in PAIRS:
                if way == "turns":
                    prompt = as_turns(runtime.tokenizer, english)
                    request = runtime.backend.submit(runtime.encode(prompt), prompt, params)
                    out = str(TASK.postprocess(request.result().text))
                else:
                    task = replace(TASK, chat=RAW if way == "raw" else USER)
                    out = str(task.run(runtime, {"text": english, "target_language": "French"},
                                       params).answer())
                total += chrf(out, reference)
                print(f"{way}\t{english}\t{out}")
            print(f"{way}: mean chrF {total / len(PAIRS):.3f} over {len(PAIRS)} sentences",
                  flush=True)
    finally:
        runtime.close()


if __name__ == "__main__":
    main()
