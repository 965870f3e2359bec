"""The defs folder (`[tool.dg.project] defs_module`): one module per concern, each a lazy
`@dg.definitions` read when the code location loads, never at import.

- ingest: the raw files and the parse step (partitioned by DISCLOSURE_PARSE_PARTITIONS)
- warehouse: the contract tables, the DuckDB warehouse and its Parquet export
- quality: the codebook's data-quality checks on the tables
- automation: the job, its executor, the nightly schedule and the sensors
- resources: the raw folder, the warehouse and the parse manifests' IO manager, from `dg.EnvVar`s
"""
