"""Example inputs shown under each tab (original texts written for lmdemo)."""

from __future__ import annotations

ARTICLE = (
    "The town of Millbrook opened its first public library on Saturday after a three-year "
    "campaign by local parents. The building, a former post office on Main Street, was "
    "renovated at a cost of 2.4 million dollars, most of it raised through donations. "
    "Librarian Maria Lopez said more than 600 people signed up for library cards on the first "
    "day. The library will be open six days a week and offers free homework help for "
    "children every afternoon. Mayor Tom Reed called the opening the best day the town has "
    "had in years."
)
CONTEXT = (
    "The Amazon River flows through Brazil, Peru and Colombia before reaching the Atlantic "
    "Ocean. It carries more water than any other river in the world, and its basin covers "
    "about seven million square kilometres. The first European to travel its length was "
    "Francisco de Orellana, in 1542."
)

GENERATE = (
    ["In a shocking finding, scientists discovered a herd of unicorns living in a remote valley"],
    ["The best way to learn a new language is"],
    ["def fibonacci(n):"],
)
SUMMARIZE = ([ARTICLE],)
ANSWER = (
    [CONTEXT, "Who was the first European to travel the length of the Amazon?"],
    [CONTEXT, "Which ocean does the Amazon flow into?"],
)
TRANSLATE = (
    ["The weather is beautiful today.", "French"],
    ["Where can I buy a train ticket?", "German"],
    ["I would like a cup of coffee, please.", "Spanish"],
    ["The library opens at nine o'clock.", "Chinese"],
)
SENTIMENT = (
    ["A warm, funny and beautifully acted film."],
    ["The plot is a mess and the jokes fall flat."],
    ["It was not as bad as I expected."],
)
