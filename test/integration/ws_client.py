"""The WebSocket client side of websocket_test.sh: a real client (python3-websockets) that speaks
the oneM2M WebSocket binding (TS-0020) to trustcse over ws:// and wss://.

    ws_client.py SCENARIO URL [CA CERT KEY]

Prints one line per check, "ok NAME" or "FAIL NAME: why"; the shell script counts them.
Scenarios: plain (ws://: registration, CRUD, notification and forwarded NOTIFY over the open
connection, bad input, the subprotocol, an oversized message, the message rate, a silent peer,
the connection cap; arguments: the per-source cap, the rate and the burst),
tls (wss:// with a certificate of the test CA: registration, identities the credential does not
allow, a notification), tls-again (a request on a new wss connection, after a reload),
tls-anonymous (wss:// without a client certificate).
"""
import asyncio
import json
import socket
import ssl
import sys
import time

import websockets

def check(name, ok, why=""):
    print(("ok " + name) if ok else ("FAIL %s: %s" % (name, why)), flush=True)


class Peer:
    """One oneM2M WebSocket connection: requests out, responses matched by rqi; requests the CSE
    sends are recorded and answered (2000)."""

    def __init__(self, ws):
        self.ws = ws
        self.pending = {}
        self.received = asyncio.Queue()
        self.n = 0
        self.reader = asyncio.ensure_future(self.read())

    async def read(self):
        try:
            async for message in self.ws:
                m = json.loads(message)
                if "op" in m:
                    await self.received.put(m)
                    await self.ws.send(json.dumps({"rsc": 2000, "rqi": m.get("rqi", "")}))
                elif m.get("rqi") in self.pending:
                    self.pending.pop(m["rqi"]).set_result(m)
                else:
                    await self.received.put(m)  # an answer to nothing we sent: a refusal
        except websockets.ConnectionClosed:
            pass

    async def request(self, op, to, fr, pc=None, ty=None, **extra):
        self.n += 1
        rqi = "r%d" % self.n
        m = {"op": op, "to": to, "rqi": rqi, "rvi": "3"}
        if fr is not None:
            m["fr"] = fr
        if ty is not None:
            m["ty"] = ty
        if pc is not None:
            m["pc"] = pc
        m.update(extra)
        fut = asyncio.get_event_loop().create_future()
        self.pending[rqi] = fut
        await self.ws.send(json.dumps(m))
        return await asyncio.wait_for(fut, 10)

    async def next_request(self, timeout=10):
        while True:
            m = await asyncio.wait_for(self.received.get(), timeout)
            if "op" in m:
                return m


def ae(rn):
    return {"m2m:ae": {"rn": rn, "api": "N" + rn, "rr": True, "srv": ["3"]}}


async def crud_and_notify(peer, fr, rn, label):
    """Registration, CRUD, a subscription by the AE to its own container and the notification of
    a new content instance over this connection."""
    r = await peer.request(1, "cse-in", fr, ae(rn), ty=2)
    check(label + "-register", r.get("rsc") == 2001, r)
    aei = r.get("pc", {}).get("m2m:ae", {}).get("aei", "")
    check(label + "-aei", aei != "", r)
    r = await peer.request(1, "cse-in/" + rn, aei, {"m2m:cnt": {"rn": "data"}}, ty=3)
    check(label + "-create-container", r.get("rsc") == 2001, r)
    r = await peer.request(2, "cse-in/" + rn + "/data", aei)
    check(label + "-retrieve", r.get("rsc") == 2000 and "m2m:cnt" in r.get("pc", {}), r)
    r = await peer.request(3, "cse-in/" + rn + "/data", aei, {"m2m:cnt": {"lbl": ["ws"]}})
    check(label + "-update", r.get("rsc") == 2004, r)
    r = await peer.request(1, "cse-in/" + rn + "/data", aei,
                           {"m2m:sub": {"rn": "sub", "nu": [aei], "enc": {"net": [3]}}}, ty=23)
    check(label + "-subscribe", r.get("rsc") == 2001, r)
    r = await peer.request(1, "cse-in/" + rn + "/data", aei, {"m2m:cin": {"con": "42"}}, ty=4)
    check(label + "-create-instance", r.get("rsc") == 2001, r)
    try:
        n = await peer.next_request(10)
        sgn = n.get("pc", {}).get("m2m:sgn", {})
        check(label + "-notification", n.get("op") == 5 and n.get("to") == aei and
              sgn.get("nev", {}).get("rep", {}).get("m2m:cin", {}).get("con") == "42", n)
    except asyncio.TimeoutError:
        check(label + "-notification", False, "no notification over the connection in 10 s")
    return aei


