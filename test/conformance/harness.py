"""Case registration, checks and the context every conformance case gets.

A case is a function of one argument, the Context, registered with @case(ID, reference, title):
  ID         a stable name, "<GROUP>-<nnn>" (the group is the module: cases_ae.py → AE);
  reference  where the behaviour is specified ("TS-0004 §7.4.4.2.1"); a case checks what that
             text says, nothing more;
  title      what the CSE must do, as a sentence.
A check that does not hold raises CaseFailed with what was expected and what came back.
"""
from __future__ import annotations

import itertools
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from onem2m import Cse, NotificationServer, Response, AE

_names = itertools.count(1)


class CaseFailed(AssertionError):
    pass


@dataclass
class Case:
    id: str
    reference: str
    title: str
    fn: Callable[["Context"], None]
    module: str


REGISTRY: list[Case] = []


def case(case_id: str, reference: str, title: str):
    def register(fn):
        REGISTRY.append(Case(case_id, reference, title, fn, fn.__module__))
        return fn
    return register


def expect(condition: bool, message: str, response: Response | None = None) -> None:
    if not condition:
        raise CaseFailed(message + (f"; got {response!r}" if response is not None else ""))


def expect_rsc(response: Response, *codes: int) -> Response:
    """The response status code is one of `codes`; returns the response."""
    expect(response.rsc in codes,
           f"expected rsc {' or '.join(map(str, codes))}", response)
    return response


@dataclass
class Context:
    """What cases share: the CSE, a notification target, fresh names, and per-group state
    (`state`) that a group's setup() fills and its cases read."""
    cse: Cse
    notifications: NotificationServer
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return self.cse.cse_rn

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(_names)}"

    def register_ae(self, rn: str | None = None, originator: str = "C", poa: bool = True,
                    rr: bool | None = None, extra: dict | None = None) -> tuple[str, str]:
        """Registers an AE (a fresh name unless given); returns (originator it got, path).
        With `poa`, its point of access is the harness's notification server."""
        rn = rn or self.unique("ae")
        body: dict[str, Any] = {"rn": rn, "api": "Nconformance", "rr": poa if rr is None else rr,
                                "srv": [self.cse.rvi]}
        if poa:
            body["poa"] = [self.notifications.url]
        if extra:
            body.update(extra)
        r = self.cse.create(self.base, AE, {"m2m:ae": body}, originator=originator)
        expect_rsc(r, 2001)
        return r.get("m2m:ae/aei"), f"{self.base}/{rn}"

    def eventually(self, check: Callable[[], bool], timeout: float = 5.0, step: float = 0.1) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return True
            time.sleep(step)
        return check()


def run_case(c: Case, ctx: Context) -> tuple[bool, str]:
    try:
        c.fn(ctx)
        return True, ""
    except CaseFailed as e:
        return False, str(e)
    except Exception as e:  # noqa: BLE001 — a broken case or a dead connection: a failure
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return False, f"{type(e).__name__}: {e} (at {tb.filename.split('/')[-1]}:{tb.lineno})"
