"""The room's summary as files: the CSV a facilitator downloads and the printable HTML report."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from datetime import datetime

from elearn.manage.exports import inert
from elearn.workshop.review import RoomReview

CSV_COLUMNS = ("decision", "customer", "choice_id", "letter", "answer", "room_votes", "room_percent",
               "self_paced_learners", "self_paced_percent", "room_took_it", "most_votes", "facilitator_overrode")


def scores_line(review: RoomReview) -> str:
    """The room's own score beside the path taken, e.g. "The room's answers: 62% · The path taken: 75%
    (the facilitator overrode 1 decision)"."""
    own = "no votes" if review.room_score is None else f"{review.room_score:.0f}%"
    line = f"The room's answers: {own} · The path taken: {review.path_score:.0f}%"
    if review.overrides:
        line += f" (the facilitator overrode {review.overrides} decision{'s' if review.overrides != 1 else ''})"
    return line


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (the exports' rule, ``inert``)."""
    return inert("" if value is None else str(value))


def summary_csv(review: RoomReview) -> str:
    """One row per decision and choice: the room's votes beside self-paced learners' first answers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in review.decisions:
        for share in row.shares:
            writer.writerow([safe_cell(value) for value in (
                row.number, row.customer, share.choice_id, share.letter, share.say, share.room_votes,
                round(100 * share.room_share),
                share.self_paced if row.comparable else "",
                round(100 * share.self_paced_share) if share.self_paced_share is not None else "",
                "yes" if share.taken else "", "yes" if share.most_voted else "",
                "yes" if share.taken and row.overridden else "",
            )])
    return out.getvalue()


def summary_html(review: RoomReview, *, code: str, held_on: datetime) -> str:
    """A one-page, self-contained HTML report (no scripts, no external files) to send the client."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Workshop report: {e(review.scenario_title)}</title><style>{_REPORT_CSS}</style></head><body>",
        f"<h1>{e(review.scenario_title)}</h1>",
        f"<p class='meta'>Workshop room {e(code)} · {held_on:%d %B %Y} · {review.participants} participants · "
        f"{e(scores_line(review))}</p>",
    ]
    if review.ending_title:
        parts.append(f"<p class='ending'><b>{e(review.ending_title)}</b> ({e(review.ending_outcome or '')}). "
                     f"{e(review.ending_debrief or '')}</p>")
    parts.append(_anger_svg(review.anger_curve, review.best_curve))
    if review.struggled:
        items = "".join(f"<li><b>{e(s.name)}</b>: {s.credit:.0%} of full credit"
                        f"{' · revisit ' + e(s.lesson) if s.lesson else ''}</li>" for s in review.struggled)
        parts.append(f"<h2>Skills the room struggled with</h2><ul>{items}</ul>")
    else:
        parts.append("<h2>Skills</h2><p>The room's own answers earned at least 60% credit on every skill they "
                     "touched.</p>")
    parts.append("<h2>Decision by decision</h2><table><tr><th>#</th><th>Answer</th><th>Room</th>"
                 "<th>Self-paced learners (first answers)</th></tr>")
    for row in review.decisions:
        parts.append(f"<tr class='q'><td>{row.number}</td><td colspan='3'>“{e(row.customer)}”"
                     f"{' · facilitator overrode the vote' if row.overridden else ''}</td></tr>")
        for share in row.shares:
            mark = " ✔" if share.taken else ""
            learners = (_bar(share.self_paced_share, f"{share.self_paced}") if share.self_paced_share is not None
                        else "<span class='na'>too few to compare</span>")
            parts.append(f"<tr><td>{share.letter}</td><td>{e(share.say)}{mark}</td>"
                         f"<td>{_bar(share.room_share, str(share.room_votes))}</td><td>{learners}</td></tr>")
    parts.append("</table></body></html>")
    return "".join(parts)


def _bar(share: float, label: str) -> str:
    return (f"<div class='bar'><span style='width:{100 * share:.0f}%'></span></div>"
            f" {html.escape(label)} ({share:.0%})")


def _anger_svg(room: Sequence[int], best: Sequence[int]) -> str:
    width, height, longest = 520, 140, max(len(room), len(best), 2) - 1

    def points(curve: Sequence[int]) -> str:
        return " ".join(f"{20 + i * (width - 40) / longest:.0f},{10 + (100 - a) * (height - 30) / 100:.0f}"
                        for i, a in enumerate(curve))

    return (f"<svg width='{width}' height='{height}' role='img' aria-label='The customer’s anger over the "
            f"conversation'><polyline fill='none' stroke='#15803d' stroke-dasharray='6 4' stroke-width='2' "
            f"points='{points(best)}'/><polyline fill='none' stroke='#b91c1c' stroke-width='3' "
            f"points='{points(room)}'/><text x='20' y='{height - 4}' font-size='12'>Anger: the room (red) and the"
            f" best path (green, dashed), from the start to the end</text></svg>")


_REPORT_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:760px;margin:24px auto;color:#111;font-size:14px}"
    "h1{font-size:22px;margin-bottom:4px}h2{font-size:16px;margin-top:18px}.meta{color:#555}"
    "table{border-collapse:collapse;width:100%}td,th{padding:3px 6px;text-align:left;vertical-align:top}"
    "tr.q td{border-top:1px solid #ccc;padding-top:8px;font-style:italic}"
    ".bar{display:inline-block;width:90px;height:10px;background:#e5e7eb}.bar span{display:block;height:10px;"
    "background:#1d4ed8}.na{color:#777}@media print{body{margin:0}}"
)
