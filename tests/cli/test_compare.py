"""``python -m lmdemo compare TEXT --models a,b`` on a tiny GPT-2 and a tiny Llama."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from lmdemo.__main__ import main
from lmdemo.inspection.compare import compare
from lmdemo.params import make_params

PROMPT = "你好，世界！The cat"
DECODING = ["--temperature", "0.9", "--top-k", "40", "--max-new-tokens", "8", "--seed", "5"]


@pytest.fixture(scope="module")
def model_args(pair_config, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The flags that offer the two tiny models."""
    return ["--models", ",".join(pair_config.models), "--quantize", "none",
            "--cache-dir", str(tmp_path_factory.mktemp("cli-compare")), "--no-progress"]


@pytest.fixture(scope="module")
def want(pair_shelf) -> dict:
    """The core's comparison with the same settings."""
    names = pair_shelf.names
    params = make_params(temperature=0.9, top_k=40, max_new_tokens=8, seed=5, top_p=0.95,
                         repetition_penalty=1.1)  # the generate task's, as the options give
    return compare([pair_shelf.runtime(name) for name in names], names, PROMPT, params)


def test_json_is_the_cores_comparison(capsys, model_args, want):
    assert main(["compare", PROMPT, *DECODING, *model_args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == want


def test_text_shows_both_tokenizations_tables_and_answers(capsys, model_args, want,
                                                          monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(PROMPT))
    assert main(["compare", "-", *DECODING, *model_args]) == 0
    out = capsys.readouterr().out
    assert out.endswith("\n")  # one newline after the last answer
    second = f"\n\n== {want['models'][1]['model']}\n"  # an answer may hold blank lines
    assert out.startswith(f"== {want['models'][0]['model']}\n") and out.count(second) == 1
    sections = out[:-1].split(second)
    for section, side in zip(sections, want["models"], strict=True):
        tokens = " | ".join(tok["display"] for tok in side["tokens"])
        assert f"tokens ({side['token_count']}): {tokens}\n" in section
        table = section.split("next tokens:\n")[1].split("\nprompt sent")[0].split("\n")
        assert [line.split()[0] for line in table] == [
            json.dumps(c["token"], ensure_ascii=False).split()[0] for c in side["next_tokens"]]
        assert section.endswith(f"output:\n{side['output']}")


def test_one_model_is_a_clear_error(capsys, tiny_model_dir: Path):
    assert main(["compare", PROMPT, "--model", str(tiny_model_dir), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: A comparison needs two models") and "--models A,B" in err


@pytest.mark.parametrize(("second", "says"), [
    ("no-such-model-here", "no-such-model-here"),  # no model of that name
    ("SAME", "more than once"),  # the same one twice
])
def test_a_wrong_pair_says_what_is_wrong(capsys, model_args, second, says):
    args = list(model_args)
    first = args[1].split(",")[0]
    args[1] = f"{first},{first if second == 'SAME' else second}"
    assert main(["compare", PROMPT, *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and says in err


def test_help_lists_compare(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "compare" in capsys.readouterr().out
