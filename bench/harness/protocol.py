"""A Streamlit browser tab without the browser: the websocket protocol of Streamlit 1.67.

What a browser does, and so what this client does:

1. ``GET /`` (the app's HTML; behind the load balancer this is where the sticky cookie is set),
   then open the websocket ``/_stcore/stream`` with the ``streamlit`` subprotocol and the cookies.
2. Send a ``BackMsg.rerun_script`` (a ``ClientState``): the URL's query string, the page's URL
   path as ``page_name`` (or a ``page_script_hash`` once the app has listed its pages), and the
   current ``widget_states``. A click is the same message with the button's ``trigger_value``;
   a form submit sends the form's values with the submit button's trigger.
3. Read ``ForwardMsg``s: ``new_session`` starts each script run, ``delta`` messages place
   elements at a ``delta_path``, ``navigation`` lists the pages, ``page_info_changed`` updates
   the query string, ``auto_rerun`` asks the client to rerun a fragment every few seconds, and
   ``script_finished`` ends a run. ``FINISHED_EARLY_FOR_RERUN`` means another run follows
   (``st.rerun()``), so an interaction is over at the first other ``script_finished``.

Elements are kept by delta path and stamped with the run that sent them; when a run chain ends,
elements the last run did not send are dropped, as the browser drops stale elements.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from bench.harness.http import http_get, http_post

_USER_KEY = re.compile(r"^\$\$ID-[0-9a-f]+-(.+)$")
_TERMINAL = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}
# Messages a user must never see: ui/errors.py's answers to an outage, a refusal and a bug of ours.
ERROR_MARKERS = (
    "Something went wrong on our side",
    "We can't reach the progress database",
    "You don't have access to this page",
)
_FETCH = re.compile(r"fetch\((\"[^\"]*\"), \{method: 'POST'.*body: (\".*\")\}\);")


class ProtocolError(Exception):
    """The server broke the conversation: closed the socket, timed out, or sent an exception."""


class NoAnswer(ProtocolError):
    """A timer's rerun got no ``script_finished`` within the time its caller allowed."""


@dataclass
class _Placed:
    run_id: str
    fragment_id: str
    element: Element


@dataclass(frozen=True)
class Widget:
    """A widget on the page: its element ID (what the server wants back), key, label and kind."""

    id: str
    key: str | None
    label: str
    kind: str
    form_id: str
    fragment_id: str = ""  # set for a widget drawn by an st.fragment: clicking it reruns only the fragment


@dataclass(frozen=True)
class Link:
    """An ``st.page_link``: the target page's script hash and query string."""

    label: str
    page_script_hash: str
    query_string: str


@dataclass
class PageView:
    """The elements of the last finished run, in page order."""

    placed: dict[tuple[int, ...], _Placed] = field(default_factory=dict)

    def elements(self) -> Iterator[Element]:
        for path in sorted(self.placed):
            yield self.placed[path].element

    def widgets(self) -> list[Widget]:
        found = []
        for path in sorted(self.placed):
            placed = self.placed[path]
            element = placed.element
            kind = element.WhichOneof("type")
            proto = getattr(element, kind) if kind else None
            widget_id = getattr(proto, "id", "")
            if not widget_id or kind in ("dataframe", "plotly_chart", "arrow_data_frame"):
                continue
            match = _USER_KEY.match(widget_id)
            key = match.group(1) if match else None
            found.append(Widget(widget_id, None if key == "None" else key, getattr(proto, "label", ""),
                                str(kind), getattr(proto, "form_id", ""), placed.fragment_id))
        return found

    def widget(self, *, key: str | None = None, label: str | None = None) -> Widget | None:
        return next((w for w in self.widgets() if (key is None or w.key == key) and
                     (label is None or w.label == label)), None)

    def links(self) -> list[Link]:
        return [Link(e.page_link.label, e.page_link.page_script_hash, e.page_link.query_string)
                for e in self.elements() if e.WhichOneof("type") == "page_link"]

    def texts(self) -> list[str]:
        found = []
        for element in self.elements():
            kind = element.WhichOneof("type")
            if kind in ("markdown", "heading", "alert", "text"):
                found.append(getattr(element, kind).body)
            elif kind in ("button", "page_link"):
                found.append(getattr(element, kind).label)
            elif kind == "progress":
                found.append(element.progress.text)
            elif kind == "metric":
                found.append(f"{element.metric.label}: {element.metric.body}")
            elif kind == "exception":
                found.append(f"{element.exception.type}: {element.exception.message}")
        return found

    def text(self) -> str:
        return "\n".join(self.texts())

    def problems(self) -> list[str]:
        """What a user would see as a failure: exceptions, and ui/errors.py's error messages."""
        found = []
        for element in self.elements():
            kind = element.WhichOneof("type")
            if kind == "exception" and not element.exception.is_warning:
                found.append(f"exception {element.exception.type}: {element.exception.message}")
            elif kind == "alert" and element.alert.body.startswith(ERROR_MARKERS):
                found.append(f"error message: {element.alert.body[:80]}")
        return found

    def cookie_posts(self) -> list[tuple[str, str]]:
        """(path, JSON body) of the fetch() calls the page's st.html scripts would make in a browser."""
        found = []
        for element in self.elements():
            if element.WhichOneof("type") == "html" and element.html.unsafe_allow_javascript:
                for path, body in _FETCH.findall(element.html.body):
                    found.append((_json_str(path), _json_str(body)))
        return found


