#!/usr/bin/env python3
"""Checks docs/scenario.schema.json: it is a valid draft 2020-12 schema, every bundled scenario
(scenarios/**/*.json) conforms, and documents that break the format's rules are rejected.

Run by ctest from the repository root as `python3 tests/schema_test.py <gilsim binary>`; the
argument is ignored (the schema is for editors; the C++ checks are tested by scenario_test.cpp).
"""
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:  # a pyenv python3 does not see Debian's python3-jsonschema
    sys.path.append("/usr/lib/python3/dist-packages")
    import jsonschema

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "scenario.schema.json").read_text())

TASK = {"ops": [{"cpu": "1ms"}]}
WORKLOAD = {"tasks": [TASK]}
PROGRAM = {"threads": [{"name": "io", "ops": [{"io": "1ms"}], "repeat": 2}]}

GOOD = {
    "minimal workload": {"workload": WORKLOAD},
    "every workload field": {
        "$schema": "../docs/scenario.schema.json",
        "name": "x", "description": "d", "seed": 18446744073709551615,
        "switch_interval": "0.5 ms", "max_virtual_time": "3600s",
        "machine": {"cores": 4096, "profile": "default"},
        "workload": {"tasks": [{
            "name": "t", "count": 10000000, "repeat": 1000000000, "arg_bytes": 1099511627776,
            "result_bytes": 0,
            "ops": [{"io": "1s"}, {"cpu": {"fixed": "200us"}},
                    {"native": {"uniform": {"low": "1ms", "high": "3ms"}}},
                    {"native_gil": {"lognormal": {"mean": "5ms", "cv": 0.3}}}]}]},
        "strategies": ["serial", "threads", {"kind": "threads", "workers": 4},
                       {"kind": "serial"}],
    },
    "planned v1 additions": {
        "python": "3.12", "import_time": "50ms",
        "workload": {"tasks": [{"ops": [{"cpu": "1ms"}, {"subprocess": "5ms"}]}]},
        "strategies": ["processes", "asyncio", "free-threaded", "subinterpreters",
                       {"kind": "processes", "workers": 2, "start_method": "spawn",
                        "chunksize": 4, "threads_per_worker": 2},
                       {"kind": "asyncio", "concurrency": 10, "to_thread": ["cpu", "native"]},
                       {"kind": "free-threaded", "workers": 4, "shared_fraction": 0.5}],
    },
    "program with a background thread": {"program": {"threads": [
        {"name": "spin", "ops": [{"cpu": "1ms"}], "repeat": "until_others_finish"},
        {"name": "io", "ops": [{"io": "1ms"}]}]}},
}

BAD = {
    "not an object": [WORKLOAD],
    "unknown top-level key": {"workload": WORKLOAD, "threads": 4},
    "neither workload nor program": {"seed": 1},
    "both workload and program": {"workload": WORKLOAD, "program": PROGRAM},
    "strategies with a program": {"program": PROGRAM, "strategies": ["serial"]},
    "bare number duration": {"workload": WORKLOAD, "switch_interval": 5},
    "duration without a unit": {"workload": WORKLOAD, "switch_interval": "5"},
    "duration with a bad unit": {"workload": {"tasks": [{"ops": [{"cpu": "5 sec"}]}]}},
    "negative duration": {"workload": {"tasks": [{"ops": [{"io": "-1ms"}]}]}},
    "seed below 0": {"workload": WORKLOAD, "seed": -1},
    "cores 0": {"workload": WORKLOAD, "machine": {"cores": 0}},
    "unknown machine key": {"workload": WORKLOAD, "machine": {"corse": 4}},
    "empty tasks": {"workload": {"tasks": []}},
    "task without ops": {"workload": {"tasks": [{"count": 2}]}},
    "empty ops": {"workload": {"tasks": [{"ops": []}]}},
    "count 0": {"workload": {"tasks": [{"count": 0, **TASK}]}},
    "op with two kinds": {"workload": {"tasks": [{"ops": [{"cpu": "1ms", "io": "1ms"}]}]}},
    "empty op": {"workload": {"tasks": [{"ops": [{}]}]}},
    "unknown op kind": {"workload": {"tasks": [{"ops": [{"cpus": "1ms"}]}]}},
    "unknown distribution": {"workload": {"tasks": [{"ops": [{"cpu": {"normal": {}}}]}]}},
    "uniform without high": {
        "workload": {"tasks": [{"ops": [{"cpu": {"uniform": {"low": "1ms"}}}]}]}},
    "lognormal cv above 10": {
        "workload": {"tasks": [{"ops": [{"cpu": {"lognormal": {"mean": "1ms", "cv": 11}}}]}]}},
    "thread without a name": {"program": {"threads": [{"ops": [{"cpu": "1ms"}]}]}},
    "every thread until_others_finish": {"program": {"threads": [
        {"name": "a", "ops": [{"cpu": "1ms"}], "repeat": "until_others_finish"}]}},
    "thread repeat misspelt": {"program": {"threads": [
        {"name": "a", "ops": [{"cpu": "1ms"}], "repeat": "forever"}]}},
    "empty strategies": {"workload": WORKLOAD, "strategies": []},
    "unknown strategy": {"workload": WORKLOAD, "strategies": ["thread"]},
    "workers with serial": {"workload": WORKLOAD,
                            "strategies": [{"kind": "serial", "workers": 2}]},
    "workers 0": {"workload": WORKLOAD, "strategies": [{"kind": "threads", "workers": 0}]},
    "the same strategy twice": {"workload": WORKLOAD, "strategies": ["threads", "threads"]},
    "start_method with threads": {"workload": WORKLOAD, "strategies": [
        {"kind": "threads", "start_method": "fork"}]},
    "unknown start method": {"workload": WORKLOAD, "strategies": [
        {"kind": "processes", "start_method": "vfork"}]},
    "to_thread io": {"workload": WORKLOAD, "strategies": [{"kind": "asyncio", "to_thread": ["io"]}]},
}


def main():
    validator_class = jsonschema.Draft202012Validator
    validator_class.check_schema(SCHEMA)
    validator = validator_class(SCHEMA)
    passed, failed = 0, 0

    def report(ok, name, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {name}{': ' + detail if detail else ''}")

    bundled = sorted((ROOT / "scenarios").rglob("*.json"))
    report(len(bundled) > 0, "bundled scenarios exist", "no scenarios/**/*.json found")
    for path in bundled:
        errors = list(validator.iter_errors(json.loads(path.read_text())))
        report(not errors, str(path.relative_to(ROOT)), "; ".join(e.message for e in errors))
    for name, document in GOOD.items():
        errors = list(validator.iter_errors(document))
        report(not errors, f"accepts {name}", "; ".join(e.message for e in errors))
    for name, document in BAD.items():
        report(not validator.is_valid(document), f"rejects {name}", "the schema accepted it")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
