"""A small oneM2M client over the HTTP binding (TS-0009), for black-box conformance cases.

Only the Python standard library: the harness runs against any CSE URL on any machine with
python3. One request per connection; every answer is a `Response` with the oneM2M response
status code (X-M2M-RSC), the HTTP status, the headers and the decoded JSON content.
"""
from __future__ import annotations

import http.client
import itertools
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Operations and their HTTP methods (TS-0009 §6.2).
CREATE, RETRIEVE, UPDATE, DELETE, NOTIFY = 1, 2, 3, 4, 5
_METHODS = {CREATE: "POST", RETRIEVE: "GET", UPDATE: "PUT", DELETE: "DELETE", NOTIFY: "POST"}

# Resource types (TS-0004 §6.3.4.2.1) used by the cases.
ACP, AE, CNT, CIN, CSEBASE, GRP, LCP, MGMTOBJ, NOD, PCH, REQ, SCH, SUB = (
    1, 2, 3, 4, 5, 9, 10, 13, 14, 15, 17, 18, 23)
FCNT, TS, TSI, FCI = 28, 29, 30, 58

_rqi = itertools.count(1)


@dataclass
class Response:
    rsc: int | None
    status: int
    headers: dict[str, str]
    body: bytes
    pc: Any = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def get(self, key: str, default: Any = None) -> Any:
        """The value of one wrapper's attribute: get("m2m:ae/rn")."""
        node = self.pc
        for part in key.split("/"):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def __repr__(self) -> str:
        text = self.body[:400].decode("utf-8", "replace")
        return f"<rsc {self.rsc} http {self.status}: {text}>"


@dataclass
class Cse:
    """Where the CSE under test is and who administers it."""
    url: str                      # http://host:port
    cse_rn: str = "cse-in"        # resourceName of the CSEBase
    cse_id: str = "/id-in"        # CSE-ID
    admin: str = "CAdmin"         # an originator the CSE lets do everything
    rvi: str = "4"                # the release the requests claim
    timeout: float = 10.0
    has_upper_tester: bool = True  # POST /__ut__ (TS-0019) is available

    @property
    def host_port(self) -> tuple[str, int]:
        u = urllib.parse.urlsplit(self.url)
        return u.hostname or "127.0.0.1", u.port or 80

    def request(self, op: int, to: str, originator: str | None, ty: int | None = None,
                pc: Any = None, query: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None, rvi: str | None = None,
                raw_body: bytes | None = None, content_type: str | None = None) -> Response:
        """One request primitive. `to` is the target as TS-0009 puts it in the path:
        "cse-in/ae" (CSE-relative), "~/id-in/cse-in/ae" (SP-relative) or "_/sp/id-in/…"
        (absolute); a leading "/" is added. Query values may be lists (repeated keys)."""
        path = "/" + to.lstrip("/")
        if query:
            pairs = []
            for k, v in query.items():
                for item in (v if isinstance(v, (list, tuple)) else [v]):
                    pairs.append((k, str(item).lower() if isinstance(item, bool) else str(item)))
            path += "?" + urllib.parse.urlencode(pairs, safe="/:+")
        h = {"X-M2M-RI": f"rq{next(_rqi)}", "Accept": "application/json"}
        if rvi or self.rvi:
            h["X-M2M-RVI"] = rvi or self.rvi
        if originator is not None:
            h["X-M2M-Origin"] = originator
        body = raw_body
        if pc is not None:
            body = json.dumps(pc).encode()
        if body is not None or ty is not None:
            ct = content_type or "application/json"
            h["Content-Type"] = ct + (f";ty={ty}" if ty is not None else "")
        if headers:
            h.update(headers)
        host, port = self.host_port
        conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        try:
            conn.request(_METHODS[op], path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
        finally:
            conn.close()
        rsc = hdrs.get("x-m2m-rsc")
        content = None
        if data and "json" in hdrs.get("content-type", ""):
            try:
                content = json.loads(data)
            except ValueError:
                content = None
        return Response(int(rsc) if rsc and rsc.isdigit() else None, r.status, hdrs, data, content)

    # Shorthands.
    def create(self, parent: str, ty: int, pc: Any, originator: str | None = None, **kw) -> Response:
        return self.request(CREATE, parent, originator or self.admin, ty=ty, pc=pc, **kw)

    def retrieve(self, to: str, originator: str | None = None, **kw) -> Response:
        return self.request(RETRIEVE, to, originator or self.admin, **kw)

    def update(self, to: str, pc: Any, originator: str | None = None, **kw) -> Response:
        return self.request(UPDATE, to, originator or self.admin, pc=pc, **kw)

    def delete(self, to: str, originator: str | None = None, **kw) -> Response:
        return self.request(DELETE, to, originator or self.admin, **kw)

    def notify(self, to: str, pc: Any, originator: str | None = None, **kw) -> Response:
        return self.request(NOTIFY, to, originator or self.admin, pc=pc, **kw)

    def upper_tester(self, command: str | None = None, pc: Any = None) -> Response:
        """POST /__ut__ with X-M2M-UTCMD (TS-0019 §8.3) or a request primitive as content."""
        headers = {"X-M2M-UTCMD": command} if command else {}
        return self.request(NOTIFY, "__ut__", None, pc=pc, headers=headers, rvi="")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


class NotificationServer:
    """An HTTP notification target (a poa or nu): records every request and answers 2000
    (or `rsc` as set), so that verification requests succeed. Use as a context manager."""

    def __init__(self, host: str = "127.0.0.1"):
        self.received: list[Received] = []
        self.rsc = 2000
        self._cv = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                with outer._cv:
                    outer.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    outer._cv.notify_all()
                self.send_response(200 if outer.rsc < 4000 else 400)
                self.send_header("X-M2M-RSC", str(outer.rsc))
                self.send_header("X-M2M-RI", self.headers.get("X-M2M-RI", ""))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "NotificationServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def clear(self) -> None:
        with self._cv:
            self.received.clear()

    def wait(self, count: int = 1, timeout: float = 5.0, where=None) -> list[Received]:
        """The received requests (those `where` accepts) once there are `count`, or at the
        timeout whatever arrived."""
        def matching():
            return [r for r in self.received if where is None or where(r)]
        with self._cv:
            self._cv.wait_for(lambda: len(matching()) >= count, timeout)
            return matching()

    def notifications(self) -> list[dict]:
        """The m2m:sgn contents received so far."""
        with self._cv:
            return [r.body["m2m:sgn"] for r in self.received
                    if isinstance(r.body, dict) and "m2m:sgn" in r.body]
