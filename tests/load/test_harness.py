"""The load harness's own logic, without a server: how it reads Streamlit's messages, what it counts as
an error, the nginx configuration it derives from deploy/, and its arithmetic."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.harness.load import percentile
from bench.harness.protocol import ProtocolError, Tab, Widget, widget_state
from bench.harness.report import capacity
from bench.harness.servers import NGINX_SITE, nginx_site
from bench.harness.workshop import FirstVote, Room, Sighting, vote_visibility


def new_session(run: str, fragments: tuple[str, ...] = ()) -> ForwardMsg:
    msg = ForwardMsg()
    msg.new_session.page_script_hash = "page"
    msg.metadata.run.script_run_id = run
    msg.metadata.run.fragment_ids.extend(fragments)
    return msg


def markdown(path: tuple[int, ...], body: str, fragment: str = "") -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    msg.delta.new_element.markdown.body = body
    msg.delta.fragment_id = fragment
    return msg


def element(path: tuple[int, ...], fill: Element) -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    msg.delta.new_element.CopyFrom(fill)
    return msg


def block(path: tuple[int, ...]) -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    msg.delta.add_block.allow_empty = True
    return msg


def finished(status: int) -> ForwardMsg:
    msg = ForwardMsg()
    msg.script_finished = status  # type: ignore[assignment]
    return msg


def feed(tab: Tab, *messages: ForwardMsg) -> None:
    for msg in messages:
        tab.receive(msg)


@pytest.fixture
def tab() -> Tab:
    return Tab("http://127.0.0.1:1")


def test_a_run_chain_keeps_only_what_its_last_run_drew(tab: Tab) -> None:
    feed(tab, new_session("a"), markdown((0, 0), "one"), markdown((0, 1), "two"), markdown((0, 2), "three"),
         finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN))
    assert tab.view.texts() == ["one", "two", "three"]  # st.rerun(): nothing is dropped between the runs
    feed(tab, new_session("b"), markdown((0, 0), "uno"), markdown((0, 1), "dos"),
         finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert tab.view.texts() == ["uno", "dos"]


def test_a_fragment_run_replaces_only_the_fragment(tab: Tab) -> None:
    feed(tab, new_session("a"), markdown((0, 0), "header"), markdown((0, 1, 0), "votes: 0", "frag"),
         markdown((0, 1, 1), "open voting", "frag"), finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    feed(tab, new_session("b", ("frag",)), markdown((0, 1, 0), "votes: 3", "frag"),
         finished(ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY))
    assert tab.view.texts() == ["header", "votes: 3"]


def test_a_replaced_block_takes_its_children_with_it(tab: Tab) -> None:
    empty = Element()
    empty.empty.SetInParent()
    feed(tab, new_session("a"), block((0, 0)), markdown((0, 0, 0), "join form"), element((0, 0), empty),
         markdown((0, 1), "you are Ann"), finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert tab.view.texts() == ["you are Ann"]


def test_a_block_redrawn_keeps_its_old_children_until_they_are_redrawn(tab: Tab) -> None:
    feed(tab, new_session("a"), block((0, 0)), markdown((0, 0, 0), "Open voting"),
         finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    feed(tab, new_session("b", ("frag",)), block((0, 0)))
    assert tab.view.texts() == ["Open voting"]  # mid-run, the browser still shows the last drawing
    feed(tab, markdown((0, 0, 0), "Reveal the votes"), finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert tab.view.texts() == ["Reveal the votes"]


def test_fragment_timers_follow_what_the_server_asks(tab: Tab) -> None:
    timer = ForwardMsg()
    timer.auto_rerun.fragment_id, timer.auto_rerun.interval = "live", 1.0
    feed(tab, new_session("a"), timer, finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert tab.auto_reruns == {"live": 1.0}
    feed(tab, new_session("b", ("live",)), finished(ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY))
    assert tab.auto_reruns == {"live": 1.0}  # a fragment run keeps the timers
    feed(tab, new_session("c"), finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert tab.auto_reruns == {}  # a full run that does not ask again stops them (the room closed)


@pytest.mark.parametrize(("element_id", "key"), [
    ("$$ID-3f2a-choice-12-3-calm-down", "choice-12-3-calm-down"),
    ("$$ID-3f2a-FormSubmitter:register-Create account", "FormSubmitter:register-Create account"),
    ("$$ID-3f2a-None", None),
])
def test_widgets_are_found_by_the_key_inside_their_element_id(tab: Tab, element_id: str, key: str | None) -> None:
    button = Element()
    button.button.id = element_id
    button.button.label = "Go"
    feed(tab, new_session("a"), element((0, 0), button), finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert tab.view.widgets() == [Widget(element_id, key, "Go", "button", "", "")]


def alert(body: str, kind: int) -> Element:
    found = Element()
    found.alert.body = body
    found.alert.format = kind  # type: ignore[assignment]
    return found


def exception(message: str, warning: bool = False) -> Element:
    found = Element()
    found.exception.type = "KeyError"
    found.exception.message = message
    found.exception.is_warning = warning
    return found


@pytest.mark.parametrize(("shown", "problem"), [
    (exception("'lesson'"), "exception KeyError: 'lesson'"),
    (alert("Something went wrong on our side. Your progress is saved; try again.", 1),
     "error message: Something went wrong on our side. Your progress is saved; try again."),
    (alert("We can't reach the progress database right now.", 1),
     "error message: We can't reach the progress database right now."),
    (alert("You don't have access to this page.", 1), "error message: You don't have access to this page."),
    (alert("**Why:** shouting back makes it worse", 1), None),  # a poor answer's feedback is not an error
    (exception("deprecated", warning=True), None),
])
def test_what_counts_as_an_error_a_user_saw(tab: Tab, shown: Element, problem: str | None) -> None:
    feed(tab, new_session("a"), element((0, 0), shown), finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert tab.view.problems() == ([problem] if problem else [])


@pytest.mark.parametrize(("kind", "value", "field", "wire"), [
    ("text_input", "ann", "string_value", "ann"),
    ("checkbox", True, "bool_value", True),
    ("selectbox", "Billing", "string_value", "Billing"),
])
def test_widget_values_go_on_the_wire_as_streamlit_expects(kind: str, value: str | bool, field: str,
                                                           wire: object) -> None:
    state = widget_state(Widget("id", "k", "l", kind, ""), value)
    assert state.WhichOneof("value") == field
    assert getattr(state, field) == wire


def test_multiselect_values_are_their_formatted_options() -> None:
    state = widget_state(Widget("id", "k", "l", "multiselect", ""), ["in progress", "overdue"])
    assert list(state.string_array_value.data) == ["in progress", "overdue"]


def test_a_value_the_widget_cannot_take_is_refused() -> None:
    with pytest.raises(ProtocolError, match="cannot set a checkbox"):
        widget_state(Widget("id", "k", "l", "checkbox", ""), "yes")


def test_the_harness_refuses_to_leave_loopback() -> None:
    from bench.harness.http import http_get

    with pytest.raises(ValueError, match="only talks to loopback"):
        asyncio.run(http_get("http://example.com/", {}))


def test_the_nginx_config_under_test_is_the_shipped_one_with_its_ports_swapped() -> None:
    site = nginx_site([40001, 40002, 40003], 40000)
    shipped = NGINX_SITE.read_text()
    assert "listen 127.0.0.1:40000;" in site
    upstream = site.split("upstream elearn {", 1)[1].split("}", 1)[0]
    assert [line.strip() for line in upstream.splitlines() if line.strip().startswith("server ")] == [
        "server 127.0.0.1:40001;", "server 127.0.0.1:40002;", "server 127.0.0.1:40003;"]
    # Everything else (stickiness, websocket upgrade, timeouts) is the shipped file's, word for word.
    for directive in ("hash $elearn_route consistent;", "proxy_set_header Upgrade $http_upgrade;",
                      "proxy_set_header Host $http_host;", "add_header Set-Cookie $elearn_route_cookie always;"):
        assert directive in shipped
        assert directive in site


def test_an_nginx_config_without_the_upstream_block_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "nginx.conf"
    broken.write_text("server { listen 80; }\n")
    monkeypatch.setattr("bench.harness.servers.NGINX_SITE", broken)
    with pytest.raises(RuntimeError, match="upstream elearn"):
        nginx_site([1], 2)


@pytest.mark.parametrize(("values", "share", "expected"), [
    ([], 0.95, 0.0),
    ([5.0], 0.95, 5.0),
    ([float(v) for v in range(1, 101)], 0.95, 95.0),
    ([float(v) for v in range(1, 101)], 0.50, 50.0),
    ([3.0, 1.0, 2.0], 0.50, 2.0),
])
def test_percentile_is_nearest_rank(values: list[float], share: float, expected: float) -> None:
    assert percentile(values, share) == expected


@pytest.mark.parametrize(("levels", "target", "users"), [
    ([(25, 0.4), (50, 0.8), (75, 1.6)], 1.2, 62.5),   # interpolated between 50 and 75 users
    ([(25, 0.4), (50, 0.8)], 1.0, 50.0),                # never reached: the most measured within target
    ([(25, 1.5), (50, 3.0)], 1.0, 0.0),                 # over target from the first level
])
def test_capacity_is_the_user_count_at_the_target_p95(levels: list[tuple[int, float]], target: float,
                                                       users: float) -> None:
    assert capacity(levels, target) == pytest.approx(users)


def test_a_vote_is_visible_at_the_first_presenter_refresh_that_counts_it() -> None:
    room = Room()
    room.first_votes = [FirstVote(1, tapped=10.0, stored=10.2), FirstVote(1, tapped=10.1, stored=10.5)]
    room.sightings = [Sighting(9.9, 1, 0, 2), Sighting(10.4, 1, 1, 2), Sighting(11.0, 1, 1, 2),
                      Sighting(11.4, 1, 2, 2)]
    assert vote_visibility(room) == pytest.approx([0.4, 1.3])


class _SilentSocket:
    """A websocket whose server takes every message and never answers: Streamlit ignoring a rerun
    of a fragment it no longer holds."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def send(self, data: bytes) -> None:
        self.sent.append(data)


def test_an_unanswered_timer_tick_is_counted_and_does_not_stall_the_timer(tab: Tab) -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    from bench.harness.workshop import TICK_PATIENCE, Workshop

    silent = _SilentSocket()
    tab._socket = silent  # type: ignore[assignment]
    timer = ForwardMsg()
    timer.auto_rerun.fragment_id, timer.auto_rerun.interval = "check-after-3-elements", 0.02
    feed(tab, new_session("a"), timer, finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    moved = ForwardMsg()  # a full run drew more above the check: the same timer, a new id
    moved.auto_rerun.fragment_id, moved.auto_rerun.interval = "check-after-5-elements", 0.02
    feed(tab, new_session("b"), moved, finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    workshop = Workshop(decisions=1)
    waited = asyncio.run(workshop._tick(tab, "phone check"))
    assert waited == pytest.approx(TICK_PATIENCE * 0.02)
    assert workshop.room.unanswered_ticks == {"phone check": 1}
    sent = BackMsg()
    sent.ParseFromString(silent.sent[0])
    assert (sent.rerun_script.fragment_id, sent.rerun_script.is_auto_rerun) == ("check-after-5-elements", True)
