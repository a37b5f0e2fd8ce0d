"""Names as typed: the one function every way in uses (``clean_name``), what it tidies, what it
refuses and the exact message; the e-mail shape check; quoting values in messages."""

from __future__ import annotations

import pytest

from elearn.names import NameRefused, clean_name, excerpt, tidy_name
from elearn.store.fields import email_problem

ONLY_LETTERS = "Use only letters, digits, spaces, punctuation or emoji."
BIDI = ", which can make it display in a misleading order"
ZERO_WIDTH = ", which can make two different names look the same"


@pytest.mark.parametrize(("typed", "kept"), [
    ("Ann", "Ann"),
    ("  Ann \t Lee\r\n", "Ann Lee"),
    ("Zoë", "Zoë"),
    ("Zoe\u0308", "Zoë"),  # NFC: e + combining diaeresis is stored as one ë
    ("Ann\u00a0Lee", "Ann Lee"),  # a no-break space is a space
    ("👩‍💻 Dev", "👩\u200d💻 Dev"),  # the joiner inside an emoji sequence is what was typed
    ("🏳️‍🌈", "🏳\ufe0f\u200d🌈"),
    ("👨🏽‍🚀", "👨🏽\u200d🚀"),
    ("محمد", "محمد"),  # right-to-left letters are letters; only the direction controls are refused
    ("<b>Bold</b> [x](y)", "<b>Bold</b> [x](y)"),  # kept as typed; every screen escapes it
    ("", ""),
])
def test_names_are_tidied(typed: str, kept: str) -> None:
    assert clean_name(typed, label="That name", limit=24) == kept


@pytest.mark.parametrize(("typed", "message"), [
    ("A\x00B", f"That name contains a control character (U+0000) at character 2. {ONLY_LETTERS}"),
    ("\x1b[2J", f"That name contains a control character (U+001B) at character 1. {ONLY_LETTERS}"),
    ("Ann\x7f", f"That name contains a control character (U+007F) at character 4. {ONLY_LETTERS}"),
    ("Ann\x85", f"That name contains a control character (U+0085) at character 4. {ONLY_LETTERS}"),
    *[(f"x{c}y", f"That name contains a text-direction control (U+{ord(c):04X}) at character 2{BIDI}. {ONLY_LETTERS}")
      for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"],
    *[(f"x{c}y", f"That name contains a zero-width character (U+{ord(c):04X}) at character 2{ZERO_WIDTH}. "
       f"{ONLY_LETTERS}") for c in "\u200b\u200c\u200d\u2060\ufeff"],
    ("\u200d👩", f"That name contains a zero-width character (U+200D) at character 1{ZERO_WIDTH}. {ONLY_LETTERS}"),
    ("\u3164", f"That name contains an invisible character (U+3164) at character 1. {ONLY_LETTERS}"),
    ("a\u00adb", f"That name contains an invisible or unassigned character (U+00AD) at character 2. {ONLY_LETTERS}"),
    ("a\ue000", f"That name contains an invisible or unassigned character (U+E000) at character 2. {ONLY_LETTERS}"),
    ("x" * 25, "That name is 25 characters long; use at most 24."),
    ("x" * 140_000, "That name is 140,000 characters long; use at most 24."),
])
def test_hidden_characters_and_long_names_are_refused_with_the_reason(typed: str, message: str) -> None:
    with pytest.raises(NameRefused) as refused:
        clean_name(typed, label="That name", limit=24)
    assert str(refused.value) == message


def test_tidy_name_drops_what_clean_name_refuses() -> None:
    assert tidy_name("\u202eAnn\u200b  Lee\x00 👩‍💻", limit=200) == "Ann Lee 👩\u200d💻"
    assert tidy_name("x" * 300, limit=200) == "x" * 200


@pytest.mark.parametrize(("value", "shown"), [
    ("short", "short"),
    ("a\x00b\u202ec", "a<U+0000>b<U+202E>c"),
    ("y" * 41, "y" * 40 + "… (41 characters)"),
])
def test_values_quoted_in_messages_are_short_and_visible(value: str, shown: str) -> None:
    assert excerpt(value) == shown


@pytest.mark.parametrize(("address", "problem"), [
    ("ann@example.com", None),
    ("Ann.Lee+training@mail.example.co.uk", None),
    ("zoë@exämple.de", None),
    ("ann@example", "The email 'ann@example' does not look like an address (name@example.com)."),
    ("ann", "The email 'ann' does not look like an address (name@example.com)."),
    ("@example.com", "The email '@example.com' does not look like an address (name@example.com)."),
    ("a@@example.com", "The email 'a@@example.com' does not look like an address (name@example.com)."),
    ("ann@exa_mple.com", "The email 'ann@exa_mple.com' does not look like an address (name@example.com)."),
    ("ann@-example.com", "The email 'ann@-example.com' does not look like an address (name@example.com)."),
    ("ann..lee@example.com", "The email 'ann..lee@example.com' does not look like an address (name@example.com)."),
    ('"ann"@example.com', "The email '\"ann\"@example.com' does not look like an address (name@example.com)."),
    ("ann lee@example.com", "The email 'ann lee@example.com' contains a space or an invisible character. Type the "
     "address again."),
    ("ann\x00@example.com", "The email 'ann<U+0000>@example.com' contains a space or an invisible character. Type "
     "the address again."),
    ("a" * 65 + "@example.com", "The email has 65 characters before the @; an address has at most 64."),
    ("a@" + "b" * 318 + ".c", "The email is 322 characters long; an address has at most 320."),
])
def test_email_length_and_shape(address: str, problem: str | None) -> None:
    assert email_problem(address, label="The email") == problem
