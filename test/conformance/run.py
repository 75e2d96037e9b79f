#!/usr/bin/env python3
"""Runs the black-box oneM2M conformance cases (cases_*.py) against a CSE over HTTP.

  run.py --url http://127.0.0.1:8080 [--cse-name cse-in] [--cse-id /id-in] [--admin CAdmin]
         [--known known_deviations.txt] [--only AE-,CNT-003] [--no-upper-tester] [--json out.json]

Each group (module) starts on a fresh CSE when the upper tester (TS-0019 `Reset`) is available.
Prints one line a case and the share that passes, by group and in all. Exit status 0 when every
case passes except those listed in --known (each with the reason it deviates), and every case
listed there still fails — so that the list stays true; 1 otherwise.
"""
from __future__ import annotations

import argparse
import importlib
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from harness import REGISTRY, Context, run_case  # noqa: E402
from onem2m import Cse, NotificationServer  # noqa: E402


def load_known(path: str | None) -> dict[str, str]:
    known: dict[str, str] = {}
    if not path:
        return known
    for line in pathlib.Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        case_id, _, reason = line.partition(" ")
        known[case_id] = reason.strip()
    return known


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--cse-name", default="cse-in")
    ap.add_argument("--cse-id", default="/id-in")
    ap.add_argument("--admin", default="CAdmin")
    ap.add_argument("--rvi", default="4")
    ap.add_argument("--known")
    ap.add_argument("--only", default="", help="comma-separated case IDs or ID prefixes")
    ap.add_argument("--no-upper-tester", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()

    here = pathlib.Path(__file__).resolve().parent
    for f in sorted(here.glob("cases_*.py")):
        importlib.import_module(f.stem)
    cse = Cse(args.url, args.cse_name, args.cse_id, args.admin, args.rvi,
              has_upper_tester=not args.no_upper_tester)
    known = load_known(args.known)
    only = [s for s in args.only.split(",") if s]
    selected = [c for c in REGISTRY if not only or any(c.id == o or c.id.startswith(o) for o in only)]

    results = []
    bad = 0
    with NotificationServer() as notif:
        modules = list(dict.fromkeys(c.module for c in selected))
        for module_name in modules:
            module = sys.modules[module_name]
            if cse.has_upper_tester:
                r = cse.upper_tester("Reset")
                if r.rsc != 2000:
                    print(f"upper tester Reset failed before {module_name}: {r!r}")
                    return 1
            ctx = Context(cse, notif)
            notif.clear()
            setup_error = None
            if hasattr(module, "setup"):
                try:
                    module.setup(ctx)
                except Exception as e:  # noqa: BLE001
                    setup_error = f"group set-up failed: {type(e).__name__}: {e}"
            for c in (c for c in selected if c.module == module_name):
                ok, why = (False, setup_error) if setup_error else run_case(c, ctx)
                expected_fail = c.id in known
                if ok and expected_fail:
                    verdict, bad = "XPASS", bad + 1
                    why = f"listed as a deviation ({known[c.id]}) but passes: remove it from the list"
                elif ok:
                    verdict = "PASS"
                elif expected_fail:
                    verdict = "KNOWN"
                    why = f"{known[c.id]} [{why}]"
                else:
                    verdict, bad = "FAIL", bad + 1
                print(f"{verdict:5} {c.id:10} {c.title} ({c.reference})" + (f"\n      {why}" if why else ""))
                results.append({"id": c.id, "reference": c.reference, "title": c.title,
                                "passed": ok, "known": expected_fail, "detail": why})
            if hasattr(module, "teardown"):
                try:
                    module.teardown(ctx)
                except Exception:  # noqa: BLE001 — the next group starts from a Reset anyway
                    pass
    stale = [k for k in known if k not in {c.id for c in REGISTRY}]
    for k in stale:
        print(f"STALE {k}: listed in {args.known} but no such case")
        bad += 1

    groups: dict[str, list[bool]] = {}
    for r in results:
        groups.setdefault(r["id"].rsplit("-", 1)[0], []).append(r["passed"])
    print()
    for g, v in groups.items():
        print(f"{g:8} {sum(v):4}/{len(v):<4} {100 * sum(v) / len(v):5.1f}%")
    total = sum(r["passed"] for r in results)
    share = 100 * total / len(results) if results else 0.0
    print(f"{'all':8} {total:4}/{len(results):<4} {share:5.1f}%  ({sum(r['known'] for r in results)} known deviations)")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"share": share, "cases": results}, indent=1))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