def _json_str(literal: str) -> str:
    return str(json.loads(literal))


@dataclass(frozen=True)
class AppPage:
    name: str
    url_path: str
    page_script_hash: str


class Tab:
    """One browser tab on one websocket session: ``await tab.open()``, interactions, ``await tab.close()``.

    One interaction at a time: a caller that runs several tasks on one tab (a fragment timer beside
    the clicks) serialises them with ``lock``. Not thread-safe."""

    def __init__(self, base_url: str, timeout: float = 60.0, quickack: bool = False) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.quickack = quickack
        self.view = PageView()
        self.pages: dict[str, AppPage] = {}
        self.page_script_hash = ""
        self.query_string = ""
        self.auto_reruns: dict[str, float] = {}  # fragment id -> interval in seconds
        self.cookies: dict[str, str] = {}
        self.runs = 0  # script runs the server made for this tab
        self.received = 0  # messages from the server, and their bytes: what each step costs Streamlit to send
        self.received_bytes = 0
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._run_id = ""
        self._fragment_ids: tuple[str, ...] = ()
        self._finished: asyncio.Queue[int] = asyncio.Queue()
        self._values: dict[str, WidgetState] = {}
        self._closed_reason = ""
        self._failures: list[str] = []
        self.lock = asyncio.Lock()  # one interaction at a time (a fragment timer and a click must not overlap)

    async def open(self, page: str = "", query: str = "") -> float:
        """Load the app at ``/<page>?<query>`` like a browser; return the seconds until the page is drawn."""
        started = time.perf_counter()
        status, cookies = await http_get(f"{self.base_url}/{page}", self.cookies)
        if status != 200:
            raise ProtocolError(f"GET /{page} answered HTTP {status}")
        self.cookies.update(cookies)
        ws_url = self.base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else None
        self._socket = await asyncio.wait_for(
            connect(ws_url, subprotocols=[Subprotocol("streamlit")], additional_headers=headers, max_size=None,
                    compression=None, open_timeout=self.timeout), self.timeout)
        self._reader = asyncio.create_task(self._read())
        self.query_string = query
        await self._rerun(ClientState(query_string=query, page_name=page))
        return time.perf_counter() - started

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    # -- interactions: each returns the seconds from sending to the end of the run chain --

    async def click(self, widget: Widget) -> float:
        trigger = WidgetState(id=widget.id, trigger_value=True)
        return await self._rerun(self._client_state(extra=[trigger], fragment_id=widget.fragment_id))

    async def submit_form(self, submit: Widget, values: dict[str, str]) -> float:
        """Fill the text inputs keyed in ``values`` and press the form's submit button."""
        for key, value in values.items():
            widget = self.view.widget(key=key)
            if widget is None:
                raise ProtocolError(f"no widget keyed {key!r} on the page")
            self._values[widget.id] = WidgetState(id=widget.id, string_value=value)
        return await self.click(submit)

    async def change(self, widget: Widget, value: str | bool | list[str]) -> float:
        """Set a widget outside a form as a person would (type and leave, tick, pick): the app reruns."""
        self._values[widget.id] = widget_state(widget, value)
        return await self._rerun(self._client_state(fragment_id=widget.fragment_id))

    async def follow(self, link: Link) -> float:
        self.query_string = link.query_string
        return await self._rerun(self._client_state(page_script_hash=link.page_script_hash))

    async def go(self, url_path: str, query: str = "", *, title: str = "") -> float:
        """Navigate to one of the app's pages by its URL path (or, for the default page, whose path is
        empty, by its ``title``), as a link to it would."""
        page = self.pages.get(url_path) or next((p for p in self.pages.values() if title and p.name == title), None)
        if page is None:
            raise ProtocolError(f"the app offers no page {url_path!r} here (pages: {sorted(self.pages)})")
        return await self.follow(Link(page.name, page.page_script_hash, query))

    async def rerun_fragment(self, fragment_id: str, timeout: float | None = None) -> float:
        """What the browser's timer does for ``st.fragment(run_every=...)``. ``timeout``: give up
        waiting for the run's end after this long (``NoAnswer``), as the browser's timer never
        waits at all (it is a ``setInterval``: the next tick goes whether this one was answered)."""
        return await self._rerun(self._client_state(fragment_id=fragment_id, is_auto_rerun=True), timeout)

    async def post_cookies(self) -> None:
        """Make the fetch() calls the page's scripts would make (the app's session-cookie route)."""
        origin = self.base_url
        for path, body in self.view.cookie_posts():
            status, cookies = await http_post(f"{self.base_url}{path}", body, self.cookies, origin)
            if status != 200:
                raise ProtocolError(f"POST {path} answered HTTP {status}")
            self.cookies.update(cookies)

    # -- internals --

    def _client_state(self, *, page_script_hash: str | None = None, extra: list[WidgetState] | None = None,
                      fragment_id: str = "", is_auto_rerun: bool = False) -> ClientState:
        state = ClientState(query_string=self.query_string,
                            page_script_hash=self.page_script_hash if page_script_hash is None else page_script_hash,
                            fragment_id=fragment_id, is_auto_rerun=is_auto_rerun)
        state.widget_states.widgets.extend(list(self._values.values()) + (extra or []))
        return state

    async def _rerun(self, state: ClientState, timeout: float | None = None) -> float:
        if self._socket is None:
            raise ProtocolError("the tab is not open")
        while not self._finished.empty():
            self._finished.get_nowait()
        started = time.perf_counter()
        limit = self.timeout if timeout is None else timeout
        try:
            await self._socket.send(BackMsg(rerun_script=state).SerializeToString())
            status = await asyncio.wait_for(self._finished.get(), limit)
        except TimeoutError as timeout_error:
            failure = ProtocolError if timeout is None else NoAnswer
            raise failure(f"no script_finished within {limit:g} s") from timeout_error
        except ConnectionClosed as closed:
            raise ProtocolError(f"the websocket closed: {closed}") from closed
        elapsed = time.perf_counter() - started
        if status < 0:
            raise ProtocolError(f"the websocket closed: {self._closed_reason}")
        if self._failures:
            failures, self._failures = self._failures, []
            raise ProtocolError("; ".join(failures))
        if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
            raise ProtocolError("the script failed to compile")
        on_page = {w.id for w in self.view.widgets()}
        self._values = {k: v for k, v in self._values.items() if k in on_page}
        return elapsed

    async def _read(self) -> None:
        assert self._socket is not None
        sock = self._socket.transport.get_extra_info("socket") if self.quickack else None
        try:
            async for raw in self._socket:
                if sock is not None:
                    # Acknowledge at once: without this, the server's Nagle algorithm (Streamlit 1.67
                    # leaves TCP_NODELAY off) waits for this side's delayed ACK, ~40 ms, mid-response.
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                if isinstance(raw, bytes):
                    self.received += 1
                    self.received_bytes += len(raw)
                    msg = ForwardMsg()
                    msg.ParseFromString(raw)
                    self.receive(msg)
        except ConnectionClosed as closed:
            self._closed_reason = str(closed)
        finally:
            self._closed_reason = self._closed_reason or "closed"
            self._finished.put_nowait(-1)

    def receive(self, msg: ForwardMsg) -> None:
        """Apply one message from the server to this tab (the reader task calls it for each)."""
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self._run_id = msg.metadata.run.script_run_id
            self._fragment_ids = tuple(msg.metadata.run.fragment_ids)
            self.runs += 1
            if not self._fragment_ids:
                self.auto_reruns.clear()  # a full run re-announces the timers it still wants
        elif kind == "delta":
            path = tuple(msg.metadata.delta_path)
            delta = msg.delta
            which = delta.WhichOneof("type")
            if which in ("new_element", "add_block"):
                if which == "new_element" and path in self.view.placed:
                    # An element in place of a block (st.empty() over a container) takes its children
                    # with it. A block redrawn as a block keeps them until they are redrawn or the run
                    # ends, as the browser shows the old ones (stale) meanwhile.
                    self._drop_below(path)
                element = delta.new_element if which == "new_element" else Element()
                self.view.placed[path] = _Placed(self._run_id, delta.fragment_id, element)
        elif kind == "navigation":
            self.pages = {p.url_pathname: AppPage(p.page_name, p.url_pathname, p.page_script_hash)
                          for p in msg.navigation.app_pages}
            self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.auto_reruns[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fragment_id, None)
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            self._failures.append(f"compile error: {msg.session_event.script_compilation_exception.message}")
        elif kind == "script_finished" and msg.script_finished in _TERMINAL:
            self._prune(msg.script_finished)
            self._finished.put_nowait(msg.script_finished)

    def _drop_below(self, path: tuple[int, ...]) -> None:
        depth = len(path)
        for below in [p for p in self.view.placed if len(p) > depth and p[:depth] == path]:
            del self.view.placed[below]

    def _prune(self, status: int) -> None:
        if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            stale = [p for p, e in self.view.placed.items()
                     if e.fragment_id in self._fragment_ids and e.run_id != self._run_id]
        else:
            stale = [p for p, e in self.view.placed.items() if e.run_id != self._run_id]
        for path in stale:
            del self.view.placed[path]


def widget_state(widget: Widget, value: str | bool | list[str]) -> WidgetState:
    """The wire value of ``widget`` (Streamlit 1.67: selects send their formatted options as strings)."""
    state = WidgetState(id=widget.id)
    if widget.kind == "checkbox" and isinstance(value, bool):
        state.bool_value = value
    elif widget.kind in ("text_input", "text_area", "selectbox", "radio") and isinstance(value, str):
        state.string_value = value
    elif widget.kind in ("multiselect", "button_group") and isinstance(value, list):
        state.string_array_value.data.extend(value)
    else:
        raise ProtocolError(f"the harness cannot set a {widget.kind} to {value!r}")
    return state