async def plain(url):
    async with websockets.connect(url, subprotocols=["oneM2M.json"]) as ws:
        check("subprotocol-json", ws.subprotocol == "oneM2M.json", ws.subprotocol)
        peer = Peer(ws)
        aei = await crud_and_notify(peer, "Cwsplain", "wsplain", "ws")
        # A NOTIFY another originator addresses to the AE is forwarded over its connection,
        # and the AE's answer comes back to that originator.
        async with websockets.connect(url, subprotocols=["oneM2M.json"]) as ws2:
            admin = Peer(ws2)
            fwd = asyncio.ensure_future(
                admin.request(5, "cse-in/wsplain", "CAdmin", {"m2m:sgn": {"vrq": False, "sur": "x"}}))
            try:
                n = await peer.next_request(10)
                check("forwarded-notify-arrives", n.get("op") == 5, n)
            except asyncio.TimeoutError:
                check("forwarded-notify-arrives", False, "nothing forwarded in 10 s")
            r = await fwd
            check("forwarded-notify-answer", r.get("rsc") == 2000, r)
        # Bad input gets a response primitive with its status, and the connection stays.
        await ws.send("this is not json")
        m = await asyncio.wait_for(peer.received.get(), 5)
        check("bad-json-4000", m.get("rsc") == 4000 and "m2m:dbg" in m.get("pc", {}), m)
        r = await peer.request(2, "cse-in", None)
        check("missing-fr-4000-with-rqi", r.get("rsc") == 4000, r)
        r = await peer.request(2, "cse-in/nothing-here", aei)
        check("not-found-4004", r.get("rsc") == 4004, r)
        r = await peer.request(2, "cse-in", aei)
        check("still-open-after-bad-input", r.get("rsc") == 2000, r)
        r = await peer.request(4, "cse-in/wsplain", aei)
        check("deregister", r.get("rsc") == 2002, r)

    # CBOR: binary frames both ways (the message is hand-made CBOR: one small map).
    async with websockets.connect(url, subprotocols=["oneM2M.xml", "oneM2M.cbor"]) as ws:
        check("subprotocol-cbor-chosen", ws.subprotocol == "oneM2M.cbor", ws.subprotocol)
        # {"op":2,"to":"cse-in","fr":"CAdmin","rqi":"c1"}
        msg = (b"\xa4" + b"\x62op\x02" + b"\x62to\x66cse-in" + b"\x62fr\x66CAdmin" +
               b"\x63rqi\x62c1")
        await ws.send(msg)
        got = await asyncio.wait_for(ws.recv(), 5)
        check("cbor-binary-answer", isinstance(got, bytes) and b"rsc" in got and b"c1" in got,
              repr(got[:60]))

    # Without one of the oneM2M subprotocols the upgrade is refused (HTTP 400, X-M2M-RSC 4000).
    for name, offer in (("no-subprotocol", None), ("xml-only", ["oneM2M.xml"])):
        try:
            async with websockets.connect(url, subprotocols=offer):
                check(name + "-refused", False, "the upgrade succeeded")
        except websockets.InvalidStatusCode as e:
            headers = getattr(e, "headers", None)
            rsc = headers.get("X-M2M-RSC") if headers is not None else "4000"
            check(name + "-refused", e.status_code == 400 and rsc == "4000",
                  "%s %s" % (e.status_code, rsc))

    # An oversized message: a 4000 response primitive, then close code 1009.
    async with websockets.connect(url, subprotocols=["oneM2M.json"], max_size=None) as ws:
        big = json.dumps({"op": 2, "to": "cse-in", "fr": "CAdmin", "rqi": "big",
                          "pad": "x" * 100000})
        await ws.send(big)
        try:
            m = json.loads(await asyncio.wait_for(ws.recv(), 5))
            check("oversized-4000", m.get("rsc") == 4000, m)
            await asyncio.wait_for(ws.recv(), 5)
            check("oversized-closes", False, "still open")
        except websockets.ConnectionClosed as e:
            check("oversized-closes", e.code == 1009, e.code)
        except asyncio.TimeoutError:
            check("oversized-closes", False, "timeout")


async def rate(url, per_second, burst):
    """More messages than the burst: all answered, none dropped, but no faster than the rate."""
    count = burst + 3 * per_second
    async with websockets.connect(url, subprotocols=["oneM2M.json"]) as ws:
        peer = Peer(ws)
        start = time.monotonic()
        answers = await asyncio.gather(
            *[peer.request(2, "cse-in", "CAdmin") for _ in range(count)])
        elapsed = time.monotonic() - start
        check("rate-all-answered", all(a.get("rsc") == 2000 for a in answers),
              [a.get("rsc") for a in answers if a.get("rsc") != 2000][:5])
        # (count - burst) messages at per_second: 3 s at least, less a margin for timer slack.
        check("rate-paced", elapsed >= 2.5, "%d messages in %.2f s" % (count, elapsed))


