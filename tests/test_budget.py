import pytest

from lmdemo.engine.budget import fit_budget


@pytest.mark.parametrize(
    ("n_prompt", "max_new", "window", "kept", "new"),
    [(10, 5, 20, 10, 5), (30, 5, 20, 15, 5), (3, 50, 20, 3, 10), (100, 19, 20, 1, 19)],
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
