"""``python -m lmdemo eval summary-ablations``: each variant runs a copy of the summarize
task with its own settings; the shared task and the module constant stay as shipped."""

from __future__ import annotations

import json

import pytest

from lmdemo.__main__ import main
from lmdemo.errors import InputError
from lmdemo.eval.summary_ablations import pick_variants
from lmdemo.tasks import get_task
from lmdemo.tasks.catalog import summarize

LONG = " ".join(f"The council met on day {n} and voted on plan {n} for the river park."
                for n in range(40))  # about 2,800 characters: a long article


@pytest.fixture
def articles(tmp_path):
    path = tmp_path / "s.jsonl"
    rows = [{"id": "short", "split": "dev", "text": "The bridge opened on Monday. It cost "
             "two million dollars."}, {"id": "long", "split": "test", "text": LONG}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_variants_are_checked_before_any_model_loads():
    assert pick_variants("whole, paper-condensed") == ["whole", "paper-condensed"]
    with pytest.raises(InputError, match="Unknown variant 'half'; variants: condensed, whole"):
        pick_variants("whole,half")


def test_each_variant_reaches_its_own_copy_of_the_task(articles, tiny_model_dir, tmp_path,
                                                       capsys):
    before = (summarize.CONDENSE_CHARS, get_task("summarize").condense_chars)
    out_json = tmp_path / "ablations.json"
    assert main(["eval", "summary-ablations", "--data", str(articles), "--only", "long",
                 "--variants", "whole,condensed", "--model", str(tiny_model_dir),
                 "--no-progress", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "whole (sent whole): 1 articles" in out
    assert f"condensed (condensed above {summarize.CONDENSE_CHARS} characters): 1 articles" in out
    assert "test long faithful" in out and "old clean" in out
    saved = json.loads(out_json.read_text())
    assert list(saved) == ["whole", "condensed"]
    # only the condensed variant condensed the long article first
    notices = {name: saved[name]["result"]["records"][0]["notice"] for name in saved}
    assert "best sum it up" in notices["condensed"]
    assert "best sum it up" not in notices["whole"]
    assert (summarize.CONDENSE_CHARS, get_task("summarize").condense_chars) == before


def test_an_unknown_variant_exits_2(capsys):
    assert main(["eval", "summary-ablations", "--variants", "bogus"]) == 2
    assert "Unknown variant 'bogus'" in capsys.readouterr().err
