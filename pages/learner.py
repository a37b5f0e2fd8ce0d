"""One learner, for their manager: skills chart, scenario attempts, and every decision they made
(``?user=ID``). The store checks on every read that the viewer may see this learner."""

from __future__ import annotations

import streamlit as st

from elearn.learner.chart_text import skills_text
from elearn.learner.charts import skills_chart
from elearn.learner.journey import completion, decision_numbers, modules, skill_masteries
from elearn.names import excerpt
from elearn.store import AccessDenied, NotFound, events_for, id_from_text, progress_for, visible_teams
from ui import a11y, manage
from ui.course import current_course, pass_rule
from ui.nav import link
from ui.store import current_store
from ui.text import md_escape

RATINGS = {"good": "✅ good", "partial": "🟡 partly", "poor": "❌ poor"}

viewer = manage.require_manager()
course = current_course()
rule = pass_rule()
store = current_store()
raw = st.query_params.get("user", "")
learner_id = id_from_text(raw)
if learner_id is None:  # empty, "abc", "-1", "²", or past any id: say so, never try it on the database
    st.error("No learner is chosen: open learners from the team progress table." if not raw else
             f"'{md_escape(excerpt(raw))}' is not a learner's number. Open learners from the team progress table.",
             icon="🔎")
    link("dashboard", "Team progress", icon="📋")
    st.stop()
try:
    progress = progress_for(store, viewer, learner_id)
    events = events_for(store, viewer, learner_id)
except (AccessDenied, NotFound):
    st.error("You can't see this learner: they are not in a team you manage, or there is no such learner. "
             "Open learners from the team progress table.", icon="🔒")
    link("dashboard", "Team progress", icon="📋")
    st.stop()

person = progress.user
teams = {team.id: team.name for team in visible_teams(store, viewer)}
name = person.display_name or person.username
st.title(md_escape(name))
team = teams.get(person.team_id or -1, "no team")
seen = f"last seen {person.last_seen_at:%d %b %Y}" if person.last_seen_at else "never signed in"
st.caption(f"{md_escape(person.username)} · {md_escape(team)} · {seen}")
st.progress(completion(modules(course, progress, rule=pass_rule())),
            text="Share of the whole course done (lessons read, scenarios finished)")

masteries = skill_masteries(course, progress)
names = {skill.id: skill.name for skill in course.skills.values()}
a11y.chart(skills_chart(list(masteries.values()), names, title=f"{name}'s skills"),
           skills_text(list(masteries.values()), names))

titles = {scenario.id: scenario.title for scenario in course.scenarios}


def ending_title(scenario_id: str, ending_id: str | None) -> str:
    scenario = course.scenario(scenario_id)
    ending = scenario.ending(ending_id) if scenario and ending_id else None
    return ending.title if ending else ending_id or "in progress"


st.subheader("Scenario attempts")
if not progress.attempts:
    st.info("No scenario attempts yet.", icon="💬")
else:
    st.caption(f"Passed: {manage.pass_rule_words(rule)}. A successful ending with a lower score shows as "
               "\"with costly mistakes\": completed, not passed.")
    st.dataframe(
        [{"Scenario": titles.get(a.scenario_id, a.scenario_id), "Attempt": a.attempt_number,
          "Started": a.started_at, "Finished": a.finished_at,
          "Ending": ending_title(a.scenario_id, a.ending_id),
          "Outcome": rule.label(a.outcome, a.score) if not a.in_progress else "In progress", "Score": a.score,
          "Passed": "" if a.in_progress else "yes" if rule.passed(a.outcome, a.score) else "no"}
         for a in reversed(progress.attempts)],
        hide_index=True,
        column_config={"Score": st.column_config.NumberColumn(format="%.0f%%"),
                       "Started": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                       "Finished": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )

st.subheader("Every decision")
played = [sid for sid in titles if any(e.scenario_id == sid for e in events)]
chosen = st.selectbox("Scenario", ["all", *played], format_func=lambda key: "All scenarios" if key == "all"
                      else titles[key], key="decisions-scenario")
rows = []
for event, number in reversed(list(zip(events, decision_numbers(events), strict=True))):  # newest first
    if chosen != "all" and event.scenario_id != chosen:
        continue
    scenario = course.scenario(event.scenario_id)
    node = scenario.node(event.node_id) if scenario else None
    choice = node.choice(event.choice_id) if node else None
    rows.append({
        "When": event.occurred_at, "Scenario": titles.get(event.scenario_id, event.scenario_id),
        "Attempt": event.attempt_number, "Decision": number,
        "Customer": node.customer if node else event.node_id, "Answer": choice.say if choice else event.choice_id,
        "Rated": ", ".join(f"{names.get(k, k)}: {RATINGS.get(v, v)}" for k, v in event.evidence.items()),
        "Anger": f"{event.anger_before} → {event.anger_after}", "Counts": "yes" if event.first_attempt else "retry",
    })
if rows:
    st.dataframe(rows, hide_index=True,
                 column_config={"When": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
else:
    st.info("No decisions recorded yet.", icon="💬")
link("dashboard", "Back to team progress", icon="📋")
