"""The one text rule: visible characters only, a length per field, plausible dates."""

from __future__ import annotations

from datetime import date

import pytest

from ketaconsole.names import (
    BadText,
    Field,
    check_birth_date,
    check_text,
    family_and_given,
    printable,
    text_problem,
)


@pytest.mark.parametrize("text", ["x\x1b[31mred", "ab\u202ecba", "a\r\nb", "a\tb", "a\x00b",
                                  "a\u2028b", "a\u2066b"])
def test_control_line_break_tab_and_direction_characters_are_refused_in_every_field(
        text: str) -> None:
    for field in Field:
        with pytest.raises(BadText, match=f"^{field.label} contains a line break, tab, "
                                          "control or text-direction character"):
            check_text(text, field)


def test_each_field_has_its_own_length() -> None:
    assert Field.PATIENT_NAME.limit == 200 and Field.SIDE_EFFECTS.limit == 1000
    for field in Field:
        assert check_text("x" * field.limit, field) == "x" * field.limit
        assert text_problem("x" * (field.limit + 1), field) == (
            f"{field.label} has {field.limit + 1:,} characters; the record keeps at most "
            f"{field.limit:,}, so shorten it")


def test_blank_text_is_refused_only_where_it_is_needed() -> None:
    assert text_problem("  ", Field.PATIENT_NAME) == "the patient's name is blank; type it in"
    assert check_text("  ", Field.NOTE, required=False) == ""
    assert check_text("  Ann  Lee ", Field.PATIENT_NAME) == "Ann  Lee"


def test_visible_text_in_any_script_passes() -> None:
    for text in ("Zoë Ångström-O'Neil", "李小龍", "محمد", "sertraline 100 mg; 2× daily"):
        assert check_text(text, Field.ANSWER) == text


@pytest.mark.parametrize(("born", "says"), [
    ("1800-01-01", "the date of birth 1800-01-01 is before 1906-06-01; check it"),
    ("2026-06-02", "the date of birth 2026-06-02 is after 2026-06-01; check it"),
    ("1970-13-01", "'1970-13-01' is not the date of birth; enter it as YYYY-MM-DD"),
    ("\x1b[2J", "'\\\\x1b[2J' is not the date of birth; enter it as YYYY-MM-DD")])
def test_a_date_of_birth_lies_within_a_life(born: str, says: str) -> None:
    with pytest.raises(BadText) as refused:
        check_birth_date(born, today=date(2026, 6, 1))
    assert str(refused.value) == says
    assert check_birth_date("1906-06-01", today=date(2026, 6, 1)) == date(1906, 6, 1)


def test_printable_shows_hidden_characters_as_escapes() -> None:
    assert printable("a\r\n\u202eb\x1b") == "a\\r\\n\\u202eb\\x1b"
    assert printable("Zoë") == "Zoë"


@pytest.mark.parametrize(("name", "parts"), [
    ("Grace Hopper", ("Hopper", ("Grace",))),
    ("Ada Augusta King", ("King", ("Ada", "Augusta"))),
    ("van der Berg, Anna Maria", ("van der Berg", ("Anna", "Maria"))),
    ("Cher", ("Cher", ())),
])
def test_a_name_is_split_into_family_and_given_names(
        name: str, parts: tuple[str, tuple[str, ...]]) -> None:
    assert family_and_given(name) == parts
