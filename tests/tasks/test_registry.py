"""The task registry and contract: every task is one self-describing object, and the README's
worked example really adds a task (module + strings) to the service, the UI and its API."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from lmdemo.errors import InputError
from lmdemo.params import make_params
from lmdemo.tasks import TaskService, all_tasks, get_task, registry
from lmdemo.tasks.contract import CHOICE, FLAG
from lmdemo.ui.strings import EN, ZH

README = Path(__file__).resolve().parents[2] / "README.md"


def catalog_task_names() -> set[str]:
    """The names of the TASKs that the catalog's modules define, read module by module."""
    import importlib
    import pkgutil

    from lmdemo.tasks import catalog

    names = set()
    for info in pkgutil.iter_modules(catalog.__path__):
        task = getattr(importlib.import_module(f"{catalog.__name__}.{info.name}"), "TASK", None)
        if task is not None:
            names.add(task.name)
    return names


def test_every_catalog_module_is_a_task_in_tab_order():
    """Derived from the catalog, not listed by hand: a new task module joins without an edit
    here (issue 19)."""
    tasks = all_tasks()
    assert {task.name for task in tasks} == catalog_task_names()
    assert [task.order for task in tasks] == sorted(task.order for task in tasks)
    assert tasks[0].name == "generate"  # the first tab a visitor sees


def test_unknown_task_lists_the_tasks():
    with pytest.raises(InputError, match="Unknown task 'poem'. Tasks: generate, summarize"):
        get_task("poem")


@pytest.mark.parametrize("task", all_tasks(), ids=lambda task: task.name)
def test_every_task_is_complete(task):
    keys = [task.title, task.help, task.output, *(f.label for f in task.fields),
            *(f"preset_{name}" for name in task.presets)]
    for key in keys:
        assert EN.get(key) and ZH.get(key), f"{task.name}: string {key!r} missing"
    assert task.doc.strip() and all(f.help.strip() for f in task.fields)
    for template in (task.template, *task.presets.values()):
        assert all("{" + slot + "}" in template for slot in task.required)
    assert all(len(row) == len(task.inputs) for row in task.examples)
    for f in task.fields:
        assert f.kind in ("text", CHOICE, FLAG)
        assert (f.kind == CHOICE) == bool(f.choices)
    make_params(**task.defaults)  # the defaults are valid decoding settings


def test_inputs_are_checked_by_field(tiny_runtime):
    task = get_task("translate")
    values = task.values({"text": "Hi", "target_language": "german"}, 100)
    assert values["language"] == "German" and "Guten Morgen." in values["examples"]
    with pytest.raises(InputError, match="no input 'colour'; inputs: text, target_language"):
        task.values({"text": "Hi", "colour": "red"}, 100)
    with pytest.raises(InputError, match="text to translate is 101 characters"):
        task.values({"text": "x" * 101}, 100)


def test_positional_and_named_inputs_agree(tiny_runtime):
    service = TaskService(tiny_runtime)
    by_position = service.preview("answer", "Paris is in France.", "Where is Paris?",
                                  max_new_tokens=4)
    by_name = service.preview("answer", question="Where is Paris?",
                              context="Paris is in France.", max_new_tokens=4)
    assert by_position == by_name
    with pytest.raises(InputError, match="takes 3 inputs"):  # context, question, spans
        service.preview("answer", "a", "b", True, "d", max_new_tokens=4)


def test_sentiment_flag_reaches_the_scorer(tiny_runtime):
    service = TaskService(tiny_runtime)
    plain = service.run("sentiment", "Nice.", calibrate=False)
    assert plain.answer() == pytest.approx(plain.result.raw)
    calibrated = service.run("sentiment", "Nice.")
    assert calibrated.result.raw == pytest.approx(plain.result.raw)
    assert calibrated.answer() != pytest.approx(plain.result.raw)


def readme_example() -> tuple[str, dict[str, str], dict[str, str]]:
    """The worked example's module source and its strings, as the README shows them."""
    from tests.test_readme_example import readme_steps

    _, module, en_line, zh_line = readme_steps()
    en = json.loads("{" + en_line.rstrip(",") + "}")
    zh = json.loads("{" + zh_line.rstrip(",") + "}")
    return module, en, zh


@pytest.fixture
def headline_task(tmp_path, monkeypatch):
    """Install the README's example task as if its module were in lmdemo/tasks/catalog/."""
    from lmdemo.tasks import catalog

    module, en, zh = readme_example()
    assert module.startswith("# lmdemo/tasks/catalog/headline.py")
    (tmp_path / "headline.py").write_text(module, encoding="utf-8")
    monkeypatch.setattr(catalog, "__path__", [*catalog.__path__, str(tmp_path)])
    for key, value in en.items():
        monkeypatch.setitem(EN, key, value)
    for key, value in zh.items():
        monkeypatch.setitem(ZH, key, value)
    registry._tasks.cache_clear()
    yield get_task("headline")
    sys.modules.pop(f"{catalog.__name__}.headline", None)
    registry._tasks.cache_clear()


def test_readme_example_adds_a_task(headline_task, tiny_runtime):
    names = [task.name for task in all_tasks()]
    assert names.index("summarize") < names.index("headline") < names.index("answer")
    service = TaskService(tiny_runtime)
    run = service.run("headline", "The town opened a library on Saturday.",
                      params=make_params(temperature=0, max_new_tokens=4))
    assert run.prompt.endswith("Article: The town opened a library on Saturday.\nHeadline:")
    assert "\n" not in run.answer()
    test_every_task_is_complete(headline_task)


def test_readme_example_gets_a_tab_and_an_endpoint(headline_task, tiny_runtime):
    import gradio as gr

    from lmdemo.ui.status import ModelReady
    from lmdemo.ui.tabs.task_tab import build_task_tabs

    with gr.Blocks() as demo:
        with gr.Tabs():
            build_task_tabs(tiny_runtime, all_tasks(), ModelReady.create())
    api = demo.get_api_info()["named_endpoints"]
    assert [p["parameter_name"] for p in api["/headline"]["parameters"]][:2] == ["text",
                                                                                "template"]
    assert {f"/{name}" for name in catalog_task_names()} <= set(api)


def test_chinese_examples_only_for_a_model_that_reads_chinese(tiny_runtime):
    assert not tiny_runtime.reads_chinese  # GPT-2's BPE: about two tokens per character
    assert any(task.examples_zh for task in all_tasks())
    for task in all_tasks():
        assert all(len(row) == len(task.inputs) for row in task.examples_zh)


@pytest.mark.slow
def test_the_bundled_model_reads_chinese_and_answers_the_chinese_examples(bundled_loaded):
    from lmdemo.config import AppConfig
    from lmdemo.models import ModelManager
    from lmdemo.runtime import Runtime

    config = AppConfig(model="gemma-3-270m")
    # the session's bundled model, not a second copy
    manager = ModelManager(config, loader=lambda spec, cfg, reason: bundled_loaded)
    runtime = Runtime(config, manager)
    try:
        assert runtime.reads_chinese
        answers = [TaskService(runtime).run("answer", *row).answer()
                   for row in get_task("answer").examples_zh]
        assert answers == ["上海", "骑自行车"]
    finally:
        runtime.close()
