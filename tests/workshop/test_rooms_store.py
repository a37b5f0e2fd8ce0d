"""The rooms store on SQLite and PostgreSQL: codes, joining, votes, reveal, advance, ownership,
the self-paced split counted in SQL, and votes racing a reveal."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn.play.engine import choose, start
from elearn.store import AccessDenied, NewChoice, Role, Store, create_user, record_choice, start_attempt
from elearn.store.room_records import (
    CODE_ALPHABET,
    CODE_LENGTH,
    NicknameRefused,
    Room,
    RoomClosed,
    RoomMovedOn,
    RoomNotFound,
    RoomPhase,
    VotingClosed,
)
from elearn.store.rooms import (
    advance,
    cast_vote,
    close_room,
    join_room,
    open_room,
    open_voting,
    phone_phase,
    phone_view,
    reveal,
    room_for,
    room_state,
    room_summary,
    rooms_of,
    self_paced_split,
)
from elearn.store.tables import RoomParticipantRow, RoomVoteRow
from elearn.workshop.rules import majority
from tests.store.helpers import NOW, PASSWORD

from .conftest import FIRST, SCENARIO, People

LATER = NOW + timedelta(minutes=5)
A, B, C = (choice.id for choice in FIRST.choices[:3])



def votes_at(store: Store, room: Room, decision: int) -> dict[str, int]:
    """The votes per choice at ``decision``, read straight from the table (what the reveal will show)."""
    rows = store.read(lambda conn: conn.execute(
        select(RoomVoteRow.choice_id, func.count()).where(RoomVoteRow.room_id == room.id,
                                                          RoomVoteRow.decision == decision)
        .group_by(RoomVoteRow.choice_id)).all())
    return {str(choice_id): int(count) for choice_id, count in rows}

def new_room(store: Store, people: People, **options: object) -> Room:
    return open_room(store, people.fran, scenario_id=SCENARIO.id, scenario_version=SCENARIO.version,
                     run_json=start(SCENARIO).to_json(), now=NOW, **options)  # type: ignore[arg-type]


def vote(store: Store, token: str, choice_id: str, decision: int = 1) -> None:
    cast_vote(store, token, decision=decision, node_id=SCENARIO.start, choice_id=choice_id, now=NOW)


def move_on(store: Store, people: People, room: Room, choice_id: str, decision: int = 1) -> Room:
    after = choose(start(SCENARIO), choice_id)
    return advance(store, people.fran, room.code, decision=decision, node_id=SCENARIO.start, choice_id=choice_id,
                   run_json=after.to_json(), finished=after.ended, now=LATER, majority=majority)


def test_a_room_opens_with_a_short_unambiguous_code(store: Store, people: People) -> None:
    room = new_room(store, people)
    assert len(room.code) == CODE_LENGTH
    assert set(room.code) <= set(CODE_ALPHABET)
    assert not set("0O1I") & set(CODE_ALPHABET)
    assert (room.decision, room.voting_open, room.revealed, room.closed) == (1, False, False, False)
    assert room_for(store, people.fran, room.code.lower()) == room


def test_only_facilitators_open_rooms(store: Store, people: People) -> None:
    with pytest.raises(AccessDenied, match="facilitator role"):
        open_room(store, people.lea, scenario_id=SCENARIO.id, scenario_version=1, run_json="{}", now=NOW)


def test_a_code_already_taken_is_drawn_again(store: Store, people: People) -> None:
    drawn = iter(["AAAAAA", "AAAAAA", "BBBBBB"])
    first = new_room(store, people, codes=lambda: next(drawn))
    second = new_room(store, people, codes=lambda: next(drawn))
    assert (first.code, second.code) == ("AAAAAA", "BBBBBB")


@pytest.mark.parametrize(("typed", "shown"), [
    ("Ann", "Ann"),
    ("  Ann   Lee ", "Ann Lee"),
    ("x" * 24, "x" * 24),
    ("Zoë 👩‍💻", "Zoë 👩‍💻"),
    ("<b>Bold</b> [x](y)", "<b>Bold</b> [x](y)"),  # kept as typed; every screen escapes it
])
def test_nicknames_are_tidied(store: Store, people: People, typed: str, shown: str) -> None:
    room = new_room(store, people)
    assert join_room(store, room.code, typed, NOW).participant.nickname == shown


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Type a nickname so the room can tell you apart (1 to 24 characters)."),
    ("   ", "Type a nickname so the room can tell you apart (1 to 24 characters)."),
    ("x" * 25, "That nickname is 25 characters long; use at most 24."),
    ("Ann\u200b", "That nickname contains a zero-width character (U+200B) at character 4, which can make two "
                  "different names look the same. Use only letters, digits, spaces, punctuation or emoji."),
    ("Ann\x07", "That nickname contains a control character (U+0007) at character 4. Use only letters, digits, "
                "spaces, punctuation or emoji."),
    ("\u202eAnn", "That nickname contains a text-direction control (U+202E) at character 1, which can make it "
                  "display in a misleading order. Use only letters, digits, spaces, punctuation or emoji."),
    ("A\u2066nn", "That nickname contains a text-direction control (U+2066) at character 2, which can make it "
                  "display in a misleading order. Use only letters, digits, spaces, punctuation or emoji."),
    ("\u3164", "That nickname contains an invisible character (U+3164) at character 1. Use only letters, digits, "
               "spaces, punctuation or emoji."),
])
def test_bad_nicknames_are_refused_with_the_reason(store: Store, people: People, typed: str, message: str) -> None:
    room = new_room(store, people)
    with pytest.raises(NicknameRefused) as refused:
        join_room(store, room.code, typed, NOW)
    assert str(refused.value) == message


@pytest.mark.parametrize("again", ["ann lee", "ANN LEE", "AnnLee", " ann  lee "])
def test_nicknames_are_unique_in_a_room_ignoring_case_and_spaces(store: Store, people: People, again: str) -> None:
    room, other = new_room(store, people), new_room(store, people)
    join_room(store, room.code, "Ann Lee", NOW)
    with pytest.raises(NicknameRefused, match="already goes by"):
        join_room(store, room.code, again, NOW)
    assert join_room(store, other.code, again, NOW).participant.nickname == " ".join(again.split())


def test_the_token_is_stored_only_as_its_hash(store: Store, people: People) -> None:
    room = new_room(store, people)
    joined = join_room(store, room.code, "Ann", NOW)
    stored = store.read(lambda conn: conn.scalar(select(RoomParticipantRow.token_hash)))
    assert stored == hashlib.sha256(joined.token.encode()).hexdigest()
    assert joined.token not in str(stored)
    view = phone_view(store, joined.token)
    assert view is not None
    assert view.participant == joined.participant
    assert phone_view(store, joined.token + "x") is None
    assert phone_view(store, "") is None


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{spaced}", "{dashed}"])
def test_codes_can_be_typed_loosely(store: Store, people: People, typed: str) -> None:
    room = new_room(store, people)
    code = room.code
    text = typed.format(code=code, lower=code.lower(), spaced=f" {code[:3]} {code[3:]} ",
                        dashed=f"{code[:3]}-{code[3:]}")
    assert join_room(store, text, "Ann", NOW).room.id == room.id


@pytest.mark.parametrize(("typed", "message"), [
    ("ZZZZZZ", "There is no workshop room with the code ZZZZZZ. Check the code on the presenter's screen (codes have "
               "6 letters and digits, never 0, O, 1 or I)."),
    ("", "Type the room's code: it is on the presenter's screen, under the QR code."),
])
def test_joining_an_unknown_room_says_so(store: Store, people: People, typed: str, message: str) -> None:
    new_room(store, people, codes=lambda: "AAAAAA")
    with pytest.raises(RoomNotFound) as refused:
        join_room(store, typed, "Ann", NOW)
    assert str(refused.value) == message


def test_joining_a_closed_room_says_so(store: Store, people: People) -> None:
    room = new_room(store, people)
    close_room(store, people.fran, room.code, NOW)
    with pytest.raises(RoomClosed) as refused:
        join_room(store, room.code, "Ann", NOW)
    assert str(refused.value) == (f"The workshop room {room.code} has finished, so it takes no new participants. "
                                  "Ask the facilitator for the code of the room running now.")


def test_votes_count_only_while_voting_is_open(store: Store, people: People) -> None:
    room = new_room(store, people)
    ann = join_room(store, room.code, "Ann", NOW).token
    with pytest.raises(VotingClosed, match="Wait for the facilitator"):
        vote(store, ann, A)
    open_voting(store, people.fran, room.code, 1, NOW)
    vote(store, ann, A)
    assert votes_at(store, room, 1) == {A: 1}


def test_a_vote_can_change_until_the_reveal_and_counts_once(store: Store, people: People) -> None:
    room = new_room(store, people)
    ann = join_room(store, room.code, "Ann", NOW).token
    bob = join_room(store, room.code, "Bob", NOW).token
    open_voting(store, people.fran, room.code, 1, NOW)
    vote(store, ann, A)
    vote(store, bob, A)
    vote(store, ann, B)  # Ann changes her mind
    assert votes_at(store, room, 1) == {A: 1, B: 1}
    assert store.read(lambda conn: len(conn.execute(select(RoomVoteRow.id)).all())) == 2
    view = phone_view(store, ann)
    assert view is not None
    assert (view.my_vote, view.split) == (B, None)
    reveal(store, people.fran, room.code, 1, NOW)
    with pytest.raises(VotingClosed, match="closed"):
        vote(store, ann, A)
    assert votes_at(store, room, 1) == {A: 1, B: 1}
    view = phone_view(store, ann)
    assert view is not None
    assert view.split == {A: 1, B: 1}


def test_the_split_stays_hidden_until_the_reveal(store: Store, people: People) -> None:
    room = new_room(store, people)
    tokens = [join_room(store, room.code, name, NOW).token for name in ("Ann", "Bob", "Cy")]
    open_voting(store, people.fran, room.code, 1, NOW)
    for token, choice_id in zip(tokens, (A, A, B), strict=True):
        vote(store, token, choice_id)
    live = room_state(store, people.fran, room.code)
    assert (live.participants, live.votes_cast, live.split) == (3, 3, None)
    reveal(store, people.fran, room.code, 1, NOW)
    assert room_state(store, people.fran, room.code).split == {A: 2, B: 1}


def test_advancing_records_the_split_and_moves_to_the_next_decision(store: Store, people: People) -> None:
    room = new_room(store, people)
    tokens = [join_room(store, room.code, name, NOW).token for name in ("Ann", "Bob", "Cy")]
    open_voting(store, people.fran, room.code, 1, NOW)
    with pytest.raises(VotingClosed, match="Reveal the votes first"):
        move_on(store, people, room, A)
    for token, choice_id in zip(tokens, (A, A, B), strict=True):
        vote(store, token, choice_id)
    reveal(store, people.fran, room.code, 1, NOW)
    moved = move_on(store, people, room, A)
    assert (moved.decision, moved.voting_open, moved.revealed) == (2, False, False)
    [decided] = room_summary(store, people.fran, room.code).decisions
    assert (decided.decision, decided.choice_id, decided.majority_choice_id, decided.overridden) == (1, A, A, False)
    assert decided.votes == {A: 2, B: 1}
    assert room_state(store, people.fran, room.code).last_decision == decided
    with pytest.raises(RoomMovedOn, match="The room has moved on"):
        vote(store, tokens[0], A, decision=1)


def test_a_phone_polls_a_phase_that_changes_with_the_room_and_not_with_votes(store: Store, people: People) -> None:
    room = new_room(store, people)
    ann, bob = (join_room(store, room.code, name, NOW).token for name in ("Ann", "Bob"))
    assert phone_phase(store, ann) == RoomPhase(1, False, False, False)
    open_voting(store, people.fran, room.code, 1, NOW)
    opened = phone_phase(store, ann)
    assert opened == RoomPhase(1, True, False, False)
    vote(store, bob, A)  # another phone's vote: nothing for Ann's phone to redraw
    assert phone_phase(store, ann) == opened
    reveal(store, people.fran, room.code, 1, NOW)
    assert phone_phase(store, ann) == RoomPhase(1, False, True, False)
    move_on(store, people, room, A)
    assert phone_phase(store, ann) == RoomPhase(2, False, False, False)
    assert phone_phase(store, ann) == RoomPhase.of(phone_view(store, ann).room)  # type: ignore[union-attr]
    close_room(store, people.fran, room.code, LATER)
    assert phone_phase(store, bob) == RoomPhase(2, False, False, True)
    assert phone_phase(store, "not-a-token") is None
    assert phone_phase(store, "") is None


@pytest.mark.parametrize(("votes", "taken", "majority", "overridden"), [
    ((A, A, B), B, A, True),       # the facilitator went against a clear majority
    ((A, B), B, None, False),      # a tie, decided by the facilitator
    ((), C, None, False),          # nobody voted
])
def test_the_record_says_whether_the_facilitator_overrode_the_room(
    store: Store, people: People, votes: tuple[str, ...], taken: str, majority: str | None, overridden: bool,
) -> None:
    room = new_room(store, people)
    open_voting(store, people.fran, room.code, 1, NOW)
    for index, choice_id in enumerate(votes):
        vote(store, join_room(store, room.code, f"p{index}", NOW).token, choice_id)
    reveal(store, people.fran, room.code, 1, NOW)
    move_on(store, people, room, taken)
    [decided] = room_summary(store, people.fran, room.code).decisions
    assert (decided.choice_id, decided.majority_choice_id, decided.overridden) == (taken, majority, overridden)


def test_a_second_window_cannot_move_the_story_twice(store: Store, people: People) -> None:
    room = new_room(store, people)
    open_voting(store, people.fran, room.code, 1, NOW)
    open_voting(store, people.fran, room.code, 1, NOW)  # both windows clicked: harmless
    reveal(store, people.fran, room.code, 1, NOW)
    reveal(store, people.fran, room.code, 1, NOW)
    move_on(store, people, room, A)
    with pytest.raises(RoomMovedOn, match="already moved on"):
        move_on(store, people, room, B)
    with pytest.raises(RoomMovedOn):
        reveal(store, people.fran, room.code, 1, NOW)
    assert [d.choice_id for d in room_summary(store, people.fran, room.code).decisions] == [A]


def test_reaching_an_ending_closes_the_room_but_phones_still_see_it(store: Store, people: People) -> None:
    room = new_room(store, people)
    ann = join_room(store, room.code, "Ann", NOW).token
    open_voting(store, people.fran, room.code, 1, NOW)
    reveal(store, people.fran, room.code, 1, NOW)
    ended = advance(store, people.fran, room.code, decision=1, node_id=SCENARIO.start, choice_id=A,
                    run_json="{}", finished=True, now=LATER, majority=majority)
    assert ended.closed_at == LATER
    with pytest.raises(RoomClosed):
        join_room(store, room.code, "Bob", NOW)
    with pytest.raises(RoomClosed, match="voting is over"):
        vote(store, ann, A, decision=2)
    with pytest.raises(RoomClosed):
        open_voting(store, people.fran, room.code, 2, NOW)
    view = phone_view(store, ann)
    assert view is not None
    assert view.room.closed


ACTIONS: dict[str, Callable[[Store, People, str], object]] = {
    "room_for": lambda s, p, code: room_for(s, p.gus, code),
    "room_state": lambda s, p, code: room_state(s, p.gus, code),
    "room_summary": lambda s, p, code: room_summary(s, p.gus, code),
    "open_voting": lambda s, p, code: open_voting(s, p.gus, code, 1, NOW),
    "reveal": lambda s, p, code: reveal(s, p.gus, code, 1, NOW),
    "advance": lambda s, p, code: advance(s, p.gus, code, decision=1, node_id="x", choice_id="y", run_json="{}",
                                          finished=False, now=NOW, majority=majority),
    "close_room": lambda s, p, code: close_room(s, p.gus, code, NOW),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_another_facilitator_cannot_see_or_run_a_room(store: Store, people: People, action: str) -> None:
    room = new_room(store, people)
    with pytest.raises(RoomNotFound, match="Open it from Workshop rooms"):
        ACTIONS[action](store, people, room.code)
    assert room_for(store, people.fran, room.code) == room  # untouched


def test_losing_the_facilitator_role_stops_the_room_controls(store: Store, people: People) -> None:
    from elearn.store import change_roles, create_admin

    room = new_room(store, people)
    admin = create_admin(store, "admin", PASSWORD, NOW)
    change_roles(store, admin, people.fran.id, [Role.LEARNER], NOW)
    with pytest.raises(AccessDenied):
        room_state(store, people.fran, room.code)


def test_a_facilitator_lists_their_own_rooms_newest_first(store: Store, people: People) -> None:
    older = new_room(store, people)
    newer = open_room(store, people.fran, scenario_id=SCENARIO.id, scenario_version=1, run_json="{}", now=LATER)
    open_room(store, people.gus, scenario_id=SCENARIO.id, scenario_version=1, run_json="{}", now=LATER)
    join_room(store, older.code, "Ann", NOW)
    join_room(store, older.code, "Bob", NOW)
    listed = rooms_of(store, people.fran)
    assert [(item.room.code, item.participants) for item in listed] == [(newer.code, 0), (older.code, 2)]


def test_the_self_paced_split_counts_first_answers_of_first_attempts(store: Store, people: People) -> None:
    def learner_answers(name: str, answers: list[tuple[str, str, bool]], attempts: int = 1) -> None:
        user = create_user(store, username=name, display_name=name, password=PASSWORD, now=NOW)
        for number in range(1, attempts + 1):
            attempt = start_attempt(store, user, SCENARIO.id, SCENARIO.version, run_json="{}", now=NOW)
            for index, (node_id, choice_id, first) in enumerate(answers):
                record_choice(store, user, NewChoice(
                    event_key=f"{name}-{number}-{index}", attempt_id=attempt.id, node_id=node_id, choice_id=choice_id,
                    evidence={}, anger_before=50, anger_after=50, first_attempt=first and number == 1,
                    occurred_at=NOW))

    start_node = SCENARIO.start
    learner_answers("l1", [(start_node, A, True), ("n2", "x", True)], attempts=2)  # the retry does not count
    learner_answers("l2", [(start_node, A, True)])
    learner_answers("l3", [(start_node, B, True), (start_node, A, False)])  # answered again after a rewind
    assert self_paced_split(store, people.fran, SCENARIO.id) == {start_node: {A: 2, B: 1}, "n2": {"x": 1}}
    assert self_paced_split(store, people.fran, "another-scenario") == {}
    with pytest.raises(AccessDenied):
        self_paced_split(store, people.lea, SCENARIO.id)


def test_votes_racing_the_reveal_are_either_counted_or_refused(store: Store, people: People) -> None:
    room = new_room(store, people)
    tokens = [join_room(store, room.code, f"p{i}", NOW).token for i in range(16)]
    open_voting(store, people.fran, room.code, 1, NOW)
    accepted: list[str] = []
    refused: list[str] = []
    go = threading.Barrier(len(tokens) + 1)

    def phone(token: str) -> None:
        go.wait()
        try:
            vote(store, token, A)
        except VotingClosed:
            refused.append(token)
        else:
            accepted.append(token)

    threads = [threading.Thread(target=phone, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    go.wait()
    reveal(store, people.fran, room.code, 1, NOW)
    shown = room_state(store, people.fran, room.code).split  # what the projector shows at the reveal
    for thread in threads:
        thread.join()
    move_on(store, people, room, A)
    [decided] = room_summary(store, people.fran, room.code).decisions
    # No vote lands after the reveal: the split shown then is the split recorded, and it holds
    # exactly the votes the phones were told were counted.
    assert shown == decided.votes
    assert decided.votes.get(A, 0) == len(accepted)
    assert len(accepted) + len(refused) == len(tokens)
