"""SegmentedTable: its SQL runs on any connection with nothing set up by the caller."""
from __future__ import annotations

import duckdb
import polars as pl

from pipeline.core.warehouse import SegmentedTable


def test_segmented_table_sql_is_self_contained(tmp_path):
    rows = pl.DataFrame({"report_id": ["a", "a", "b", "c"], "source_format": ["txt", "txt", "txt", "pdf"],
                         "value": [1, 2, 3, 4]})
    segment = tmp_path / "s.parquet"
    rows.write_parquet(segment)
    owners = pl.DataFrame({"report_id": ["a", "c"], "source_format": ["txt", "pdf"],
                           "file": [str(segment)] * 2, "rows": [2, 1]})
    table = SegmentedTable((str(segment),), ("report_id", "value"), owners)
    other = SegmentedTable((str(segment),), ("report_id",), owners.filter(pl.col("report_id") == "c"))
    with duckdb.connect() as con:  # two tables on one connection, no temp table made by the caller
        con.execute(f"CREATE TABLE t AS {table.sql(con)}")
        con.execute(f"CREATE TABLE u AS {other.sql(con)}")
        got = sorted(con.execute("SELECT report_id, value FROM t").fetchall())
        assert got == [("a", 1), ("a", 2), ("c", 4)]
        assert con.execute("SELECT report_id FROM u").fetchall() == [("c",)]
    assert table.read("value > 1")["value"].sort().to_list() == [2, 4]
    assert table.count == 3
    empty = SegmentedTable((), ("report_id",), owners.clear())
    with duckdb.connect() as con:
        assert con.execute(empty.sql(con)).fetchall() == []
