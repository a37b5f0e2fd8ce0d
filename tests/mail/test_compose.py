"""What the e-mails say: the digest covers the manager's teams only, escapes names, links to the app."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from elearn.course.catalogue import Course
from elearn.mail.compose import digest
from elearn.mail.schedule import Situation
from elearn.manage.dashboard import COMPLETED, OVERDUE
from elearn.store.outbox import Recipient

from .test_schedule import NOW, _row

BASE = "https://training.example.org"


def test_the_digest_lists_the_managers_overdue_people_and_this_weeks_completions(course: Course) -> None:
    late = replace(_row(OVERDUE), user_id=1, name="<i>Olga</i>", team="Helpdesk & co", days_overdue=9)
    done = replace(_row(COMPLETED), user_id=2, name="Dan", completed_at=NOW - timedelta(days=2))
    old = replace(_row(COMPLETED), user_id=3, name="Old Completer", completed_at=NOW - timedelta(days=20))
    elsewhere = replace(_row(OVERDUE), user_id=4, name="Not Yours", team_id=2, days_overdue=30)
    found = Situation(now=NOW, rows={r.user_id: r for r in (late, done, old, elsewhere)}, assignments={},
                      masteries={}, teams_of_manager={9: frozenset({1})}, in_force={})
    message = digest(course, Recipient(9, "Manny", "manny@example.org", False), found, BASE)
    assert message.subject == "Your team this week: 1 overdue, 1 completed"
    assert "- <i>Olga</i> (Helpdesk & co): 9 days overdue\n" in message.text
    assert "Completed this week (1)\n- Dan (A)\n" in message.text
    assert "Old Completer" not in message.text
    assert "Not Yours" not in message.text
    assert "&lt;i&gt;Olga&lt;/i&gt; (Helpdesk &amp; co)" in message.html
    assert "<i>Olga" not in message.html
    assert f'href="{BASE}/dashboard"' in message.html
    assert message.headers == {}  # a digest is not a reminder: no opt-out headers
