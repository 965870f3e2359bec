"""The Dagster assets, checks, resources and automation (loaded by concern from pipeline/defs)."""
from __future__ import annotations

import contextlib
import warnings
from typing import Iterator

import dagster as dg

# Every asset of the graph runs a partition range in one run (what the schedule, the sensor and
# `dg launch --job build_warehouse --partition-range 000...N-1` start with parse partitions): the
# parse step parses each partition of the range in turn, the tables are assembled once from all.
SINGLE_RUN = dg.BackfillPolicy.single_run()


@contextlib.contextmanager
def beta_parameter() -> Iterator[None]:
    """Dagster 1.13 marks `backfill_policy` as a beta parameter and warns whenever it is passed:
    used on purpose here (the CLI needs it to run a partition range), so the notice is not printed
    on every load of the code location."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        yield
