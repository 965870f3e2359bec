"""No line over 110 characters in the core, the generator, the schemas, the benchmarks and the tests
(the OCR reader, the parse pool and the Dagster layer's files aside: their owners wrap their own)."""
from __future__ import annotations

from tests.conftest import ROOT

MAX = 110
SCOPE = ("pipeline/core", "pipeline/synth", "schemas", "benchmarks", "tests")
ASIDE = {"pipeline/core/readers/ocr.py", "tests/test_nightly.py", "tests/test_incremental_and_publish.py"}
POOL = "# --- the parse pool"  # files.py from here on: the parse pool


def test_no_line_is_longer_than_110_characters():
    long = []
    for folder in SCOPE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in ASIDE:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if rel == "pipeline/core/files.py" and line.startswith(POOL):
                    break
                if len(line) > MAX:
                    long.append(f"{rel}:{number} ({len(line)})")
    assert not long, "wrap these lines:\n" + "\n".join(long)
