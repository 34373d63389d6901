"""Read evaluation sets: SST-2-style TSV, QA TSV and JSON-lines articles."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

PACKAGE_DATA = Path(__file__).resolve().parent / "data"  # see its README.md: where it is from
# Where each task's data lives when --data is not given: all of it inside the repository, so
# a fresh clone or a Space evaluates as it is. The QA sets are lmdemo's own: tune on the dev
# file, and score the test file once for the figure that is reported.
DEFAULT_DATA = {
    "sst2": PACKAGE_DATA / "sst2-dev.tsv",
    "qa": PACKAGE_DATA / "qa-grounded-dev.tsv",
    "summarize": PACKAGE_DATA / "articles.jsonl",
}
QA_TEST = PACKAGE_DATA / "qa-grounded-test.tsv"


@dataclass(frozen=True)
class SentimentExample:
    """A text and its label: 1 positive, 0 negative."""

    text: str
    label: int


@dataclass(frozen=True)
class QAExample:
    """A context, a question and the accepted answers (none: the text does not say)."""

    context: str
    question: str
    answers: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        """False when the context does not hold the answer (SQuAD 2.0: answer "")."""
        return bool(self.answers)


@dataclass(frozen=True)
class Article:
    """A news-style article to summarise."""

    id: str
    text: str


def _lines(path: Path) -> list[tuple[int, str]]:
    path = Path(path)
    if not path.is_file():
        raise InputError(key="err_data_missing", path=path)
    text = path.read_text(encoding="utf-8")
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def load_sst2(path: Path) -> list[SentimentExample]:
    """Rows ``text<TAB>label`` (1 = positive); a header line is skipped."""
    rows = []
    for n, line in _lines(path):
        text, _, label = line.rpartition("\t")
        label = label.strip()
        if n == 1 and label not in ("0", "1"):
            continue  # header such as "sentence<TAB>label"
        if not text.strip() or label not in ("0", "1"):
            raise InputError(key="err_data_sentiment_row", path=path, line=n, got=repr(line[:60]))
        rows.append(SentimentExample(text.strip(), int(label)))
    return rows


def load_qa(path: Path) -> list[QAExample]:
    """Rows ``context<TAB>question<TAB>answer|answer...``; a header line is skipped.

    An empty answers field marks a question the context does not answer.
    """
    rows = []
    for n, line in _lines(path):
        fields = line.split("\t")
        if n == 1 and [f.strip().lower() for f in fields] == ["context", "question", "answers"]:
            continue
        answers = tuple(a.strip() for a in fields[-1].split("|") if a.strip())
        if len(fields) != 3 or not all(f.strip() for f in fields[:2]):
            raise InputError(key="err_data_qa_row", path=path, line=n, count=len(fields))
        rows.append(QAExample(fields[0].strip(), fields[1].strip(), answers))
    return rows


def text_objects(path: Path) -> list[tuple[int, dict]]:
    """The JSON objects of a JSON-lines file, each with a non-blank ``text`` field, and their
    line numbers; a line that is not one names itself."""
    rows = []
    for n, line in _lines(path):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(key="err_data_json", path=path, line=n, reason=exc.msg) from None
        if not isinstance(item, dict) or not str(item.get("text", "")).strip():
            raise InputError(key="err_data_text_row", path=path, line=n)
        rows.append((n, item))
    return rows


def load_articles(path: Path) -> list[Article]:
    """JSON lines with a ``text`` field (and optionally ``id``)."""
    return [Article(str(item.get("id", n)), str(item["text"]).strip())
            for n, item in text_objects(path)]


LOADERS = {"sst2": load_sst2, "qa": load_qa, "summarize": load_articles}
