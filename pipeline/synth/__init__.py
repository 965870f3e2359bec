"""Synthetic reports for tests and benchmarks: random records with known truth, rendered into
every format and layout the readers accept, with the faults real reports have, and golden files
in the format of the shared scorer. `python -m pipeline.synth --help` writes a corpus."""
