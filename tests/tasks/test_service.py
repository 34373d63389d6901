import math

import pytest

from lmdemo.errors import InputError
from lmdemo.params import make_params
from lmdemo.runtime import Runtime
from lmdemo.tasks import TaskService, get_task


@pytest.fixture(scope="module")
def service(tiny_config):
    svc = TaskService(Runtime(tiny_config.with_overrides(max_input_chars=5000)))
    yield svc
    svc.close()


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        ("generate", ("  ",), "prompt is empty"),
        ("summarize", ("x" * 5001,), "limit is 5,000"),
        ("answer", ("Some context.", ""), "question is empty"),
        ("answer", ("", "Why?"), "context is empty"),
        ("translate", ("Hello", "Klingon"), "Unknown target language 'Klingon'.*French"),
    ],
)
def test_bad_input_gets_a_clear_message(service, kind, raw, message):
    with pytest.raises(InputError, match=message):
        service.run(kind, *raw, params=make_params())


def test_language_names_are_case_insensitive(service):
    prompt, _ = service.preview("translate", "Hello.", "chinese", max_new_tokens=10)
    assert "Good morning. = 早上好。" in prompt
    assert prompt.endswith("Hello. =")


def test_preview_is_the_prompt_that_runs(service):
    run = service.run("answer", "Paris is in France.", "Where is Paris?",
                      params=make_params(temperature=0, max_new_tokens=5))
    prompt, _ = service.preview("answer", "Paris is in France.", "Where is Paris?",
                                max_new_tokens=5)
    assert run.prompt == prompt
    assert prompt.endswith("Text: Paris is in France.\nQuestion: Where is Paris?\nAnswer:")
    assert "\n" not in run.answer()


@pytest.mark.parametrize("preset", ["tuned", "paper"])
def test_long_article_is_trimmed_not_the_cue(service, preset):
    article = "The council met today and " * 180  # one sentence: not condensed, but cut
    template = get_task("summarize").preset(preset)
    run = service.run("summarize", article, params=make_params(max_new_tokens=20),
                      template=template)
    assert run.prompt.endswith(template.rsplit("{article}", 1)[1])
    assert run.prompt.count("The council met today") < 200
    assert "article was cut" in run.notice
    assert len(service.runtime.encode(run.prompt)) + 20 <= service.runtime.context_window
    run.answer()


def test_edited_template_is_used(service):
    run = service.run("generate", "cats", params=make_params(max_new_tokens=3),
                      template="A poem about {text}:")
    assert run.prompt == "A poem about cats:"
    run.answer()


def test_stream_yields_growing_text_then_the_clean_answer(service):
    run = service.run("summarize", "It rained. The game was cancelled.",
                      params=make_params(temperature=0, max_new_tokens=12))
    values = list(run.stream())
    assert values[-1] == run.postprocess(values[-2] if len(values) > 1 else "")


def test_sentiment_probabilities(service):
    result = service.sentiment("A wonderful film.")
    for probs in (result.raw, result.calibrated):
        assert set(probs) == {"positive", "negative"}
        assert math.isclose(sum(probs.values()), 1.0, rel_tol=1e-5)
    assert result.prompt.endswith("Review: A wonderful film.\nSentiment:")
    assert result.label in ("positive", "negative")
    uncalibrated = service.sentiment("A wonderful film.", calibrate=False)
    assert uncalibrated.calibrated == pytest.approx(uncalibrated.raw)


def test_paper_presets_are_the_gpt2_prompts(service):
    prompt, _ = service.preview("answer", "Paris is in France.", "Where is Paris?",
                                max_new_tokens=5, template=get_task("answer").preset("paper"))
    assert prompt == "Paris is in France.\n\nQ: Where is Paris?\nA:"
    assert get_task("summarize").preset("paper") == "{article}\n\nTL;DR:"
    with pytest.raises(InputError, match="no prompt preset 'fancy'; presets: tuned, paper"):
        get_task("summarize").preset("fancy")


def test_template_too_long_for_the_window_is_explained(service):
    template = "word " * 600 + "{article}"
    with pytest.raises(InputError, match="template alone takes about"):
        service.run("summarize", "An article.", params=make_params(), template=template)
