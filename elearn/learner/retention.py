"""Retention over time: how much of what a learner reviews they still get right, week by week.

An answer in review counts as *recalled* unless it was poor (FSRS's Again): a partial answer
(Hard) is remembered with effort, as FSRS counts it. Weeks start on Monday (UTC). The chart,
its sentences and its table rows all come from the same ``RetentionWeek`` values, so the text
alternative says exactly what the chart draws.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go

from elearn.learner.chart_text import ChartText
from elearn.store.reviews import ReviewAnswer


@dataclass(frozen=True)
class RetentionWeek:
    week_of: date
    """The Monday the week starts on."""
    reviews: int
    recalled: int
    good: int

    @property
    def share(self) -> float:
        return self.recalled / self.reviews

    @property
    def label(self) -> str:
        return f"week of {self.week_of:%d %b %Y}"


def retention_by_week(answers: Iterable[ReviewAnswer]) -> list[RetentionWeek]:
    """One entry per week that had review answers, oldest first."""
    weeks: dict[date, list[str]] = {}
    for answer in answers:
        day = answer.reviewed_at.date()
        weeks.setdefault(day - timedelta(days=day.weekday()), []).append(answer.rating)
    return [RetentionWeek(week, len(ratings), sum(r != "poor" for r in ratings), sum(r == "good" for r in ratings))
            for week, ratings in sorted(weeks.items())]


def retention_chart(weeks: Sequence[RetentionWeek]) -> go.Figure:
    """The share recalled each week as a line with its figure on each point (``retention_in_words``
    and ``retention_table`` say the same in text)."""
    line: dict[str, Any] = {
        "type": "scatter", "mode": "lines+markers+text", "name": "Recalled in review",
        "x": [week.label for week in weeks], "y": [week.share for week in weeks],
        "text": [f"{week.share:.0%}" for week in weeks], "textposition": "top center",
        "customdata": [[week.recalled, week.reviews] for week in weeks],
        "hovertemplate": "%{x}: %{y:.0%} recalled (%{customdata[0]} of %{customdata[1]})<extra></extra>",
        "line": {"width": 3, "color": "#1d4ed8"}, "marker": {"size": 9},
    }
    return go.Figure({"data": [line], "layout": {
        "title": {"text": "What you still remember in review", "font": {"size": 17}}, "font": {"size": 14},
        "height": 300, "margin": {"l": 10, "r": 10, "t": 50, "b": 40}, "showlegend": False,
        "xaxis": {"type": "category", "title": {"text": "Week"}},
        "yaxis": {"range": [0, 1.1], "tickformat": ".0%", "title": {"text": "Answers recalled"}},
    }})


def retention_in_words(weeks: Sequence[RetentionWeek]) -> tuple[str, ...]:
    """The chart as plain sentences, one per week (the page escapes them)."""
    return tuple(f"Week of {week.week_of:%d %b %Y}: {week.recalled} of {week.reviews} "
                 f"{'answer' if week.reviews == 1 else 'answers'} recalled ({week.share:.0%}), "
                 f"{week.good} of them good." for week in weeks)


def retention_table(weeks: Sequence[RetentionWeek]) -> list[dict[str, object]]:
    """The chart's data as table rows, for a data table beside it."""
    return [{"Week of": week.week_of.isoformat(), "Reviews": week.reviews, "Recalled": week.recalled,
             "Good": week.good, "Recalled (%)": round(week.share * 100)} for week in weeks]


def retention_text(weeks: Sequence[RetentionWeek]) -> ChartText:
    """``retention_chart`` in words (its accessible name and summary) and as a table (``ui.a11y.chart``)."""
    latest = weeks[-1]
    reviews = sum(week.reviews for week in weeks)
    recalled = sum(week.recalled for week in weeks)
    summary = (f"Latest week (of {latest.week_of:%d %b %Y}): {latest.recalled} of {latest.reviews} recalled "
               f"({latest.share:.0%}); over {len(weeks)} {'week' if len(weeks) == 1 else 'weeks'}, {recalled} of "
               f"{reviews} ({recalled / reviews:.0%}).")
    rows = tuple((f"{week.week_of:%d %b %Y}", str(week.reviews), str(week.recalled), str(week.good),
                  f"{week.share:.0%}") for week in weeks)
    return ChartText("What you still remember", summary, ("Week of", "Reviews", "Recalled", "Good", "Recalled"), rows)
