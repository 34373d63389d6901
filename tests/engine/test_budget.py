import pytest

from lmdemo.engine.budget import fit_budget, prompt_room
from lmdemo.params import make_params
from lmdemo.tasks.catalog.summarize import SUMMARY_EXAMPLES
from lmdemo.tasks.catalog.translate import TRANSLATION_EXAMPLES
from tests.conftest import gpt2_tokenizer_folder


@pytest.mark.parametrize(
    ("n_prompt", "max_new", "window", "kept", "new"),
    [(10, 5, 20, 10, 5), (30, 5, 20, 15, 5), (3, 50, 20, 3, 17), (100, 19, 20, 10, 10),
     (600, 1000, 1024, 512, 512), (300, 1000, 1024, 300, 724), (20, 1000, 1024, 20, 1000)],
)
def test_prompt_plus_new_tokens_fit_the_window(n_prompt, max_new, window, kept, new):
    budget = fit_budget(list(range(n_prompt)), max_new, window)
    assert len(budget.prompt_ids) == kept
    assert budget.max_new_tokens == new
    assert len(budget.prompt_ids) + budget.max_new_tokens <= window
    assert budget.prompt_ids == list(range(n_prompt))[-kept:]
    assert bool(budget.notice) == (kept < n_prompt or new < max_new)


def test_bos_is_kept_when_cutting():
    budget = fit_budget([2, *range(10, 40)], 10, 20, keep_first=2)
    assert budget.prompt_ids[0] == 2
    assert budget.prompt_ids[1:] == list(range(31, 40))
    assert "first 21 tokens were cut" in budget.notice


def test_budget_notices_read_the_same_from_the_string_table_in_both_languages():
    from lmdemo.ui.i18n import say

    budget = fit_budget(list(range(100)), 2000, 64)
    assert [n.key for n in budget.notices] == ["notice_max_new_lowered", "notice_input_cut"]
    for notice in budget.notices:
        assert say(notice.key, "en", **notice.fields) == notice.text
        chinese = say(notice.key, "zh-CN", **notice.fields)
        assert "词元" in chinese and "token" not in chinese


@pytest.mark.parametrize(("max_new", "window", "room"),
                         [(1000, 1024, 512), (100, 1024, 924), (0, 1024, 1024), (5, 1, 0)])
def test_the_prompt_always_gets_at_least_half_the_window(max_new, window, room):
    assert prompt_room(max_new, window) == room


# ---- one rule for tasks and the engine: a 1024-token GPT-2 asked for 1000 new tokens -------
@pytest.fixture(scope="module")
def wide_runtime(tmp_path_factory):
    """A runtime on a tiny random GPT-2 with GPT-2's own 1024-token window."""
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    from lmdemo.config import AppConfig
    from lmdemo.runtime import Runtime

    folder = tmp_path_factory.mktemp("wide")
    tokenizer = GPT2TokenizerFast.from_pretrained(gpt2_tokenizer_folder(folder / "bpe"))
    model = GPT2LMHeadModel(GPT2Config(n_layer=1, n_head=2, n_embd=16, n_positions=1024,
                                       vocab_size=len(tokenizer)))
    model.save_pretrained(folder / "gpt2-1024")
    tokenizer.save_pretrained(folder / "gpt2-1024")
    runtime = Runtime(AppConfig(model=str(folder / "gpt2-1024"), quantize="none",
                                cache_dir=folder / "cache"))
    assert runtime.context_window == 1024
    yield runtime
    runtime.close()


def _sent_exactly(runtime, run) -> None:
    """The engine runs the prompt the task shows, cut by no one after the task."""
    assert run.request.prompt_ids == runtime.encode(run.prompt)
    assert len(run.request.prompt_ids) + run.request.max_new_tokens <= runtime.context_window
    assert "notice_input_cut" not in [n.key for n in run.request.notices]
    run.request.cancel()


# one long sentence: the summarize task's condensing (which picks whole sentences) leaves it
# whole, so what is tested is the fit to the window
ARTICLE = " ".join(f"part {i} of a long report on the harbour works" for i in range(200)) + "."


def test_summarize_keeps_its_examples_and_shortens_the_article(wide_runtime):
    from lmdemo.tasks.service import TaskService

    svc = TaskService(wide_runtime)
    params = make_params(temperature=0.0, max_new_tokens=1000)
    run = svc.run("summarize", ARTICLE, params=params)
    _sent_exactly(wide_runtime, run)
    for article, summary in SUMMARY_EXAMPLES:  # both few-shot examples reach the model
        assert f"Article: {article}\nSummary: {summary}" in run.prompt
    assert run.prompt.endswith("\nSummary:")
    keys = [n.key for n in run.notices]
    assert keys == ["notice_cut", "notice_max_new_lowered"]
    assert len(run.request.prompt_ids) <= 512 and run.request.max_new_tokens >= 512
    preview, notice = svc.preview("summarize", ARTICLE, max_new_tokens=1000)
    assert preview == run.prompt and "article was cut" in notice


def test_translate_keeps_its_example_pairs(wide_runtime):
    from lmdemo.tasks.service import TaskService

    run = TaskService(wide_runtime).run("translate", ARTICLE, "German",
                                        params=make_params(max_new_tokens=1000))
    _sent_exactly(wide_runtime, run)
    assert run.prompt.startswith("English = German\n")
    assert all(f"{en} = {de}" in run.prompt for en, de in TRANSLATION_EXAMPLES["German"])


def test_generate_is_cut_from_the_left_by_the_task_and_shows_it(wide_runtime):
    from lmdemo.tasks.service import TaskService

    run = TaskService(wide_runtime).run("generate", ARTICLE,
                                        params=make_params(max_new_tokens=1000))
    _sent_exactly(wide_runtime, run)
    assert ARTICLE.endswith(run.prompt) and len(run.prompt) < len(ARTICLE)
    assert [n.key for n in run.notices] == ["notice_input_cut", "notice_max_new_lowered"]
