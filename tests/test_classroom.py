"""The rules of a class that students follow (lmdemo/classroom.py)."""

from __future__ import annotations

import hmac

import pytest

from lmdemo import classroom
from lmdemo.classroom import CODE_ALPHABET, CODE_LENGTH, LIFETIME_S, Classroom
from lmdemo.errors import ClassError


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def room(clock: Clock) -> Classroom:
    return Classroom(clock=clock)


def error_key(call) -> str:
    with pytest.raises(ClassError) as caught:
        call()
    return caught.value.key


def test_a_class_has_a_short_readable_code_and_a_long_secret(room: Classroom) -> None:
    lesson = room.open()
    assert len(lesson.code) == CODE_LENGTH and set(lesson.code) <= set(CODE_ALPHABET)
    assert len(lesson.secret) >= 20
    assert lesson.secret not in repr(lesson)
    assert room.open().code != lesson.code


def test_codes_are_found_in_any_case_with_spaces(room: Classroom) -> None:
    lesson = room.open()
    spaced = " ".join(lesson.code.lower())
    assert room.find(spaced) is lesson


@pytest.mark.parametrize("code", ["", "NOSUCH", "x" * 500, "<b>hi</b>"])
def test_an_unknown_code_is_a_clear_error(room: Classroom, code: str) -> None:
    room.open()
    with pytest.raises(ClassError) as caught:
        room.find(code)
    assert caught.value.key == "class_unknown"
    assert len(caught.value.fields["code"]) <= 20


def test_only_the_secret_drives(room: Classroom) -> None:
    lesson = room.open()
    for wrong in ("", lesson.code, lesson.secret[:-1], lesson.secret + "x", "秘密"):
        assert error_key(lambda w=wrong: room.drive(lesson.code, w, "s1")) == "class_bad_key"
    assert room.driving("s1") is None
    assert room.show("s1", "?tab=tokenize") is None and not room.end("s1")
    assert room.changes(lesson.code).query is None  # nothing was shown
    room.drive(lesson.code, lesson.secret, "s1")
    assert room.driving("s1") == lesson.code and room.driving("s2") is None


def test_the_secret_is_compared_in_constant_time(room: Classroom, monkeypatch) -> None:
    lesson = room.open()
    compared = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(classroom.hmac, "compare_digest", spy)
    with pytest.raises(ClassError):
        room.drive(lesson.code, "guess", "s1")
    room.drive(lesson.code, lesson.secret, "s1")
    assert compared == [(b"guess", lesson.secret.encode()),
                        (lesson.secret.encode(), lesson.secret.encode())]


def test_results_count_only_from_the_teachers_sessions(room: Classroom) -> None:
    lesson = room.open()
    assert room.record("student", {7: {"value": "x"}}) is None
    room.drive(lesson.code, lesson.secret, "teacher")
    version = room.record("teacher", {7: {"value": "<b>1</b>"}, 8: {"visible": True}})
    assert version == 1
    changes = room.changes(lesson.code)
    assert changes.results == {7: {"value": "<b>1</b>"}, 8: {"visible": True}}


def test_the_version_counts_changes_and_followers_get_only_what_is_new(room: Classroom
                                                                        ) -> None:
    lesson = room.open()
    room.drive(lesson.code, lesson.secret, "t")
    assert room.show("t", "?tab=tokenize&text=hi", widgets={3: {"value": "hi"}}) == 1
    assert room.show("t", "?tab=tokenize&text=hi") == 1  # no change, same version
    assert room.record("t", {5: {"value": "a"}}) == 2
    assert room.show("t", "?tab=tokenize&text=hi", "attention:1,0") == 3
    assert room.record("t", {5: {"interactive": True}}) == 4
    assert room.version(lesson.code) == 4

    everything = room.changes(lesson.code, 0)
    assert (everything.query, everything.pointer) == ("?tab=tokenize&text=hi", "attention:1,0")
    assert everything.view == {3: {"value": "hi"}}
    assert everything.results == {5: {"value": "a", "interactive": True}}  # merged properties
    recent = room.changes(lesson.code, 3)
    assert (recent.version, recent.query, recent.pointer, recent.view) == (4, None, None, None)
    assert recent.results == {5: {"value": "a", "interactive": True}}
    assert room.changes(lesson.code, 4).results == {}
    assert room.changes(lesson.code, 99).query == "?tab=tokenize&text=hi"  # a stale version


def test_a_class_ends_after_three_hours(room: Classroom, clock: Clock) -> None:
    lesson = room.open()
    room.drive(lesson.code, lesson.secret, "t")
    clock.now += LIFETIME_S - 1
    assert room.find(lesson.code) is lesson and room.driving("t") == lesson.code
    clock.now += 1
    assert error_key(lambda: room.find(lesson.code)) == "class_ended"
    assert error_key(lambda: room.version(lesson.code)) == "class_ended"
    assert room.driving("t") is None
    assert room.record("t", {1: {"value": "late"}}) is None
    assert room.show("t", "?tab=tokenize") is None


def test_only_the_teacher_ends_the_class(room: Classroom) -> None:
    lesson = room.open()
    room.drive(lesson.code, lesson.secret, "teacher")
    assert not room.end("student")
    room.find(lesson.code)
    assert room.end("teacher")
    assert error_key(lambda: room.changes(lesson.code)) == "class_ended"
    assert room.driving("teacher") is None


def test_open_classes_are_capped_and_ended_ones_make_room(clock: Clock) -> None:
    room = Classroom(clock=clock, max_lessons=2)
    first = room.open()
    room.open()
    assert error_key(room.open) == "class_full"
    room.drive(first.code, first.secret, "t")
    room.end("t")
    assert room.open().code != first.code
    assert error_key(lambda: room.find(first.code)) == "class_unknown"  # dropped


def test_a_view_too_long_to_share_is_refused(room: Classroom) -> None:
    lesson = room.open()
    long = "?tab=tokenize&text=" + "a" * classroom.MAX_QUERY_CHARS
    room.drive(lesson.code, lesson.secret, "t")
    assert error_key(lambda: room.show("t", long)) == "class_too_long"
