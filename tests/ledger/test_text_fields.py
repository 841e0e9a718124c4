"""Names and texts hold no invisible control characters (PostgreSQL refuses NUL in text, and a
record must read the same on every backend); texts keep their tabs and line breaks."""

from __future__ import annotations

import pytest

from ledger.errors import InputError
from ledger.registry import lookup


@pytest.mark.parametrize("name", ["a\x00b", "张\n伟", "tab\there", "bell\x07", "c1\x85"])
def test_a_name_with_a_control_character_is_refused(name: str) -> None:
    with pytest.raises(InputError, match="control character U\\+00") as caught:
        lookup("person.registered").validate({"name": name})
    assert caught.value.where == "body.name"


def test_a_text_keeps_tabs_and_line_breaks_but_not_nul() -> None:
    lookup("note").validate({"text": "第一行\r\n第二行\t缩进"})
    with pytest.raises(InputError, match="control character U\\+0000 at position 2"):
        lookup("note").validate({"text": "前言\x00后记"})
