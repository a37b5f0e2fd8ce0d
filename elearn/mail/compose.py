"""What each e-mail says: plain text plus simple HTML, links on the app's public address.

Every value that comes from people or authors (names, team names, titles) is escaped in the
HTML (``html.escape``); the text part is plain. Reminders carry a one-click opt-out: a link in
the body to the ``/unsubscribe`` page, and the ``List-Unsubscribe`` and ``List-Unsubscribe-Post``
headers (RFC 8058) pointing at the app's POST route. Assignment notices, digests and reset links
have none: they are not reminders.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from html import escape
from urllib.parse import quote, urlencode

from elearn.course.catalogue import Course
from elearn.mail.schedule import Situation, team_rows
from elearn.manage.dashboard import COMPLETED, OVERDUE, team_skills
from elearn.store.assignments import Assignment
from elearn.store.outbox import ASSIGNED, DIGEST, DUE_SOON, Recipient
from elearn.store.resets import RESET_PATH

COURSE_TITLE = "Calm under fire"
UNSUBSCRIBE_PAGE = "unsubscribe"
ONE_CLICK_PATH = "/mail/unsubscribe"
"""The POST route (``ui/routes.py``) that a mail client's one-click unsubscribe calls."""
STRUGGLING_BELOW = 0.8
"""A team skill whose mean mastery is below this (not yet proficient) is one the team struggles with."""
LISTED = 15


@dataclass(frozen=True)
class Message:
    """One e-mail, ready to send or to preview."""

    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)

    def email(self, sender: str, job_key: str, now: datetime) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Date"] = format_datetime(now)
        domain = parseaddr(sender)[1].rpartition("@")[2] or "elearn.invalid"
        # The same job always has the same Message-ID, so a receiver can drop a repeat.
        message["Message-ID"] = f"<{hashlib.sha256(job_key.encode()).hexdigest()[:32]}@{domain}>"
        message["Auto-Submitted"] = "auto-generated"
        for name, value in self.headers.items():
            message[name] = value
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        return message


def link(base_url: str, page: str, **query: str) -> str:
    return f"{base_url}/{quote(page)}" + (f"?{urlencode(query)}" if query else "")


def what_is_asked(course: Course, assignment: Assignment) -> str:
    if assignment.whole_course:
        return f"the course {COURSE_TITLE}"
    titles = [lesson.title for lesson_id in assignment.modules if (lesson := course.lesson(lesson_id)) is not None]
    return "the module" + ("s " if len(titles) != 1 else " ") + ", ".join(titles or assignment.modules)


def _day(moment: datetime) -> str:
    return f"{moment:%A %d %B %Y}"


