"""Plain-language explanations shown next to each inspection view, keyed by view name."""

from __future__ import annotations

EXPLANATIONS: dict[str, str] = {
    "tokenizer": (
        "A language model does not read letters or whole words: it reads tokens, pieces of "
        "text from a fixed vocabulary of tens of thousands of entries. Common words are one "
        "token, rare words are cut into several, and a Chinese character or an emoji may even "
        "be split into bytes spread over several tokens. The context window, the most text "
        "the model can look at at once, is counted in tokens, not in words."
    ),
    "next_token": (
        "Given the text so far, the model gives every token in its vocabulary a score, which "
        "becomes a probability: how likely that token is to come next. Temperature sharpens "
        "(low) or flattens (high) these odds; top-k keeps only the k most likely tokens and "
        "top-p keeps the smallest group whose probabilities add up to p. Entropy measures how "
        "unsure the model is: 0 bits means it is certain."
    ),
    "generation": (
        "Text is generated one token at a time: the model computes the odds for the next "
        "token, one is drawn, it is added to the text, and the process repeats. Each token "
        "is coloured by the probability it had when it was chosen, and the alternatives show "
        "what else the model was considering at that step."
    ),
    "attention": (
        "Attention is how a token gathers information from the tokens before it. Each row of "
        "the map is one token, and its colours show how much it looks at each earlier token "
        "(each row adds up to 1). A model has many layers, each with several heads that learn "
        "different patterns; attention shows where information flows, not why the model "
        "decided something."
    ),
    "embeddings": (
        "Before any processing, each token is turned into a long list of numbers, its "
        "embedding. Tokens used in similar ways end up with similar embeddings, so the nearest "
        "neighbours of a word are often related words. The 2-D map squeezes these hundreds "
        "of dimensions into two, so distances on it are only a rough picture."
    ),
    "bias": (
        "Here the same sentence is completed with one word swapped, for example a name or a "
        "job. If the most likely continuations change, the model has picked up an association "
        "from its training text. This shows patterns in the data the model learned from, not "
        "facts about people."
    ),
}
