"""What is made of typed replies: My skills' separate stream, the Answers view's phrases per decision,
the managers' export (names removed on request, formula-safe) and the projector's word cloud."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from elearn.course.catalogue import Course
from elearn.course.schema import Scenario
from elearn.learner.own_words import SkillWords, words_evidence
from elearn.manage.reply_export import replies_csv
from elearn.manage.typed_phrases import inflaming_by_decision
from elearn.store.replies import NamedReply, TypedReply
from elearn.workshop.replies import room_phrases, word_cloud
from tests.conftest import shipped_course

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def course() -> Course:
    return shipped_course()


@pytest.fixture(scope="module")
def scenario(course: Course) -> Scenario:
    found = course.scenario("no-show-abuse-call")
    assert found is not None
    return found


def reply(scenario: Scenario, text: str, user_id: int = 1, node: int = 0) -> TypedReply:
    return TypedReply(id=1, user_id=user_id, attempt_id=1, scenario_id=scenario.id,
                      node_id=scenario.nodes[node].id, choice_id=scenario.nodes[node].choices[0].id,
                      first_attempt=True, text=text, typed_at=AT)


def test_my_skills_counts_replies_per_skill_and_kind(course: Course, scenario: Scenario) -> None:
    replies = [reply(scenario, "Calm down, calm down."), reply(scenario, "I'm so sorry, let me check by 5pm."),
               reply(scenario, "Ok."), replace(reply(scenario, "Calm down"), scenario_id="gone")]
    read, rows = words_evidence(course, replies)
    assert read == 3  # a reply to a scenario no longer in the course is left out
    by_skill = {row.skill: row for row in rows}
    assert by_skill["composure"] == SkillWords("composure", 0, 1)  # once per reply, however often typed
    assert by_skill["apology"] == SkillWords("apology", 1, 0)
    assert by_skill["follow-through"].helpful == 1
    assert [row.skill for row in rows] == [s for s in course.skills if s in by_skill]  # catalogue order


def test_the_answers_view_lists_the_inflaming_phrases_typed_most(course: Course, scenario: Scenario) -> None:
    assert course.rubric is not None
    replies = [reply(scenario, "Calm DOWN please", 1), reply(scenario, "calm down!", 2),
               reply(scenario, "It's policy, calm down", 3), reply(scenario, "I'm sorry", 4),
               reply(scenario, "That's our policy", 5, node=1)]
    [first, second] = inflaming_by_decision(course.rubric, scenario, replies)
    assert (first.node_id, first.replies) == (scenario.nodes[0].id, 4)
    assert [(p.phrase_id, p.replies, p.words) for p in first.inflaming] == [
        ("calm-down", 3, "calm down"), ("hiding-behind-policy", 1, "it's policy")]
    assert [(p.phrase_id, p.replies) for p in second.inflaming] == [("hiding-behind-policy", 1)]
    [only] = inflaming_by_decision(course.rubric, scenario, replies, user_ids=frozenset({5}))
    assert only.node_id == scenario.nodes[1].id


def test_the_export_removes_names_on_request_and_is_formula_safe(course: Course, scenario: Scenario) -> None:
    named = [NamedReply(reply(scenario, "=HYPERLINK(\"http://evil\") calm down", 7), "ana", "Ana Learner"),
             NamedReply(reply(scenario, "I'm sorry", 9), "bo", "@Bo"),
             NamedReply(reply(scenario, "Let me check", 7), "ana", "Ana Learner")]
    rows = list(csv.reader(io.StringIO(replies_csv(course, named, anonymous=False).decode("utf-8-sig"))))
    assert rows[0][:2] == ["learner", "username"]
    assert [row[:2] for row in rows[1:]] == [["Ana Learner", "ana"], ["'@Bo", "bo"], ["Ana Learner", "ana"]]
    assert rows[1][7] == "'=HYPERLINK(\"http://evil\") calm down"
    assert rows[1][8] == "calm-down"
    hidden = replies_csv(course, named, anonymous=True).decode("utf-8-sig")
    assert "Ana" not in hidden
    assert "ana" not in hidden.split("\r\n", 1)[1]
    assert "Bo" not in hidden
    anonymous = list(csv.reader(io.StringIO(hidden)))
    assert [row[:2] for row in anonymous[1:]] == [["Learner 1", ""], ["Learner 2", ""], ["Learner 1", ""]]


def test_the_projector_cloud_counts_words_once_per_reply(course: Course, scenario: Scenario) -> None:
    room = ["I'm sorry, so sorry", "Sorry about the wait, Mr Hollis", "Calm down", "calm down now", "Hollis?"]
    assert word_cloud(room)[:3] == [("calm", 2), ("down", 2), ("hollis", 2)]
    assert ("sorry", 2) in word_cloud(room)
    assert course.rubric is not None
    phrases = room_phrases(course.rubric, scenario, room)
    assert ("calm down", True, 2) in phrases
    assert ("{customer}", False, 2) in phrases
