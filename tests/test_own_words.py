"""The shipped rubric against typed replies: exactly which phrases match, and the words that did.

The table holds replies a learner might type, with every phrase id expected to match and the
matched words as typed; near misses (a word that looks alike, a negation, another sense) must
match nothing. Then the whole course: every phrase the lessons list under "Avoid" is caught when
typed in a sentence, and no answer the course rates good trips an inflaming phrase.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from elearn.course.catalogue import Course, load_course
from elearn.course.rubric import Rubric, good_answers
from elearn.course.schema import Scenario
from elearn.play.own_words import count_questions, notice

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course(ROOT)


@pytest.fixture(scope="module")
def rubric(course: Course) -> Rubric:
    assert course.rubric is not None, course.problems
    return course.rubric


@pytest.fixture(scope="module")
def hollis(course: Course) -> Scenario:
    """A phone scenario whose customer is Steve Hollis (for {customer})."""
    scenario = course.scenario("no-show-abuse-call")
    assert scenario is not None
    assert scenario.persona.name == "Steve Hollis"
    return scenario


CASES: list[tuple[str, set[tuple[str, str]]]] = [
    # inflaming, with case, inflections, gaps and near spellings
    ("Please calm down.", {("calm-down", "calm down")}),
    ("CALM DOWN, sir.", {("calm-down", "CALM DOWN")}),
    ("You need to calm yourself down before we go on.",
     {("blaming-customer", "You need to"), ("calm-down", "calm … down")}),
    ("I understand you're upset, just relax.", {("calm-down", "relax")}),
    ("That's our policy, I'm afraid.", {("hiding-behind-policy", "That's our policy")}),
    ("Sorry, that is our polcy.", {("hiding-behind-policy", "that is our polcy")}),
    ("It's policy.", {("hiding-behind-policy", "It's policy")}),
    ("The system won't let me change it.", {("hiding-behind-policy", "system won't let me")}),
    ("I'll try to get it sorted.", {("hedging", "I'll try")}),
    ("I will certainly try.", {("hedging", "I will … try")}),
    ("Sorry for any inconvenience caused.", {("scripted-empathy", "any inconvenience")}),
    ("Sorry for any inconveneince.", {("scripted-empathy", "any inconveneince")}),
    ("I'm sorry if you feel that way.", {("non-apology", "sorry if you feel")}),
    ("That's the courier's fault, not ours.", {("shifting-blame", "courier's fault")}),
    ("Well, you should have read the terms.", {("blaming-customer", "you should have read")}),
    ("Why didn't you check it before signing?", {("blaming-customer", "Why didn't you")}),
    ("Actually, that's not what happened.",
     {("arguing", "Actually, that's"), ("disputing", "that's not what happened")}),
    ("Oh great, another one of these.", {("sarcasm", "Oh great")}),
    ("Yeah right.", {("sarcasm", "Yeah right")}),
    ("There's no need to take that tone.", {("tone-policing", "no need to take")}),
    ("Someone will get back to you as soon as possible.", {("no-owner", "Someone will get back")}),
    ("If you don't calm down, I'll get my manager.",
     {("calm-down", "calm down"), ("threat-of-escalation", "I'll get my manager")}),
    ("He's been a nightmare, you deal with him.", {("threat-of-escalation", "nightmare")}),
    ("Don't you dare talk to me like that!", {("retaliation", "Don't you dare")}),
    ("Sorry, sorry, you're right.", {("retaliation", "Sorry, sorry")}),
    ("It would have been quicker if you hadn't shouted.",
     {("blaming-customer", "if you hadn't"), ("point-scoring", "would have been quicker")}),
    # helpful
    ("I'll ring you tomorrow before midday, Mr Hollis.",
     {("customer-name", "Hollis"), ("owning-next-step", "I'll ring"), ("specific-time", "before midday")}),
    ("Tunde will email you by Wednesday at 5.", {("specific-time", "by Wednesday")}),
    ("I'll call you back by 5pm today.", {("owning-next-step", "I'll call"), ("specific-time", "by 5pm")}),
    ("Let me make sure I've got it: a snapped leg and a scratched top. Is that right?",
     {("closed-question", "Is that right")}),
    ("Would you prefer a replacement or a refund?", {("closed-question", "Would you prefer")}),
    ("Steve, I can see why that felt like nobody cared.",
     {("customer-name", "Steve"), ("naming-the-feeling", "I can see why")}),
    ("I'm really sorry. That's a horrible thing to find.",
     {("naming-the-feeling", "horrible"), ("sincere-apology", "I'm really sorry")}),
    ("I want to help, but if the shouting continues I'll have to end this call.",
     {("calm-boundary", "I want to help")}),
    ("Thank you for bearing with me today. So, to recap: the engineer comes on Friday.",
     {("recap", "Thank you for bearing with"), ("specific-time", "on Friday")}),
    ("Here's what I can do right now.", {("owning-next-step", "Here's what I")}),
    ("I don't know what happened yet, let me check.", {("owning-next-step", "let me check")}),
    # near misses: nothing may match
    ("I claim damages on your behalf.", set()),
    ("Those are the policies we follow.", set()),
    ("The system will not allow that.", set()),
    ("I tried calling you yesterday.", set()),
    ("That was my mistake, and it's not your fault at all.", set()),
    ("You won't need to repeat anything.", set()),
    ("You've been really patient.", set()),
    ("My calmness is not the issue.", set()),
    ("Your down payment is safe.", set()),
    ("I'm at least five minutes away.", set()),
    ("The polish on the table is fine.", set()),
    ("Hollister is the brand.", set()),
    ("can I take your account number", set()),
    ("", set()),
]


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert sum(1 for _, expected in CASES if not expected) >= 10


@pytest.mark.parametrize(("typed", "expected"), CASES, ids=[typed[:40] or "empty" for typed, _ in CASES])
def test_exact_phrases_match(rubric: Rubric, hollis: Scenario, typed: str, expected: set[tuple[str, str]]) -> None:
    found = notice(rubric, hollis, typed)
    assert {(hit.phrase.id, hit.quoted) for hit in found.hits} == expected
    for hit in found.hits:  # the spans point at exactly the words quoted
        assert [found.text[a:b] for a, b in hit.match.spans] == re.findall(r"[\w']+", hit.quoted)


@pytest.mark.parametrize(("typed", "questions"), [
    ("Would you prefer a replacement or a refund?", 1),
    ("can I take your account number", 1),
    ("Is it the table? Or the box?", 2),
    ("I'll call you at five.", 0),
    ("What a day. I'm sorry.", 0),
])
def test_questions_are_counted(typed: str, questions: int) -> None:
    assert count_questions(typed) == questions


def test_length_against_the_channel_norm(rubric: Rubric, course: Course) -> None:
    chat = next(s for s in course.scenarios if s.channel == "chat")
    assert rubric.norm("chat") == 90
    short = notice(rubric, chat, "I'm sorry, let me check.")
    assert (short.words, short.too_long) == (5, False)
    assert "5 words, within the 90 a live chat reply usually takes" in short.length_note()
    long = notice(rubric, chat, "word " * 91)
    assert long.too_long
    assert "91 words; on live chat a reply usually stays under 90" in long.length_note()


def test_feedback_reads_as_noticing_never_a_grade(rubric: Rubric, hollis: Scenario) -> None:
    said = notice(rubric, hollis, "Calm down, it's policy.")
    texts = [hit.phrase.noticed for hit in said.hits] + [said.length_note(), said.question_note()]
    for text in texts:
        assert not re.search(r"\b(score|grade|mark|points?|pass(ed)?|fail(ed)?|correct|wrong answer)\b", text, re.I)


# --- the whole course ---------------------------------------------------------------------

_QUOTE = re.compile(r"[\"“]([^\"”]+)[\"”]")
UNQUOTED_AVOID = {
    "Any sarcasm, however mild or well deserved it feels.",
    "Going quiet because you have nothing new to say.",
}
"""Avoid bullets that name a behaviour, not words a learner types (silence; sarcasm in general,
for which the rubric's 'sarcasm' phrase lists markers)."""


def avoid_phrases() -> list[tuple[str, str]]:
    """(lesson file, quoted phrase) for every quoted phrase under "**Avoid:**" in the lessons."""
    found: list[tuple[str, str]] = []
    for path in sorted((ROOT / "content").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        section = text.split("**Avoid:**", 1)[1].split("\n## ", 1)[0]
        for bullet in re.split(r"\n- ", "\n" + section.strip())[1:]:
            bullet = " ".join(bullet.split())
            quotes = _QUOTE.findall(bullet)
            if not quotes:
                assert bullet in UNQUOTED_AVOID, f"{path.name}: an Avoid bullet with no quoted phrase: {bullet}"
                continue
            # The first quote is the phrase; later ones are part of it ("... quicker if you hadn't shouted").
            found.append((path.name, quotes[-1] if quotes[0].endswith(":") else quotes[0]))
    return found


AVOID = avoid_phrases()


def test_every_lesson_lists_avoid_phrases() -> None:
    assert len({file for file, _ in AVOID}) == 12
    assert len(AVOID) >= 40


@pytest.mark.parametrize(("lesson", "phrase"), AVOID, ids=[f"{f[:2]}-{p[:30]}" for f, p in AVOID])
def test_every_avoid_phrase_is_caught_in_a_sentence(rubric: Rubric, hollis: Scenario, lesson: str,
                                                     phrase: str) -> None:
    typed = f"Okay. {phrase.strip(' ,.…')}. Thanks for waiting."
    assert notice(rubric, hollis, typed).inflaming, f"{lesson}: nothing inflaming noticed in {typed!r}"


def test_no_good_answer_trips_an_inflaming_phrase(course: Course, rubric: Rubric) -> None:
    good = good_answers(course.scenarios)
    assert len(good) > 150
    tripped = [(scenario.id, node, choice, [h.quoted for h in notice(rubric, scenario, say).inflaming])
               for scenario, node, choice, say in good if notice(rubric, scenario, say).inflaming]
    assert tripped == []


def test_the_rubric_still_notices_poor_answers(course: Course, rubric: Rubric) -> None:
    """The other side of the good-answer test: the rubric is not simply empty of matches."""
    poor = [(scenario, choice.say) for scenario in course.scenarios for node in scenario.nodes
            for choice in node.choices if set(choice.evidence.values()) == {"poor"}]
    noticed = sum(1 for scenario, say in poor if notice(rubric, scenario, say).inflaming)
    assert noticed >= len(poor) // 4
