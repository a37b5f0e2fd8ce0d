"""The progress store: accounts, sessions, lesson completions, scenario attempts, choice events.

SQLite by default (a file in the data directory, no setup), any SQLAlchemy URL otherwise
(PostgreSQL through psycopg 3), with one code path for both. Pages call these functions with
the signed-in ``User``; they get frozen dataclasses back and never see SQL or ORM objects.

    store = open_store(settings.database_url, settings.data_dir)  # elearn.settings
    upgrade(store)                                   # on start; idempotent
    user = session_user(store, cookie_token, now)    # None: show the sign-in form
    progress = progress_for(store, user, user.id)    # AccessDenied unless allowed

See docs/store.md for the schema, the guarantees and the benchmark figures.
"""

from __future__ import annotations

from elearn.store.accounts import (
    admin_exists,
    authenticate,
    claim_setup_token,
    create_admin,
    create_user,
    issue_setup_token,
    password_problems,
    register,
    user_by_email,
)
from elearn.store.answers import record_answer
from elearn.store.db import RetryPolicy, Store, open_store
from elearn.store.errors import (
    AccessDenied,
    AccountError,
    AttemptFinished,
    NotFound,
    PeopleRefused,
    RegistrationClosed,
    SetupClosed,
    StoreError,
    StoreMoved,
    StoreUnavailable,
    UsernameTaken,
    WeakPassword,
)
from elearn.store.events import events_for, first_attempt_evidence, record_choice, scenario_events
from elearn.store.identities import (
    Identity,
    IdentityRefused,
    confirm_email,
    confirm_email_by_username,
    sign_in_with_identity,
)
from elearn.store.joining import admit_join, code_was_right
from elearn.store.migrate import current_revision, head_revision, upgrade
from elearn.store.people import (
    account_problems,
    add_people,
    add_team_manager,
    add_user,
    assign_team,
    check_people,
    create_team,
    get_user,
    remove_team_manager,
    set_roles,
    visible_teams,
    visible_users,
)
from elearn.store.progress import (
    attempts_for,
    complete_lesson,
    finish_attempt,
    get_attempt,
    progress_for,
    save_run,
    start_attempt,
)
from elearn.store.records import (
    Attempt,
    ChoiceEvent,
    Evidence,
    Finish,
    LessonCompletion,
    NewAccount,
    NewChoice,
    Progress,
    Role,
    Team,
    Throttled,
    User,
    Viewer,
    id_from_text,
)
from elearn.store.replies import (
    MAX_REPLY_CHARS,
    NamedReply,
    TypedReply,
    own_words_setting,
    replies_with_names,
    scenario_replies,
    set_own_words,
    typed_replies_for,
)
from elearn.store.sessions import (
    end_all_sessions,
    end_session,
    issue_cookie_code,
    redeem_cookie_code,
    session_user,
    start_session,
)

PER_USER_READS = (progress_for, events_for, first_attempt_evidence, get_user, attempts_for, typed_replies_for)
"""Every public read of one user's data, called as ``read(store, viewer, user_id)``. The privacy
tests run each against every role; a new read of someone's data belongs here."""

__all__ = [
    "MAX_REPLY_CHARS",
    "PER_USER_READS",
    "AccessDenied",
    "AccountError",
    "Attempt",
    "AttemptFinished",
    "ChoiceEvent",
    "Evidence",
    "Finish",
    "Identity",
    "IdentityRefused",
    "LessonCompletion",
    "NamedReply",
    "NewAccount",
    "NewChoice",
    "NotFound",
    "PeopleRefused",
    "Progress",
    "RegistrationClosed",
    "RetryPolicy",
    "Role",
    "SetupClosed",
    "Store",
    "StoreError",
    "StoreMoved",
    "StoreUnavailable",
    "Team",
    "Throttled",
    "TypedReply",
    "User",
    "UsernameTaken",
    "Viewer",
    "WeakPassword",
    "account_problems",
    "add_people",
    "add_team_manager",
    "add_user",
    "admin_exists",
    "admit_join",
    "assign_team",
    "attempts_for",
    "authenticate",
    "check_people",
    "claim_setup_token",
    "code_was_right",
    "complete_lesson",
    "confirm_email",
    "confirm_email_by_username",
    "create_admin",
    "create_team",
    "create_user",
    "current_revision",
    "end_all_sessions",
    "end_session",
    "events_for",
    "finish_attempt",
    "first_attempt_evidence",
    "get_attempt",
    "get_user",
    "head_revision",
    "id_from_text",
    "issue_cookie_code",
    "issue_setup_token",
    "open_store",
    "own_words_setting",
    "password_problems",
    "progress_for",
    "record_answer",
    "record_choice",
    "redeem_cookie_code",
    "register",
    "remove_team_manager",
    "replies_with_names",
    "save_run",
    "scenario_events",
    "scenario_replies",
    "session_user",
    "set_own_words",
    "set_roles",
    "sign_in_with_identity",
    "start_attempt",
    "start_session",
    "typed_replies_for",
    "upgrade",
    "user_by_email",
    "visible_teams",
    "visible_users",
]
