"""Team progress: who has completed, who is overdue or at risk, the team's skill gaps, how learners
answered each decision, exports, and (for managers and admins) assigning the course."""

from __future__ import annotations

import streamlit as st

from elearn.manage.dashboard import (
    COMPLETED,
    DEACTIVATED,
    decision_counts,
    filter_problems,
    path_links,
    team_skills,
    weakest_first,
)
from elearn.manage.team_chart_text import decision_text, heatmap_text, paths_text
from elearn.manage.team_charts import decision_bars, paths_sankey, skills_heatmap
from ui import a11y, manage, typed_replies
from ui.course import current_course, pass_rule
from ui.text import counted

HEATMAP_ROWS = 40
VIEWS = ["Completion", "Team skills", "Answers", "Exports", "Assign"]
STATUS_ICONS = {"not started": "⚪ not started", "in progress": "🟡 in progress", COMPLETED: "🟢 completed",
                "overdue": "🔴 overdue", "expired": "🟠 expired", DEACTIVATED: "⚫ deactivated"}

viewer = manage.require_manager()
course = current_course()
board = manage.dashboard_data(viewer, course, pass_rule())

st.title("Team progress")
heading, refresh = st.columns([5, 1])
heading.caption(f"{counted(board.everyone.rows, 'learner')} you can see (people with the learner role only; "
                "deactivated accounts are listed but left out of the figures) · "
                f"figures as of {board.loaded_at:%H:%M:%S} UTC "
                f"(refreshed every {manage.CACHE_SECONDS:d} s)")
if refresh.button("Refresh", icon="🔄"):
    manage.refresh(viewer, course, board)
    st.rerun()
if not board.everyone.rows:
    st.info("There is nobody to show yet: you see the learners of the teams you manage. An administrator puts "
            "learners and managers in teams.", icon="👥")

filters = manage.filter_controls(board.teams)
for problem in filter_problems(filters):
    st.warning(problem, icon="📅")
table = manage.table_view(viewer, course, board, filters, int(st.session_state.get("table-page", 1)))
manage.summary_figures(table.summary, board.pass_rule)
view = st.segmented_control("View", VIEWS, default="Completion", key="view", label_visibility="collapsed") \
    or "Completion"

if view == "Completion":
    rows = list(table.rows)
    if not rows:
        st.info("No learner matches these filters.", icon="🔎")
    st.caption(f"Passed: {manage.pass_rule_words(board.pass_rule)}. A scenario finished below that is completed, "
               "not passed; the course is passed when every scenario asked for is.")
    st.dataframe(
        {
            "Learner": [row.name for row in rows],
            "Team": [row.team for row in rows],
            "Status": [STATUS_ICONS[row.status] + (" · at risk" if row.at_risk else "") for row in rows],
            "Complete": [round(100 * row.share_done) for row in rows],
            "Assigned": [row.assigned_at.date() if row.assigned_at else None for row in rows],
            "Due": [row.due_at.date() if row.due_at else None for row in rows],
            "Days overdue": [row.days_overdue for row in rows],
            # Text, so no activity reads "never" rather than an empty or "None" cell (ISO times still sort).
            "Last activity": [f"{row.last_activity:%Y-%m-%d %H:%M}" if row.last_activity else "never" for row in rows],
            "Minutes": [row.minutes_spent for row in rows],
            "Scenarios": [row.scenarios_completed for row in rows],
            "Passed": [row.scenarios_passed for row in rows],
            "Course passed": ["yes" if row.course_passed else "no" for row in rows],
            "Best score": [row.mean_best_score for row in rows],
            "Weakest skills": [", ".join(row.weakest) for row in rows],
            "Details": [f"learner?user={row.user_id}" for row in rows],
        },
        hide_index=True, key="completion-table",
        column_config={
            "Complete": st.column_config.ProgressColumn("Complete", format="%d%%", min_value=0, max_value=100),
            "Last activity": st.column_config.TextColumn("Last activity (UTC)"),
            "Minutes": st.column_config.NumberColumn("Time spent (min)"),
            "Scenarios": st.column_config.NumberColumn("Scenarios done"),
            "Passed": st.column_config.NumberColumn("Scenarios passed"),
            "Best score": st.column_config.NumberColumn("Mean best score", format="%.0f%%"),
            "Details": st.column_config.LinkColumn("Details", display_text="Open ›"),
        },
    )
    if table.pages > 1:
        first = (table.page - 1) * manage.PAGE_ROWS + 1
        pager, where = st.columns([1, 4])
        if st.session_state.get("table-page", 1) != table.page:  # past the last page once a filter narrowed it
            st.session_state["table-page"] = table.page
        pager.number_input("Page", min_value=1, max_value=table.pages, step=1, key="table-page")
        where.caption(f"Learners {first:,}–{first + len(rows) - 1:,} of {table.counts.rows:,}, "
                      f"{manage.PAGE_ROWS:d} a page, by name. The exports hold every page.")

elif view == "Team skills":
    everyone = manage.team_skills_data(viewer, course, board, filters)
    rows, masteries = list(everyone.rows), everyone.masteries
    shown = weakest_first(rows, masteries, HEATMAP_ROWS)
    names = {skill.id: skill.name for skill in course.skills.values()}
    if not shown:
        st.info("No learner matches these filters.", icon="🔎")
    else:
        extra = f" (the {len(shown)} weakest of {len(rows):,}; narrow the filters to see others)" \
            if len(rows) > len(shown) else ""
        st.caption(f"Mastery from each learner's first answers{extra}. Grey '?' cells: not enough evidence yet.")
        cells = [(f"{row.name} ({row.username})", masteries.get(row.user_id, {})) for row in shown]
        a11y.chart(skills_heatmap(cells, names), heatmap_text(cells, names))
    st.subheader("The group's weakest skills")
    for skill in team_skills(course, rows, masteries)[:5]:
        with st.container(border=True):
            level = f"{skill.mean_mastery:.0%} on average" if skill.enough_evidence and skill.mean_mastery is not None \
                else "not enough evidence yet"
            measured = f"measured in {skill.measured:,} of {counted(skill.learners, 'learner')}"
            st.markdown(f"**{skill.name}** · {level} · {measured}")
            if skill.lesson is not None:
                st.caption(f"Taught in the lesson '{skill.lesson.title}' ({skill.lesson.meta.minutes:d} min).")

elif view == "Answers":
    titles = {scenario.id: scenario.title for scenario in course.scenarios}
    scenario_id = st.selectbox("Scenario", list(titles), format_func=lambda key: titles[key], key="answers-scenario")
    scenario = course.scenario(scenario_id)
    assert scenario is not None
    st.caption("First answers on learners' first attempts, for the teams chosen in the filter (all your teams if "
               "none).")
    flows = manage.flows(viewer, board, scenario.id, filters.team_ids)
    if not flows:
        st.info("Nobody in these teams has played this scenario yet.", icon="💬")
    else:
        links = path_links(scenario, flows)
        a11y.chart(paths_sankey(scenario, links), paths_text(scenario, links))
        for decision in decision_counts(scenario, flows):
            a11y.chart(decision_bars(decision), decision_text(decision), key=f"bars-{decision.node_id}")
    members = manage.members(viewer, board, filters) if filters.team_ids else None
    typed_replies.answers_phrases(viewer, course, scenario, members)

elif view == "Exports":
    manage.export_panel(viewer, course, board, filters, table)
    typed_replies.export(viewer, course)

else:
    st.subheader("Assign training")
    manage.assignment_form(viewer, course, board.teams)
    st.subheader("Assignments in force")
    manage.assignments_table(viewer, course, board.teams)
