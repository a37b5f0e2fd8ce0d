"""The page a single-sign-on visitor asked for, read back from a cookie after the identity provider:
only our own page names the user may open, and only the query parameters our pages read, with plain
values. Everything else is ignored, so the cookie can send no one to another site."""

from __future__ import annotations

import pytest

from ui.deep_links import Target, parse_target

ALLOWED = ["home", "lesson", "scenario", "present", "dashboard", "join"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("dashboard", Target("dashboard", {})),
    ("present?room=K7QX2M", Target("present", {"room": "K7QX2M"})),
    ("present?room=K7QX2M&view=controls", Target("present", {"room": "K7QX2M", "view": "controls"})),
    ("scenario?scenario=late-bag-wedding", Target("scenario", {"scenario": "late-bag-wedding"})),
])
def test_our_pages_with_their_own_parameters_are_followed(raw: str, expected: Target) -> None:
    assert parse_target(raw, ALLOWED) == expected


@pytest.mark.parametrize("raw", [
    "",
    "https://evil.example/dashboard",          # another site
    "//evil.example",                          # a scheme-relative address
    "/dashboard",                              # a path, not a page name
    "people",                                  # a page of ours this user may not open
    "nowhere",                                 # no such page
    "dashboard/../admin",
    "present?room=K7QX2M&next=https://evil.example",  # a parameter our pages do not read
    "present?room=<script>",                   # not a plain value
    "present?room=a%0Ab",                      # a line break
    "present?room=A&room=B",                   # a parameter twice
    "present?room",                            # malformed
    "present?room=" + "A" * 101,               # too long a value
    "lesson?" + "&".join(f"lesson={n}" for n in range(50)),  # too many fields
    "present#x",
])
def test_anything_else_is_ignored(raw: str) -> None:
    assert parse_target(raw, ALLOWED) is None


def test_as_text_round_trips() -> None:
    target = Target("present", {"room": "K7QX2M", "view": "controls"})
    assert parse_target(target.as_text(), ALLOWED) == target