def _page(paragraphs: list[str], action: tuple[str, str] | None, footer: str = "") -> str:
    """Simple HTML: escaped paragraphs (already escaped by the caller), one button-like link."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    if action is not None:
        body += (f'<p><a href="{escape(action[1])}" style="background:#1f4e79;color:#ffffff;padding:8px 14px;'
                 f'text-decoration:none;border-radius:4px">{escape(action[0])}</a></p>')
    if footer:
        body += f'<p style="color:#444444;font-size:90%">{footer}</p>'
    return f'<!doctype html><html lang="en"><body style="font-family:sans-serif;color:#1a1a1a">{body}</body></html>'


def assignment_notice(course: Course, person: Recipient, assignment: Assignment, base_url: str) -> Message:
    asked = what_is_asked(course, assignment)
    url = link(base_url, "")
    text = (f"Hello {person.name},\n\nYou have been assigned {asked}, due by {_day(assignment.due_at)}.\n\n"
            f"Start here: {url}\n")
    due = escape(_day(assignment.due_at))
    html = _page([f"Hello {escape(person.name)},",
                  f"You have been assigned {escape(asked)}, due by <strong>{due}</strong>."],
                 ("Start the training", url))
    return Message(person.email or "", f"New training for you: {asked}", text, html)


def reminder(course: Course, person: Recipient, assignment: Assignment, kind: str, base_url: str, now: datetime,
             token: str | None) -> Message:
    """A due-soon or overdue reminder; ``token`` None (a preview) puts a placeholder where the opt-out link goes."""
    asked = what_is_asked(course, assignment)
    url = link(base_url, "")
    if kind == DUE_SOON:
        days = max(0, (assignment.due_at - now).days)
        when = "tomorrow" if days <= 1 else f"in {days} days"
        subject = f"Due {when}: {asked}"
        line = f"A reminder: {asked} is due {when}, on {_day(assignment.due_at)}."
    else:
        subject = f"Overdue: {asked}"
        line = f"{asked[0].upper()}{asked[1:]} was due on {_day(assignment.due_at)} and is not finished yet."
    stop = link(base_url, UNSUBSCRIBE_PAGE, token=token) if token else "(a one-click link, made when it is sent)"
    text = (f"Hello {person.name},\n\n{line}\n\nContinue here: {url}\n\n"
            f"No more reminders like this one: {stop}\n")
    html = _page([f"Hello {escape(person.name)},", escape(line)], ("Continue the training", url),
                 f'<a href="{escape(stop)}">Stop these reminders</a> (assignment notices still come).' if token else
                 escape(stop))
    headers = {}
    if token:
        headers = {"List-Unsubscribe": f"<{base_url}{ONE_CLICK_PATH}?{urlencode({'token': token})}>",
                   "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Message(person.email or "", subject, text, html, headers)


def reset_link_message(person: Recipient, base_url: str, token: str | None, hours: int) -> Message:
    """A one-time link to set a new password, asked for by an administrator; ``token`` None (a
    preview) puts a placeholder where the link goes. No opt-out: it is not a reminder."""
    url = link(base_url, RESET_PATH, token=token) if token else "(a one-time link, made when it is sent)"
    lines = [f"An administrator of {COURSE_TITLE} made you a link to set a new password. It works once, "
             f"within {hours} hours; setting the password signs you out everywhere else.",
             "If you did not ask for it, ignore this e-mail: your password stays as it is."]
    text = f"Hello {person.name},\n\n{lines[0]}\n\nSet a new password: {url}\n\n{lines[1]}\n"
    html = _page([f"Hello {escape(person.name)},", escape(lines[0]), escape(lines[1])],
                 ("Set a new password", url) if token else None, "" if token else escape(url))
    return Message(person.email or "", f"Set a new password for {COURSE_TITLE}", text, html)


def digest(course: Course, person: Recipient, found: Situation, base_url: str) -> Message:
    """A manager's week: who is overdue, the skills their team struggles with, who completed."""
    rows = team_rows(found, found.teams_of_manager.get(person.user_id, frozenset()))
    overdue = sorted((r for r in rows if r.status == OVERDUE), key=lambda r: (-r.days_overdue, r.name.casefold()))
    since = found.now.timestamp() - 7 * 86400
    completed = [r for r in rows if r.status == COMPLETED and r.completed_at and r.completed_at.timestamp() >= since]
    struggling = [s for s in team_skills(course, rows, found.masteries)
                  if s.enough_evidence and s.mean_mastery is not None and s.mean_mastery < STRUGGLING_BELOW][:3]
    sections: list[tuple[str, list[str]]] = [
        (f"Overdue ({len(overdue)})", [f"{r.name} ({r.team}): {r.days_overdue} days overdue" for r in overdue]),
        ("Skills where the team struggles", [f"{s.name}: {s.mean_mastery:.0%} mean mastery over {s.measured} learners"
                                             for s in struggling if s.mean_mastery is not None]),
        (f"Completed this week ({len(completed)})", [f"{r.name} ({r.team})" for r in completed]),
    ]
    url = link(base_url, "dashboard")
    text = f"Hello {person.name},\n\nYour team's week in {COURSE_TITLE}, {len(rows)} learners.\n"
    parts = [f"Hello {escape(person.name)},", f"Your team's week in {escape(COURSE_TITLE)}, {len(rows)} learners."]
    for title, lines in sections:
        shown = lines[:LISTED] + ([f"and {len(lines) - LISTED} more"] if len(lines) > LISTED else [])
        text += f"\n{title}\n" + ("".join(f"- {line}\n" for line in shown) if shown else "- none\n")
        items = "".join(f"<li>{escape(line)}</li>" for line in shown) or "<li>none</li>"
        parts.append(f"<strong>{escape(title)}</strong><ul>{items}</ul>")
    text += f"\nTeam progress: {url}\n"
    return Message(person.email or "", f"Your team this week: {len(overdue)} overdue, {len(completed)} completed",
                   text, _page(parts, ("Open Team progress", url)))


def compose(course: Course, found: Situation, kind: str, person: Recipient, assignment: Assignment | None,
            base_url: str, token: str | None) -> Message:
    """The e-mail of one job. ``assignment`` is required for every kind but the digest."""
    if kind == DIGEST:
        return digest(course, person, found, base_url)
    if assignment is None:
        raise ValueError(f"a {kind} e-mail needs its assignment")
    if kind == ASSIGNED:
        return assignment_notice(course, person, assignment, base_url)
    return reminder(course, person, assignment, kind, base_url, found.now, token)