def silent_peer(url):
    """A client that completes the upgrade and then answers nothing (no pongs): closed at the idle
    limit (2 s in the test's configuration)."""
    host, port = url.split("//")[1].rstrip("/").split(":")
    s = socket.create_connection((host, int(port)))
    s.sendall(("GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: oneM2M.json\r\n\r\n" % host).encode())
    s.settimeout(10)
    head = s.recv(4096)
    check("raw-upgrade-101", head.startswith(b"HTTP/1.1 101"), head[:40])
    start = time.monotonic()
    closed = False
    try:
        while time.monotonic() - start < 9:
            if s.recv(4096) == b"":
                closed = True
                break
    except (socket.timeout, ConnectionResetError):
        closed = True
    check("idle-peer-closed", closed and time.monotonic() - start < 9,
          "open after %.1f s" % (time.monotonic() - start))
    s.close()


async def connection_cap(url, per_source):
    """max_connections_per_source connections from one address; the next one is closed."""
    await asyncio.sleep(1)  # the server releases the earlier connections' places
    open_ = []
    try:
        for _ in range(per_source):
            open_.append(await websockets.connect(url, subprotocols=["oneM2M.json"]))
        try:
            extra = await asyncio.wait_for(
                websockets.connect(url, subprotocols=["oneM2M.json"]), 5)
            await extra.close()
            check("connection-cap", False, "connection %d was accepted" % (per_source + 1))
        except (OSError, websockets.InvalidHandshake, asyncio.TimeoutError,
                websockets.ConnectionClosed):
            check("connection-cap", True)
    finally:
        for w in open_:
            await w.close()


def tls_context(ca, cert=None, key=None):
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


async def tls(url, ca, cert, key):
    async with websockets.connect(url, subprotocols=["oneM2M.json"],
                                  ssl=tls_context(ca, cert, key)) as ws:
        peer = Peer(ws)
        aei = await crud_and_notify(peer, "Ccert", "wsscert", "wss")
        check("wss-aei-is-the-certified-id", aei == "Ccert", aei)
        # Identities the certificate does not certify: refused like over HTTPS.
        r = await peer.request(2, "cse-in/wsscert", "Cpsk")
        print("code claim-another %s" % r.get("rsc"), flush=True)
        r = await peer.request(2, "cse-in", "CAdmin")
        print("code claim-admin %s" % r.get("rsc"), flush=True)
        r = await peer.request(1, "cse-in", "Cother", ae("wssother"), ty=2)
        print("code register-another %s" % r.get("rsc"), flush=True)


async def tls_again(url, ca, cert, key):
    """After a reload: the wss listener serves new connections with its new TLS context."""
    async with websockets.connect(url, subprotocols=["oneM2M.json"],
                                  ssl=tls_context(ca, cert, key)) as ws:
        peer = Peer(ws)
        r = await peer.request(2, "cse-in/wsscert", "Ccert")
        check("wss-after-reload", r.get("rsc") == 2000, r)


async def tls_anonymous(url, ca):
    try:
        async with websockets.connect(url, subprotocols=["oneM2M.json"],
                                      ssl=tls_context(ca)) as ws:
            await ws.send(json.dumps({"op": 2, "to": "cse-in", "fr": "Ccert", "rqi": "a"}))
            await asyncio.wait_for(ws.recv(), 5)
            check("wss-without-credential-closed", False, "answered")
    except (OSError, ssl.SSLError, websockets.InvalidHandshake, websockets.ConnectionClosed,
            asyncio.TimeoutError, EOFError):
        check("wss-without-credential-closed", True)


def main():
    scenario, url = sys.argv[1], sys.argv[2]
    if scenario == "plain":
        asyncio.run(plain(url))
        asyncio.run(rate(url, int(sys.argv[4]), int(sys.argv[5])))
        silent_peer(url)
        asyncio.run(connection_cap(url, int(sys.argv[3])))
    elif scenario == "tls":
        asyncio.run(tls(url, sys.argv[3], sys.argv[4], sys.argv[5]))
    elif scenario == "tls-again":
        asyncio.run(tls_again(url, sys.argv[3], sys.argv[4], sys.argv[5]))
    elif scenario == "tls-anonymous":
        asyncio.run(tls_anonymous(url, sys.argv[3]))
    else:
        sys.exit("unknown scenario " + scenario)


if __name__ == "__main__":
    main()
