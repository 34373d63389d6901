from lmdemo.engine.text import TextTracker


class CharTokenizer:
    """Token id = one byte of UTF-8; decoding shows broken characters as U+FFFD."""

    def decode(self, ids, skip_special_tokens=True):
        return bytes(ids).decode("utf-8", errors="replace")


def feed(text, stop=()):
    tracker = TextTracker(CharTokenizer(), stop)
    deltas = []
    for b in text.encode():
        deltas.append(tracker.add(b))
        if tracker.stopped:
            break
    deltas.append(tracker.finish())
    return tracker, deltas


def test_multibyte_characters_are_never_split():
    tracker, deltas = feed("你好 🍕")
    assert "".join(deltas) == "你好 🍕"
    assert all("\ufffd" not in d for d in deltas)


def test_stop_sequence_cuts_and_is_never_shown():
    tracker, deltas = feed("Answer: yes\nQ: next", stop=("\nQ:",))
    assert tracker.stopped
    assert "".join(deltas) == "Answer: yes"


def test_partial_stop_prefix_is_held_then_released():
    tracker, deltas = feed("a\nb", stop=("\nQ:",))
    assert not tracker.stopped
    assert deltas[1] == ""  # "\n" could start the stop sequence
    assert "".join(deltas) == "a\nb"
