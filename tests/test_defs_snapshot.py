"""The Dagster graph as a committed snapshot (as dagster-open-platform's test_defs.py does): asset
keys and their dependencies, check specs, jobs, schedules and sensors, in the default and the
partitioned mode. A change to the graph shows in review as a change to tests/snapshots/.

After an intended change, write the snapshots again with
    DISCLOSURE_UPDATE_SNAPSHOTS=1 .venv/bin/pytest -q tests/test_defs_snapshot.py
"""
from __future__ import annotations

import json
import os

import dagster as dg
import pytest

from pipeline import definitions
from tests.conftest import ROOT

SNAPSHOTS = ROOT / "tests" / "snapshots"
MODES = {"default": {}, "partitioned": {"parse_partitions": 4, "executor": "multiprocess"}}


def graph_snapshot(defs: dg.Definitions) -> dict:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        partitions = node.partitions_def
        assets[key.to_user_string()] = {
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "owners": list(node.owners),
            "partitions": partitions.get_partition_keys() if partitions else None,
            "backfill_policy": node.backfill_policy.policy_type.value if node.backfill_policy else None,
            "step": node.assets_def.node_def.name if node.is_executable else None,
            "checks": sorted(c.name for c in node.check_keys),
        }
    checks = {f"{k.asset_key.to_user_string()}:{k.name}": {
        "blocking": graph.get_check_spec(k).blocking,
        "step": graph._assets_defs_by_check_key[k].node_def.name}  # noqa: SLF001
              for k in sorted(graph.asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name))}
    jobs = {}
    for job in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name):
        if job.name.startswith("__"):  # Dagster's implicit job of all assets
            continue
        jobs[job.name] = {"assets": sorted(k.to_user_string() for k in job.asset_layer.selected_asset_keys),
                          "executor": job.executor_def.name, "tags": dict(job.tags)}
    schedules = {s.name: {"job": s.job_name, "cron": s.cron_schedule, "timezone": s.execution_timezone,
                          "default_status": s.default_status.value}
                 for s in sorted(defs.schedules or [], key=lambda s: s.name)}
    sensors = {s.name: {"jobs": sorted(j.name for j in s.jobs) if s.has_jobs else [],
                        "default_status": s.default_status.value,
                        "minimum_interval_seconds": s.minimum_interval_seconds}
               for s in sorted(defs.sensors or [], key=lambda s: s.name)}
    return {"assets": assets, "asset_checks": checks, "jobs": jobs, "schedules": schedules,
            "sensors": sensors}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_the_graph_matches_its_committed_snapshot(mode):
    got = graph_snapshot(definitions.build_definitions(**MODES[mode]))
    path = SNAPSHOTS / f"defs_{mode}.json"
    text = json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if os.environ.get("DISCLOSURE_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == got, (
        f"the {mode} graph changed; if intended, rerun with DISCLOSURE_UPDATE_SNAPSHOTS=1 and commit {path}")


def test_the_defs_folder_loads_the_same_graph(monkeypatch):
    """What Dagster's tools load (`defs`: the defs folder, by concern) is the snapshot's graph."""
    for name in ("DISCLOSURE_PARSE_PARTITIONS", "DISCLOSURE_EXECUTOR"):
        monkeypatch.delenv(name, raising=False)
    assert graph_snapshot(definitions.defs()) == graph_snapshot(definitions.build_definitions())
    monkeypatch.setenv("DISCLOSURE_PARSE_PARTITIONS", "4")
    monkeypatch.setenv("DISCLOSURE_EXECUTOR", "multiprocess")
    partitioned = definitions.build_definitions(**MODES["partitioned"])
    assert graph_snapshot(definitions.defs()) == graph_snapshot(partitioned)
