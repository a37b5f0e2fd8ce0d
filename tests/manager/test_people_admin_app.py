"""People administration through the pages (AppTest): each action on Teams and people > Accounts,
each guard, the confirmation before deactivating, the audit log and its export, reset links,
My account, and that learners and managers reach none of it.

The database is the store world of tests/store (an admin, a manager of Team A, Ana and Abe in
Team A, Bea in Team B, a loner), with Ana, Abe and Bea having played a scenario.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from elearn.store import (
    RESET_TTL,
    AccountDeactivated,
    Role,
    audit_log,
    authenticate,
    change_roles,
    get_user,
    issue_reset_link,
    session_user,
    start_session,
    visible_teams,
)
from tests.app.conftest import as_read
from tests.conftest import REPO
from tests.store.helpers import PASSWORD

from .test_manager_app import App, open_page, shown_text, signed_in
from .test_manager_app import app as app  # the fixture: a database with teams, learners and play

NEW_PASSWORD = "a brand new passphrase"


def accounts(app: App, search: str = "ana", person: int | None = None) -> AppTest:
    """The admin on Accounts, with ``search`` typed and ``person`` (default: Ana) chosen."""
    at = open_page(signed_in(app, app.world.admin), "people")
    at.segmented_control(key="people-section").set_value("Accounts").run()
    at.text_input(key="admin-search").input(search).run()
    at.selectbox(key="admin-person").set_value(person or app.world.ana.id).run()
    assert not at.exception, at.exception
    return at


def successes(at: AppTest) -> list[str]:
    return [as_read(s.value) for s in at.success]


def errors(at: AppTest) -> list[str]:
    return [as_read(e.value) for e in at.error]


def test_finding_someone_by_a_fragment(app: App) -> None:
    at = open_page(signed_in(app, app.world.admin), "people")
    at.segmented_control(key="people-section").set_value("Accounts").run()
    at.text_input(key="admin-search").input("B").run()
    assert at.selectbox(key="admin-person").options == ["Abe (abe)", "Bea (bea)"]
    at.text_input(key="admin-search").input("zzz").run()
    assert "Nobody matches that." in [c.value for c in at.caption]


def test_an_admin_changes_roles(app: App) -> None:
    at = accounts(app)
    ana = app.world.ana.id
    at.multiselect(key=f"admin-roles-{ana}").set_value([Role.LEARNER, Role.FACILITATOR]).run()
    at.button(key=f"admin-save-roles-{ana}").click().run()
    assert successes(at) == ["ana now has the roles: facilitator, learner."]
    assert get_user(app.store, app.world.admin, ana).roles == {Role.LEARNER, Role.FACILITATOR}
    # Ana's own app now has the workshop pages.
    open_page(signed_in(app, app.world.ana), "rooms")


def test_an_admin_moves_renames_and_sets_an_email(app: App) -> None:
    at = accounts(app)
    ana = app.world.ana.id
    at.selectbox(key=f"admin-team-{ana}").set_value(app.world.team_b.id).run()
    at.button(key=f"admin-save-team-{ana}").click().run()
    assert successes(at) == ["ana is now in Team B."]
    at.text_input(key=f"admin-name-{ana}").input("Ana *Andersson*").run()
    at.button(key=f"admin-save-name-{ana}").click().run()
    assert successes(at) == ["ana is now shown as Ana *Andersson*."]  # escaped: shown as typed
    at.text_input(key=f"admin-email-{ana}").input("ana@example.org").run()
    at.button(key=f"admin-save-email-{ana}").click().run()
    assert successes(at) == ["ana's e-mail is now ana@example.org."]
    ana_now = get_user(app.store, app.world.admin, ana)
    assert (ana_now.team_id, ana_now.display_name, ana_now.email) == (app.world.team_b.id, "Ana *Andersson*",
                                                                     "ana@example.org")
    assert [e.action for e in audit_log(app.store, app.world.admin)] == ["set email", "rename", "set team"]


def test_making_someone_a_team_manager_and_stopping_it_are_audited(app: App) -> None:
    at = open_page(signed_in(app, app.world.admin), "people")
    at.segmented_control(key="people-section").set_value("Move people").run()
    at.text_input(key="move-search").input("ana").run()
    at.selectbox(key="move-person").set_value(app.world.ana.id).run()
    at.selectbox(key="move-team").set_value(app.world.team_b.id).run()
    next(b for b in at.button if b.label == "Make them its manager").click().run()
    assert successes(at) == ["Ana (ana) · Team A now manages Team B."]
    assert {t.name for t in visible_teams(app.store, app.world.ana)} == {"Team A", "Team B"}  # own and managed
    next(b for b in at.button if b.label == "Stop them managing it").click().run()
    assert successes(at) == ["Ana (ana) · Team A no longer manages Team B."]
    assert [(e.actor, e.action, e.subject, dict(e.after)) for e in audit_log(app.store, app.world.admin)] == [
        ("admin", "remove team manager", "ana", {"manages": []}),
        ("admin", "add team manager", "ana", {"manages": ["Team B"], "roles": ["learner", "manager"]}),
    ]


def test_a_bad_email_is_refused_with_the_reason(app: App) -> None:
    at = accounts(app)
    ana = app.world.ana.id
    at.text_input(key=f"admin-email-{ana}").input("ana.example.org").run()
    at.button(key=f"admin-save-email-{ana}").click().run()
    assert errors(at) == ["The email address does not look like an address (name@example.com)."]
    assert get_user(app.store, app.world.admin, ana).email is None


def test_deactivation_asks_first_then_ends_the_persons_session(app: App) -> None:
    learner = signed_in(app, app.world.ana)
    ana = app.world.ana.id
    at = accounts(app)
    at.button(key=f"admin-deactivate-{ana}").click().run()
    assert as_read(at.warning[0].value).startswith("Deactivate ana? They are signed out everywhere")
    assert get_user(app.store, app.world.admin, ana).active  # nothing yet
    at.button(key=f"admin-deactivate-no-{ana}").click().run()
    assert not at.warning
    at.button(key=f"admin-deactivate-{ana}").click().run()
    at.button(key=f"admin-deactivate-yes-{ana}").click().run()
    assert successes(at) == ["ana is deactivated and signed out everywhere."]
    assert not get_user(app.store, app.world.admin, ana).active
    learner.run()  # Ana's next click: her session is gone, the sign-in form is back
    assert [t.value for t in learner.title] == ["Calm under fire"]
    with pytest.raises(AccountDeactivated):
        authenticate(app.store, "ana", PASSWORD, datetime.now(UTC), client="test")
    # Her progress stays, reported as deactivated and left out of the figures.
    board = open_page(signed_in(app, app.world.manager), "dashboard")
    table = board.dataframe[0].value
    assert dict(zip(table["Learner"], table["Status"], strict=True))["Ana"] == "⚫ deactivated"
    assert "people with the learner role only" in shown_text(board)
    # Reactivated, she signs in with her old password.
    at = accounts(app)
    at.button(key=f"admin-reactivate-{ana}").click().run()
    assert successes(at) == ["ana is active again and can sign in with their old password."]
    assert authenticate(app.store, "ana", PASSWORD, datetime.now(UTC), client="test") is not None


def test_the_sign_in_form_says_an_account_is_deactivated(app: App) -> None:
    at = accounts(app)
    at.button(key=f"admin-deactivate-{app.world.ana.id}").click().run()
    at.button(key=f"admin-deactivate-yes-{app.world.ana.id}").click().run()
    visitor = AppTest.from_function(_launch, args=(str(REPO / "app.py"),), default_timeout=60).run()
    visitor.text_input(key="signin-username").input("ana")
    visitor.text_input(key="signin-password").input(PASSWORD)
    visitor.button(key="FormSubmitter:sign-in-Sign in").click().run()
    assert errors(visitor) == ["This account has been deactivated. Ask your administrator to reactivate it."]


def _launch(app_path: str) -> None:
    import runpy

    runpy.run_path(app_path, run_name="__main__")


@pytest.mark.parametrize(("action", "message"), [
    ("roles", "You are the last active administrator, so you can't remove your own admin role. Make someone else an "
              "administrator first."),
    ("deactivate", "You are the last active administrator, so you can't deactivate yourself. Make someone else an "
                   "administrator first."),
])
def test_the_last_admin_cannot_lock_themselves_out(app: App, action: str, message: str) -> None:
    me = app.world.admin.id
    at = accounts(app, "admin", me)
    if action == "roles":
        at.multiselect(key=f"admin-roles-{me}").set_value([Role.LEARNER]).run()
        at.button(key=f"admin-save-roles-{me}").click().run()
    else:
        at.button(key=f"admin-deactivate-{me}").click().run()
        at.button(key=f"admin-deactivate-yes-{me}").click().run()
    assert errors(at) == [message]
    admin = get_user(app.store, app.world.admin, me)
    assert admin.active
    assert admin.has(Role.ADMIN)
    assert audit_log(app.store, app.world.admin) == ()


def test_an_admin_demoted_meanwhile_cannot_act_from_the_open_page(app: App) -> None:
    change_roles(app.store, app.world.admin, app.world.manager.id, [Role.MANAGER, Role.ADMIN], datetime.now(UTC))
    at = accounts(app)  # the admin has Ana's account open...
    change_roles(app.store, app.world.manager, app.world.admin.id, [Role.LEARNER], datetime.now(UTC))
    at.text_input(key=f"admin-name-{app.world.ana.id}").input("Renamed").run()  # ...and types on
    assert "You don't have access to this page." in " ".join(errors(at) + [i.value for i in at.info])
    assert [b for b in at.button if b.key == f"admin-save-name-{app.world.ana.id}"] == []
    assert get_user(app.store, app.world.manager, app.world.ana.id).display_name == "Ana"


def test_a_reset_link_is_shown_once_and_works_once(app: App) -> None:
    at = accounts(app)
    old_session = start_session(app.store, app.world.ana.id, datetime.now(UTC))
    at.button(key=f"admin-reset-{app.world.ana.id}").click().run()
    assert successes(at)[0].startswith("A one-time link for ana to set a new password, valid 24 hours.")
    link = at.code[0].value
    assert "/reset?token=" in link
    at.run()
    assert not at.code  # shown once
    token = link.split("token=", 1)[1]
    page = reset_page(token)
    assert "For the account ana. The link works once." in [as_read(c.value) for c in page.caption]
    page.text_input(key="reset-new").input(NEW_PASSWORD)
    page.text_input(key="reset-repeat").input(NEW_PASSWORD)
    page.button(key="FormSubmitter:reset-password-Set password").click().run()
    assert successes(page) == ["Your new password is set, and every earlier sign-in has ended. Sign in with it now."]
    assert session_user(app.store, old_session, datetime.now(UTC)) is None
    assert authenticate(app.store, "ana", NEW_PASSWORD, datetime.now(UTC), client="test") is not None
    again = reset_page(token)
    assert errors(again) == ["This reset link is not valid any more: it was used already, it expired, or a newer "
                             "one replaced it. Ask your administrator for a new link."]
    assert not again.text_input


def test_with_email_set_up_the_reset_link_is_emailed_not_shown(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from elearn.store import change_email
    from elearn.store.outbox import jobs

    for name, value in (("ELEARN_SMTP_HOST", "127.0.0.1"), ("ELEARN_SMTP_TLS", "none"),
                        ("ELEARN_MAIL_SENDER", "training@example.org"), ("ELEARN_PUBLIC_URL", "https://learn.example.com")):
        monkeypatch.setenv(name, value)
    change_email(app.store, app.world.admin, app.world.ana.id, "ana@example.org", datetime.now(UTC))
    at = accounts(app)
    ana = app.world.ana.id
    assert not [b for b in at.button if b.key == f"admin-reset-{ana}"]  # nothing to copy by hand
    at.button(key=f"admin-reset-mail-{ana}").click().run()
    assert successes(at) == ["A one-time link to set a new password goes to ana@example.org with the next mail run, "
                             "valid 24 hours from then. Links made before stop working now."]
    assert not at.code
    assert [job.user_id for job in jobs(app.store) if job.kind == "reset"] == [ana]  # the world has assignments too
    assert [e.action for e in audit_log(app.store, app.world.admin)][:1] == ["e-mail reset link"]


def test_without_email_set_up_the_page_says_why_the_link_is_shown(app: App) -> None:
    at = accounts(app)
    assert not [b for b in at.button if b.key == f"admin-reset-mail-{app.world.ana.id}"]
    assert "They have no e-mail address, so a reset link is shown here once for you to pass on." in [
        c.value for c in at.caption]


def test_an_expired_reset_link_is_refused(app: App) -> None:
    issued = datetime.now(UTC) - RESET_TTL - timedelta(seconds=1)
    token = issue_reset_link(app.store, app.world.admin, app.world.ana.id, issued)
    assert errors(reset_page(token))[0].startswith("This reset link is not valid any more")
    assert errors(reset_page("forged"))[0].startswith("This reset link is not valid any more")


def test_mismatched_new_passwords_change_nothing(app: App) -> None:
    token = issue_reset_link(app.store, app.world.admin, app.world.ana.id, datetime.now(UTC))
    page = reset_page(token)
    page.text_input(key="reset-new").input(NEW_PASSWORD)
    page.text_input(key="reset-repeat").input(NEW_PASSWORD + "!")
    page.button(key="FormSubmitter:reset-password-Set password").click().run()
    assert errors(page) == ["The two passwords are different. Type them again."]
    page.text_input(key="reset-new").input("short")
    page.text_input(key="reset-repeat").input("short")
    page.button(key="FormSubmitter:reset-password-Set password").click().run()
    assert errors(page) == ["Use at least 10 characters."]
    assert authenticate(app.store, "ana", PASSWORD, datetime.now(UTC), client="test") is not None


def reset_page(token: str) -> AppTest:
    """The reset link opened signed out, in a new browser."""
    at = AppTest.from_function(_launch, args=(str(REPO / "app.py"),), default_timeout=60)
    at.query_params["token"] = token
    at.switch_page(str(REPO / "pages" / "reset.py"))
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_audit_log_is_shown_and_exported(app: App) -> None:
    at = accounts(app)
    ana = app.world.ana.id
    at.text_input(key=f"admin-name-{ana}").input("=HYPERLINK(\"http://x\")").run()
    at.button(key=f"admin-save-name-{ana}").click().run()
    at.segmented_control(key="people-section").set_value("Audit log").run()
    table = at.dataframe[0].value
    assert list(table["Who"]) == ["admin"]
    assert list(table["Action"]) == ["rename"]
    assert list(table["After"]) == ['display_name: =HYPERLINK("http://x")']
    download = at.get("download_button")[0]
    assert download.proto.label == "Download the audit log (CSV)"


@pytest.mark.parametrize("who", ["ana", "manager"])
def test_learners_and_managers_reach_no_administration(app: App, who: str) -> None:
    at = signed_in(app, getattr(app.world, who))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(at, "people")
    direct = AppTest.from_file(str(REPO / "pages" / "people.py"), default_timeout=60)
    direct.session_state["session_token"] = start_session(app.store, getattr(app.world, who).id, datetime.now(UTC))
    direct.session_state["people-section"] = "Accounts"
    direct.run()
    assert [e.value for e in direct.error] == ["You don't have access to this page."]
    assert not [t for t in direct.text_input if t.key == "admin-search"]


def test_my_account_changes_the_password_with_the_current_one(app: App) -> None:
    at = open_page(signed_in(app, app.world.ana), "account")
    assert [t.value for t in at.title] == ["My account"]
    form = "FormSubmitter:change-password-Change password"
    at.text_input(key="account-current").input("wrong password!")
    at.text_input(key="account-new").input(NEW_PASSWORD)
    at.text_input(key="account-repeat").input(NEW_PASSWORD)
    at.button(key=form).click().run()
    assert errors(at) == ["The current password is not right. Type it again."]
    at.text_input(key="account-current").input(PASSWORD)
    at.text_input(key="account-new").input(NEW_PASSWORD)
    at.text_input(key="account-repeat").input(NEW_PASSWORD)
    at.button(key=form).click().run()
    assert successes(at) == ["Your password is changed. You were signed out everywhere else."]
    assert [t.value for t in at.title] == ["My account"]  # this tab stays signed in, on a new session
    assert authenticate(app.store, "ana", NEW_PASSWORD, datetime.now(UTC), client="test") is not None


def test_the_audit_export_is_csv_safe_in_a_spreadsheet(app: App) -> None:
    from elearn.manage.exports import audit_csv

    at = accounts(app)
    ana = app.world.ana.id
    at.text_input(key=f"admin-name-{ana}").input("@SUM(A1)").run()
    at.button(key=f"admin-save-name-{ana}").click().run()
    rows = list(csv.reader(io.StringIO(audit_csv(audit_log(app.store, app.world.admin)).decode("utf-8-sig"))))
    assert rows[1][1:4] == ["admin", "rename", "ana"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
