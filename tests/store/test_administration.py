"""People administration in the store, on SQLite and PostgreSQL: each action, each guard, the
audit log written with the action, deactivation ending sessions, and one-time reset links."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from elearn.course.passing import PassRule
from elearn.manage.dashboard import DEACTIVATED, completion_rows, summary
from elearn.manage.exports import audit_csv
from elearn.store import (
    RESET_TTL,
    SERVER_SHELL,
    AccessDenied,
    AccountDeactivated,
    AccountError,
    LastAdministrator,
    NotFound,
    PeopleRefused,
    Role,
    Store,
    UsernameTaken,
    WeakPassword,
    add_people,
    add_team_manager,
    add_user,
    audit_log,
    authenticate,
    change_email,
    change_password,
    change_roles,
    change_team,
    claim_setup_token,
    create_admin,
    create_team,
    deactivate,
    find_people,
    get_user,
    issue_reset_link,
    issue_setup_token,
    managed_teams,
    person,
    reactivate,
    remove_team_manager,
    rename,
    reset_link_user,
    reset_password,
    session_user,
    start_session,
    team_named,
)
from elearn.store.administration import record_audit, require_admin
from elearn.store.analytics import learner_facts
from elearn.store.identities import Identity, IdentityRefused, sign_in_with_identity
from elearn.store.records import NewAccount
from tests.conftest import shipped_course

from .helpers import NOW, PASSWORD, World

NEW_PASSWORD = "a brand new passphrase"
LATER = NOW + timedelta(minutes=5)


def test_find_people_by_a_fragment_of_name_username_or_email(store: Store, world: World) -> None:
    change_email(store, world.admin, world.bea.id, "Bea.Berg@Example.org", NOW)
    assert [u.username for u in find_people(store, world.admin, "A")] == ["abe", "admin", "ana", "bea", "manny"]
    assert [u.username for u in find_people(store, world.admin, "berg@")] == ["bea"]
    assert [u.username for u in find_people(store, world.admin, "MANNY")] == ["manny"]
    assert [u.username for u in find_people(store, world.admin, "%")] == []  # a LIKE wildcard is a plain character
    assert find_people(store, world.admin, "   ") == ()
    assert len(find_people(store, world.admin, "a", limit=2)) == 2
    rename(store, world.admin, world.loner.id, "Örjan Ødegård", NOW)  # beyond ASCII, as str.casefold() folds
    assert [u.username for u in find_people(store, world.admin, "öRJAN ødeg")] == ["loner"]
    assert [u.username for u in find_people(store, world.admin, "ÖDEG")] == []  # Ø is not Ö


def test_roles_team_name_and_email_change_and_each_is_audited(store: Store, world: World) -> None:
    ana = change_roles(store, world.admin, world.ana.id, [Role.LEARNER, Role.FACILITATOR], NOW)
    assert ana.roles == {Role.LEARNER, Role.FACILITATOR}
    assert change_team(store, world.admin, world.ana.id, world.team_b.id, NOW).team_id == world.team_b.id
    assert change_team(store, world.admin, world.ana.id, None, NOW).team_id is None
    assert rename(store, world.admin, world.ana.id, "  Ana Andersson ", NOW).display_name == "Ana Andersson"
    changed = change_email(store, world.admin, world.ana.id, " Ana@Example.ORG ", NOW)
    assert (changed.email, changed.email_verified) == ("ana@example.org", True)
    assert change_email(store, world.admin, world.ana.id, "", LATER).email is None
    events = audit_log(store, world.admin)
    assert [(e.actor, e.action, e.subject, dict(e.before), dict(e.after)) for e in reversed(events)] == [
        ("admin", "set roles", "ana", {"roles": ["learner"]}, {"roles": ["facilitator", "learner"]}),
        ("admin", "set team", "ana", {"team": "Team A"}, {"team": "Team B"}),
        ("admin", "set team", "ana", {"team": "Team B"}, {"team": None}),
        ("admin", "rename", "ana", {"display_name": "Ana"}, {"display_name": "Ana Andersson"}),
        ("admin", "set email", "ana", {"email": None}, {"email": "ana@example.org"}),
        ("admin", "set email", "ana", {"email": "ana@example.org"}, {"email": None}),
    ]
    assert events[0].occurred_at == LATER
    assert [e.action for e in audit_log(store, world.admin, limit=2)] == ["set email", "set email"]


def test_who_manages_a_team_changes_and_each_change_is_audited(store: Store, world: World) -> None:
    assert managed_teams(store, world.admin, world.manager.id) == ("Team A",)  # seeded, not audited
    assert audit_log(store, world.admin) == ()
    add_team_manager(store, world.admin, world.manager.id, world.team_b.id, NOW)
    assert add_team_manager(store, world.admin, world.ana.id, world.team_a.id, NOW).roles == {Role.LEARNER,
                                                                                              Role.MANAGER}
    add_team_manager(store, world.admin, world.ana.id, world.team_a.id, NOW)  # already: nothing to audit
    remove_team_manager(store, SERVER_SHELL, world.manager.id, world.team_a.id, LATER)
    remove_team_manager(store, SERVER_SHELL, world.manager.id, world.team_a.id, LATER)  # no longer: idem
    assert managed_teams(store, world.admin, world.manager.id) == ("Team B",)
    assert get_user(store, world.admin, world.manager.id).has(Role.MANAGER)  # may get a team again
    events = audit_log(store, world.admin)
    assert [(e.actor, e.action, e.subject, dict(e.before), dict(e.after)) for e in reversed(events)] == [
        ("admin", "add team manager", "manny", {"manages": ["Team A"]}, {"manages": ["Team A", "Team B"]}),
        ("admin", "add team manager", "ana", {"manages": [], "roles": ["learner"]},
         {"manages": ["Team A"], "roles": ["learner", "manager"]}),
        ("server shell", "remove team manager", "manny", {"manages": ["Team A", "Team B"]}, {"manages": ["Team B"]}),
    ]
    assert events[0].occurred_at == LATER


@pytest.mark.parametrize("change", [add_team_manager, remove_team_manager], ids=["add", "remove"])
def test_a_team_manager_change_for_an_unknown_team_or_account_is_refused_and_not_audited(
        store: Store, world: World, change: object) -> None:
    assert callable(change)
    with pytest.raises(NotFound, match=re.escape("There is no team with id 999.")):
        change(store, world.admin, world.manager.id, 999, NOW)
    with pytest.raises(NotFound, match=re.escape("There is no user with id 999.")):
        change(store, world.admin, 999, world.team_a.id, NOW)
    assert audit_log(store, world.admin) == ()
    assert managed_teams(store, world.admin, world.manager.id) == ("Team A",)


def test_bad_values_are_refused_with_a_message_and_nothing_is_audited(store: Store, world: World) -> None:
    change_email(store, world.admin, world.abe.id, "abe@example.org", NOW)
    before = len(audit_log(store, world.admin))
    with pytest.raises(UsernameTaken, match=re.escape("Another account already uses that e-mail address.")):
        change_email(store, world.admin, world.ana.id, "ABE@example.org", NOW)
    with pytest.raises(AccountError, match="does not look like an address"):
        change_email(store, world.admin, world.ana.id, "not-an-address", NOW)
    with pytest.raises(AccountError, match="201 characters long"):
        rename(store, world.admin, world.ana.id, "n" * 201, NOW)
    with pytest.raises(NotFound, match="no team with id 999"):
        change_team(store, world.admin, world.ana.id, 999, NOW)
    with pytest.raises(NotFound, match="no user with id 999999"):
        change_roles(store, world.admin, 999_999, [Role.LEARNER], NOW)
    with pytest.raises(NotFound, match="no user with id"):
        deactivate(store, world.admin, 2**40, NOW)
    assert len(audit_log(store, world.admin)) == before


def test_the_last_active_admin_cannot_remove_their_own_admin_role(store: Store, world: World) -> None:
    refusal = ("You are the last active administrator, so you can't remove your own admin role. Make someone else "
               "an administrator first.")
    with pytest.raises(LastAdministrator, match=re.escape(refusal)):
        change_roles(store, world.admin, world.admin.id, [Role.LEARNER], NOW)
    assert get_user(store, world.admin, world.admin.id).has(Role.ADMIN)
    assert audit_log(store, world.admin) == ()  # refused: written in the same transaction, so rolled back
    change_roles(store, world.admin, world.manager.id, [Role.MANAGER, Role.ADMIN], NOW)
    change_roles(store, world.admin, world.admin.id, [Role.LEARNER], NOW)  # another admin exists now
    assert not get_user(store, world.manager, world.admin.id).has(Role.ADMIN)


def test_a_deactivated_admin_does_not_count_as_the_other_administrator(store: Store, world: World) -> None:
    change_roles(store, world.admin, world.manager.id, [Role.MANAGER, Role.ADMIN], NOW)
    deactivate(store, world.admin, world.manager.id, NOW)
    with pytest.raises(LastAdministrator):
        change_roles(store, world.admin, world.admin.id, [Role.LEARNER], NOW)
    with pytest.raises(LastAdministrator, match="can't deactivate yourself"):
        deactivate(store, world.admin, world.admin.id, NOW)
    with pytest.raises(AccessDenied, match="deactivated"):  # a deactivated admin administers nothing
        rename(store, world.manager, world.ana.id, "Hacked", NOW)


def test_the_last_active_admin_cannot_deactivate_themselves_not_even_from_the_shell(store: Store,
                                                                                   world: World) -> None:
    refusal = "You are the last active administrator, so you can't deactivate yourself."
    with pytest.raises(LastAdministrator, match=re.escape(refusal)):
        deactivate(store, world.admin, world.admin.id, NOW)
    with pytest.raises(LastAdministrator, match="last active administrator"):
        deactivate(store, SERVER_SHELL, world.admin.id, NOW)
    assert get_user(store, world.admin, world.admin.id).active


def test_deactivation_ends_every_session_refuses_sign_in_and_keeps_the_data(store: Store, world: World) -> None:
    tokens = [start_session(store, world.ana.id, NOW) for _ in range(3)]
    gone = deactivate(store, world.admin, world.ana.id, LATER)
    assert gone.deactivated_at == LATER
    assert not gone.active
    assert [session_user(store, token, LATER) for token in tokens] == [None, None, None]
    with pytest.raises(AccountDeactivated, match=re.escape("This account has been deactivated. Ask your admin")):
        authenticate(store, "ana", PASSWORD, LATER, client="test")
    assert authenticate(store, "ana", "wrong password!", LATER, client="test") is None  # says nothing more
    assert get_user(store, world.manager, world.ana.id).username == "ana"  # still there, for reports
    event = audit_log(store, world.admin)[0]
    assert (event.action, dict(event.before), dict(event.after)) == (
        "deactivate", {"active": True}, {"active": False, "sessions_ended": 3})
    assert deactivate(store, world.admin, world.ana.id, LATER).deactivated_at == LATER  # idempotent, not re-audited
    assert len(audit_log(store, world.admin)) == 1
    # A session started some other way is still refused while deactivated.
    assert session_user(store, start_session(store, world.ana.id, LATER), LATER) is None
    back = reactivate(store, world.admin, world.ana.id, LATER)
    assert back.active
    assert authenticate(store, "ana", PASSWORD, LATER, client="test") == get_user(store, world.ana, world.ana.id)
    assert [e.action for e in audit_log(store, world.admin)] == ["reactivate", "deactivate"]


def test_a_reset_link_works_once_then_is_refused(store: Store, world: World) -> None:
    session = start_session(store, world.ana.id, NOW)
    token = issue_reset_link(store, world.admin, world.ana.id, NOW)
    assert reset_link_user(store, token, NOW).username == "ana"  # type: ignore[union-attr]
    with pytest.raises(WeakPassword, match="at least 10 characters"):
        reset_password(store, token, "short", NOW)
    assert reset_password(store, token, NEW_PASSWORD, LATER).username == "ana"
    assert session_user(store, session, LATER) is None  # the old sessions end with the old password
    assert authenticate(store, "ana", NEW_PASSWORD, LATER, client="test") is not None
    assert reset_link_user(store, token, LATER) is None
    with pytest.raises(AccountError, match="This reset link is not valid any more: it was used already"):
        reset_password(store, token, "yet another passphrase", LATER)
    assert authenticate(store, "ana", NEW_PASSWORD, LATER, client="test") is not None
    assert [(e.actor, e.action, e.subject) for e in audit_log(store, world.admin)] == [
        ("ana", "reset password", "ana"), ("admin", "issue reset link", "ana")]


def test_a_reset_link_is_refused_after_expiry_and_when_replaced(store: Store, world: World) -> None:
    old = issue_reset_link(store, world.admin, world.ana.id, NOW)
    new = issue_reset_link(store, world.admin, world.ana.id, NOW + timedelta(minutes=1))
    with pytest.raises(AccountError, match="not valid any more"):
        reset_password(store, old, NEW_PASSWORD, NOW + timedelta(minutes=2))  # replaced by the newer link
    expired = NOW + timedelta(minutes=1) + RESET_TTL
    assert reset_link_user(store, new, expired - timedelta(seconds=1)) is not None
    with pytest.raises(AccountError, match="not valid any more"):
        reset_password(store, new, NEW_PASSWORD, expired)
    assert authenticate(store, "ana", PASSWORD, expired, client="test") is not None
    with pytest.raises(AccountError, match="not valid any more"):
        reset_password(store, "made-up-token", NEW_PASSWORD, NOW)


def test_no_reset_link_for_a_deactivated_account_and_an_issued_one_stops_working(store: Store,
                                                                               world: World) -> None:
    token = issue_reset_link(store, world.admin, world.ana.id, NOW)
    deactivate(store, world.admin, world.ana.id, NOW)
    with pytest.raises(AccountError, match="not valid any more"):
        reset_password(store, token, NEW_PASSWORD, NOW)
    with pytest.raises(AccountError, match=re.escape("'ana' is deactivated. Reactivate the account")):
        issue_reset_link(store, world.admin, world.ana.id, NOW)


def test_a_user_changes_their_own_password_with_the_current_one(store: Store, world: World) -> None:
    session = start_session(store, world.ana.id, NOW)
    with pytest.raises(AccountError, match="The current password is not right"):
        change_password(store, world.ana, "wrong password!", NEW_PASSWORD, NOW, client="test")
    with pytest.raises(WeakPassword, match="must not be the username"):
        change_password(store, world.ana, PASSWORD, "ana", NOW, client="test")
    assert session_user(store, session, NOW) is not None
    change_password(store, world.ana, PASSWORD, NEW_PASSWORD, NOW, client="test")
    assert session_user(store, session, NOW) is None
    assert authenticate(store, "ana", PASSWORD, LATER, client="test") is None
    assert authenticate(store, "ana", NEW_PASSWORD, LATER, client="test") is not None


def test_the_shell_acts_as_the_server_shell_in_the_log(store: Store, world: World) -> None:
    assert person(store, SERVER_SHELL, " ANA ").id == world.ana.id
    assert team_named(store, SERVER_SHELL, "team b").id == world.team_b.id
    with pytest.raises(NotFound, match=re.escape("There is no team called 'Night'. Teams: 'Team A', 'Team B'.")):
        team_named(store, SERVER_SHELL, "Night")
    with pytest.raises(NotFound, match="no account with the username 'nobody'"):
        person(store, SERVER_SHELL, "nobody")
    rename(store, SERVER_SHELL, world.ana.id, "Ana A.", NOW)
    assert [(e.actor, e.action) for e in audit_log(store, SERVER_SHELL)] == [("server shell", "rename")]


@pytest.mark.parametrize(("extra", "roles"), [
    ((Role.FACILITATOR, Role.MANAGER), {Role.ADMIN, Role.LEARNER, Role.FACILITATOR, Role.MANAGER}),
    ((), {Role.ADMIN, Role.LEARNER}),
], ids=["by-default", "first_admin_roles-off"])
def test_the_first_administrator_is_also_facilitator_and_manager_unless_turned_off(
        store: Store, extra: tuple[Role, ...], roles: set[Role]) -> None:
    token = issue_setup_token(store, NOW)
    kwargs = {} if extra else {"extra_roles": extra}
    assert claim_setup_token(store, token, "boss", PASSWORD, NOW, **kwargs).roles == roles  # type: ignore[arg-type]


def test_creating_teams_and_accounts_is_audited_with_who_they_are_and_never_a_password(
        store: Store, world: World) -> None:
    team = create_team(store, world.admin, "Night shift", NOW)
    add_user(store, world.admin, username="eve", display_name="Eve", password=PASSWORD, now=NOW,
             email="eve@example.org", team_id=team.id)
    add_people(store, world.admin, [
        NewAccount(username="fay", display_name="Fay", team_id=world.team_a.id, password=PASSWORD),
        NewAccount(username="gus", roles=frozenset({Role.LEARNER}), manages=(team.id,)),
    ], NOW)
    create_admin(store, "root2", PASSWORD, NOW + timedelta(seconds=1))
    logged = [(e.actor, e.action, e.subject, dict(e.before), dict(e.after))
              for e in reversed(audit_log(store, world.admin))]
    assert logged == [
        ("admin", "create team", "", {}, {"team": "Night shift"}),
        ("admin", "create account", "eve", {}, {"username": "eve", "display_name": "Eve", "email": "eve@example.org",
                                                "roles": ["learner"], "team": "Night shift", "manages": []}),
        ("admin", "create account (upload)", "fay", {}, {"username": "fay", "display_name": "Fay", "email": None,
                                                         "roles": ["learner"], "team": "Team A", "manages": []}),
        ("admin", "create account (upload)", "gus", {}, {"username": "gus", "display_name": "gus", "email": None,
                                                         "roles": ["learner", "manager"], "team": None,
                                                         "manages": ["Night shift"]}),
        ("server shell", "create administrator", "root2", {}, {
            "username": "root2", "display_name": "root2", "email": None, "roles": ["admin", "learner"], "team": None,
            "manages": []}),
    ]
    assert PASSWORD not in repr(audit_log(store, world.admin))


def test_a_refused_upload_or_team_writes_nothing_to_the_log(store: Store, world: World) -> None:
    with pytest.raises(AccountError):
        create_team(store, world.admin, "Team A", NOW)  # taken
    with pytest.raises(AccessDenied):
        create_team(store, world.manager, "Team C", NOW)
    with pytest.raises(PeopleRefused):
        add_people(store, world.admin, [NewAccount(username="ok"), NewAccount(username="ana")], NOW)  # ana exists
    assert audit_log(store, world.admin) == ()


def test_the_first_administrator_is_audited_as_made_through_the_set_up_token(store: Store) -> None:
    token = issue_setup_token(store, NOW)
    boss = claim_setup_token(store, token, "boss", PASSWORD, NOW)
    assert [(e.actor, e.action, e.subject, e.after["roles"]) for e in audit_log(store, boss)] == [
        ("boss", "first administrator (set-up)", "boss", ["admin", "facilitator", "learner", "manager"])]


def test_the_audit_export_is_safe_against_formula_injection(store: Store, world: World) -> None:
    rename(store, world.admin, world.ana.id, "=HYPERLINK(\"http://evil\")", NOW)
    rename(store, world.admin, world.abe.id, "Abe", LATER)
    rows = list(csv.reader(io.StringIO(audit_csv(audit_log(store, world.admin)).decode("utf-8-sig"))))
    assert rows[0] == ["When (UTC)", "Who", "Action", "Account", "Before", "After"]
    assert rows[2] == ["2025-01-06 09:00", "admin", "rename", "ana", '{"display_name": "Ana"}',
                       '{"display_name": "=HYPERLINK(\\"http://evil\\")"}']
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("action", [
    lambda store, actor, world: find_people(store, actor, "a"),
    lambda store, actor, world: person(store, actor, "ana"),
    lambda store, actor, world: team_named(store, actor, "Team A"),
    lambda store, actor, world: change_roles(store, actor, actor.id, [Role.ADMIN], NOW),
    lambda store, actor, world: change_team(store, actor, world.bea.id, world.team_a.id, NOW),
    lambda store, actor, world: rename(store, actor, world.ana.id, "Hacked", NOW),
    lambda store, actor, world: change_email(store, actor, world.ana.id, "evil@example.org", NOW),
    lambda store, actor, world: deactivate(store, actor, world.admin.id, NOW),
    lambda store, actor, world: reactivate(store, actor, world.ana.id, NOW),
    lambda store, actor, world: issue_reset_link(store, actor, world.admin.id, NOW),
    lambda store, actor, world: audit_log(store, actor),
    lambda store, actor, world: add_team_manager(store, actor, actor.id, world.team_b.id, NOW),
    lambda store, actor, world: remove_team_manager(store, actor, world.manager.id, world.team_a.id, NOW),
    lambda store, actor, world: managed_teams(store, actor, world.manager.id),
    lambda store, actor, world: store.write(lambda conn: require_admin(conn, actor)),
    lambda store, actor, world: store.write(lambda conn: (require_admin(conn, actor),
                                                          record_audit(conn, actor, "x", None, {}, {}, NOW))),
], ids=["find_people", "person", "team_named", "change_roles", "change_team", "rename", "change_email", "deactivate",
        "reactivate", "issue_reset_link", "audit_log", "add_team_manager", "remove_team_manager", "managed_teams",
        "require_admin", "record_audit"])
@pytest.mark.parametrize("actor", ["ana", "manager"])
def test_only_admins_administer_people(store: Store, world: World, action: object, actor: str) -> None:
    assert callable(action)
    with pytest.raises(AccessDenied, match=re.escape("Only a user with the admin role can do this.")):
        action(store, getattr(world, actor), world)
    assert audit_log(store, world.admin) == ()
    assert get_user(store, world.admin, world.admin.id).active


def test_single_sign_on_refuses_a_deactivated_account(store: Store, world: World) -> None:
    change_email(store, world.admin, world.ana.id, "ana@example.org", NOW)  # an admin's address: verified
    identity = Identity(issuer="https://id.example", subject="ana-1", email="ana@example.org", email_verified=True,
                        name="Ana")
    assert sign_in_with_identity(store, identity, NOW, allow_sign_up=False).id == world.ana.id
    deactivate(store, world.admin, world.ana.id, NOW)
    with pytest.raises(IdentityRefused, match="deactivated"):
        sign_in_with_identity(store, identity, NOW, allow_sign_up=False)


def test_team_progress_shows_a_deactivated_learner_but_leaves_them_out_of_the_figures(store: Store,
                                                                                     world: World) -> None:
    deactivate(store, world.admin, world.bea.id, NOW)
    course = shipped_course()
    facts = learner_facts(store, world.admin, [lesson.id for lesson in course.lessons],
                          [scenario.id for scenario in course.scenarios])
    rows = completion_rows(course, facts, {}, {}, NOW, pass_rule=PassRule())
    statuses = {row.username: row.status for row in rows}
    assert statuses["bea"] == DEACTIVATED
    assert statuses["ana"] == "not started"
    assert "manny" not in statuses  # a manager without the learner role is no learner
    assert summary(rows).learners == len(rows) - 1
