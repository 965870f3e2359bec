"""The Dagster code location (`dagster ... -m pipeline.definitions`, `dg`, or workspace.yaml).

Only assembles: `defs` loads the defs folder `pipeline/defs/` (one module per concern: ingest,
warehouse, quality, automation, resources), lazily (`@dg.definitions`): the environment is read
when Dagster loads the code location, never at import. `build_definitions` makes the same
definitions from explicit settings (tests, the graph snapshot).
"""
from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

import dagster as dg

from pipeline.defs import automation, ingest, quality, warehouse
from pipeline.defs import resources as resource_defs

ROOT = Path(__file__).resolve().parents[1]

# `--select '*'` (the contract's command) and `dg launch --assets '*'`: Dagster 1.13's own selection
# parser passes a beta parameter to AssetSelection.all and warns on every run; nothing for us to change.
warnings.filterwarnings("ignore", message="Parameter `include_sources` of function `AssetSelection.all`",
                        category=dg.BetaWarning)
JOB_NAME, SCHEDULE_NAME = automation.JOB_NAME, automation.SCHEDULE_NAME


def build_definitions(parse_partitions: int = 0, executor: str = "in_process",
                      resources: dict[str, dg.ConfigurableResource] | None = None) -> dg.Definitions:
    """The code location. `parse_partitions` > 0 splits the parse step into that many Dagster
    partitions (by a hash of each file's path); the executor is picked by name; `resources`
    replace the environment's (`pipeline.defs.resources`)."""
    configured = resource_defs.build()
    if resources is not None:
        configured = dg.Definitions(resources={**configured.resources, **resources})
    return dg.Definitions.merge(ingest.build(parse_partitions), warehouse.build(), quality.build(),
                                automation.build(parse_partitions, executor), configured)


@dg.definitions
def defs() -> dg.Definitions:
    """What Dagster's tools load: the defs folder, configured from the environment when the code
    location loads, not when this module is imported. A run loads its code location more than once
    in one process: the folder is read once per process and setting (a third of a second each)."""
    settings = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("DISCLOSURE_")))
    return _load_defs_folder(settings)


@functools.lru_cache(maxsize=4)
def _load_defs_folder(settings: tuple[tuple[str, str], ...]) -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=ROOT)
