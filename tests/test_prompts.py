import pytest

from lmdemo.errors import InputError
from lmdemo.tasks.postprocess import first_line, short_answer, whole_sentences
from lmdemo.tasks.prompts import check_text, placeholders, render


@pytest.mark.parametrize(
    ("template", "values", "expected"),
    [
        ("{article}\n\nTL;DR:", {"article": "A b."}, "A b.\n\nTL;DR:"),
        ("{context}\n\nQ: {question}\nA:", {"context": "C", "question": "Q?"}, "C\n\nQ: Q?\nA:"),
        ("{{literal}} {text}", {"text": "x"}, "{literal} x"),
    ],
)
def test_render(template, values, expected):
    assert render(template, tuple(values), **values) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{text} {oops}", "uses {oops}, which this task does not provide"),
        ("no slot at all", "must contain {text}"),
        ("{text", "malformed"),
    ],
)
def test_bad_templates_say_what_is_wrong(template, message):
    with pytest.raises(InputError, match=message):
        render(template, ("text",), text="hi")


def test_placeholders():
    assert placeholders("{a} {{b}} {c}") == {"a", "c"}


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "is empty"), ("   \n", "is empty"), (None, "is empty"), ("x" * 11, "limit is 10")],
)
def test_check_text(value, message):
    with pytest.raises(InputError, match=message):
        check_text(value, "article", max_chars=10)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" It rained. The match was off. And then", "It rained. The match was off."),
        ("No full stop here", "No full stop here"),
        ('He said "yes." Then', 'He said "yes."'),
        ("价格上涨了。然后", "价格上涨了。"),
    ],
)
def test_whole_sentences(raw, expected):
    assert whole_sentences(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" Paris\nQ: next", "Paris"), (" 1542.", "1542"), (" Dr. Who", "Dr. Who")],
)
def test_answers_and_lines(raw, expected):
    assert short_answer(raw) == expected
    assert first_line(" a\nb") == "a"
