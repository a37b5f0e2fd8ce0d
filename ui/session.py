"""Per-run accessors: the signed-in learner's progress, read once per script run."""

from __future__ import annotations

from elearn.store import Progress, Role, User, progress_for
from ui.auth import require
from ui.nav import link
from ui.store import current_store


def learner() -> User:
    """The signed-in user, who must hold the learner role (the page stops otherwise)."""
    return require(Role.LEARNER)


def my_progress(user: User) -> Progress:
    """The user's own progress: one consistent read from the store for this run."""
    return progress_for(current_store(), user, user.id)


def status_badge(status: str) -> str:
    return {"done": ":green-badge[Done]", "in progress": ":orange-badge[In progress]"}.get(
        status, ":gray-badge[Not started]")


def link_lesson(lesson_id: str, label: str, icon: str = "📖") -> None:
    link("lesson", label, icon, lesson=lesson_id)


def link_scenario(scenario_id: str, label: str, icon: str = "💬") -> None:
    link("scenario", label, icon, scenario=scenario_id)
