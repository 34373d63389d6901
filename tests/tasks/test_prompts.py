import pytest

from lmdemo.errors import InputError
from lmdemo.tasks.postprocess import first_line, short_answer, whole_sentences
from lmdemo.tasks.prompts import check_template, check_text, placeholders, render


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
        ("{text", "opens a slot it never closes"),
        ("text}", "at character 5 that closes no slot"),
    ],
)
def test_bad_templates_say_what_is_wrong(template, message):
    with pytest.raises(InputError, match=message):
        render(template, ("text",), text="hi")


@pytest.mark.parametrize(
    ("template", "slot", "extra"),
    [
        ("{text:x>100000}", "text", "a format spec"),
        ("[{text:>{text.__class__.__basicsize__}}]", "text", "a format spec"),
        ("{text:{text.__class__.__mro__}}", "text", "a format spec"),
        ("{text:{text}}", "text", "a format spec"),
        ("{text:d}", "text", "a format spec"),
        ("{text!r}", "text", "a conversion"),
        ("{text[0]}", "text", "an index"),
        ("{text.upper}", "text", "an attribute"),
    ],
)
def test_slots_are_plain_names_only(template, slot, extra):
    with pytest.raises(InputError) as caught:
        render(template, ("text",), text="hi")
    assert caught.value.key == "err_template_slot_extra"
    assert caught.value.fields["slot"] == slot
    assert f"has {extra} after its name" in str(caught.value)
    assert f"write {{{slot}}}." in str(caught.value)


@pytest.mark.parametrize("template", ["{}", "{0}", "{ text }", "{a-b}"])
def test_a_slot_must_be_a_name(template):
    with pytest.raises(InputError, match="that is not a name") as caught:
        render(template, ("text",), text="hi")
    assert caught.value.key == "err_template_slot_name"


@pytest.mark.parametrize(
    "template", ["{text", "text}", "{text:d}", "{}", "{{ {text:x} }}", "}{text}{", "{oops}"])
def test_template_messages_never_show_a_doubled_brace(template):
    with pytest.raises(InputError) as caught:
        render(template, ("text",), text="hi")
    assert "{{" not in str(caught.value) and "}}" not in str(caught.value)


def test_values_are_inserted_as_they_are_never_formatted():
    # braces and format syntax inside a value are the visitor's text, not slots
    assert render("<{text}>", ("text",), text="{text:>99} {0} }{") == "<{text:>99} {0} }{>"


def test_a_template_over_the_input_cap_is_refused_before_it_is_parsed():
    with pytest.raises(InputError, match="200,000 characters long; the limit is 20,000") as caught:
        check_template("{text}" + "x" * 199_994, 20_000)
    assert caught.value.key == "err_too_long"
    with pytest.raises(InputError, match="must be text; got a number"):
        check_template(12, 20_000)


def test_placeholders():
    assert placeholders("{a} {{b}} {c}") == {"a", "c"}


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "is empty"), ("   \n", "is empty"), (None, "is empty"), ("x" * 11, "limit is 10"),
     (5, "must be text; got a number"), (["a"], "must be text; got a list"),
     ({"a": 1}, "must be text; got an object"), (True, "must be text; got true/false"),
     ("ok\ud800", "contains a broken character \\(U\\+D800, half of a UTF-16 pair\\) at "
      "position 3")],
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
