import pytest

from lmdemo.errors import InputError, ParamError
from lmdemo.params import MAX_STOP_SEQUENCES, TEMPERATURE, make_params, parse_stop


def test_defaults_are_valid():
    params = make_params()
    assert params.temperature == TEMPERATURE.default
    assert not params.greedy


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("temperature", -0.1, "Temperature must be between 0 and 2; got -0.1"),
        ("temperature", "hot", "Temperature must be a number"),
        ("temperature", float("nan"), "Temperature must be between"),
        ("top_k", 2.5, "Top-k must be a whole number"),
        ("top_k", 501, "Top-k must be between 0 and 500"),
        ("top_p", 0.0, "Top-p must be between 0.01 and 1"),
        ("max_new_tokens", 0, "Max new tokens must be between 1 and 1024"),
        ("repetition_penalty", 0.5, "Repetition penalty must be between 1 and 3"),
        ("seed", -1, "Seed must be between 0 and"),
        ("seed", True, "Seed must be a number"),
    ],
)
def test_out_of_range_values_name_field_and_range(field, value, message):
    with pytest.raises(ParamError, match=message) as info:
        make_params(**{field: value})
    assert info.value.field == field


def test_numbers_from_ui_strings_are_accepted():
    params = make_params(temperature="0", top_k=40.0, seed=7.0)
    assert params.greedy and params.top_k == 40 and params.seed == 7


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ()),
        ("", ()),
        ("END\n###", ("END", "###")),
        ("\\n\\n", ("\n\n",)),
        (["a", "a", "b"], ("a", "b")),
    ],
)
def test_parse_stop(raw, expected):
    assert parse_stop(raw) == expected


def test_too_many_stop_sequences():
    with pytest.raises(ParamError, match=f"At most {MAX_STOP_SEQUENCES}"):
        parse_stop([str(i) for i in range(MAX_STOP_SEQUENCES + 1)])


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [("temperature", 1e308, "got 1e+308."), ("seed", -1e308, "got -1e+308."),
     ("seed", 10**400, "got about 1e+400."), ("max_new_tokens", 1e20, "got 1e+20."),
     ("temperature", "9" * 500, "got inf."), ("top_p", float("inf"), "got inf."),
     ("temperature", "x" * 1000, "got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…")],
)
def test_huge_values_are_shown_compactly(field, value, shown):
    with pytest.raises(ParamError) as caught:
        make_params(**{field: value})
    assert shown in str(caught.value)
    assert len(str(caught.value)) < 120


@pytest.mark.parametrize(
    ("stop", "message"),
    [(12345, "Stop sequences must be text; got 12345."),
     (["a", 5], "Stop sequences must be text; got 5."),
     ("x\n" * 100_000, "The stop sequences take 200,000 characters or items; at most 2,048."),
     (["a"] * 10_000, "The stop sequences take 10,000 characters or items; at most 2,048."),
     ("end\n\ud800", "The stop sequence contains a broken character (U+D800, half of a UTF-16 "
      "pair) at position 1. Delete it, or copy the text again from its source.")],
)
def test_stop_input_that_is_not_text_or_is_huge_is_refused(stop, message):
    with pytest.raises(InputError) as caught:
        parse_stop(stop)
    assert str(caught.value) == message
