"""Set up a persistent Dagster home for the nightly build: `python -m pipeline.setup_home`.

Creates $DAGSTER_HOME (default ~/.disclosure-dagster) and puts deploy/dagster.yaml there when the
folder has none (run monitoring, run retries, INFO-level logs), so that runs, schedules and asset
history outlive the process and `dagster dev` finds its home. An existing dagster.yaml is kept.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

DEFAULT_HOME = "~/.disclosure-dagster"
TEMPLATE = Path(__file__).resolve().parents[1] / "deploy" / "dagster.yaml"


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or DEFAULT_HOME).expanduser()


def setup_home(home: Path | None = None) -> tuple[Path, bool]:
    """The Dagster home, created with its dagster.yaml; True when the yaml was written now."""
    home = (home or dagster_home()).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if config.exists():
        return home, False
    shutil.copyfile(TEMPLATE, config)
    return home, True


def main() -> None:
    home, written = setup_home()
    what = "wrote dagster.yaml (run monitoring, retries, INFO logs)" if written else "kept its dagster.yaml"
    print(f"Dagster home {home}: {what}", file=sys.stderr)


if __name__ == "__main__":
    main()
