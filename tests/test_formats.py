"""Every format and layout, round-tripped: a synthetic report rendered into a file parses back to
the record it came from (hypothesis draws the report, its faults and the layout)."""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.core import codebook as cb
from pipeline.core.files import RawFileRef, parse_file
from pipeline.synth.__main__ import write_corpus
from pipeline.synth.golden import expected_findings
from pipeline.synth.model import FAULTS, SynthReport, random_report
from pipeline.synth.render import VARIANTS, Variant, render
from tests.conftest import RAW, ROOT, names_the_row
from tests.golden import compare
from tests.hostile import EXPECTED_REASON, hostile_files


def parse_rendered(tmp_path, rep: SynthReport, variant: Variant, seed: int):
    path = tmp_path / f"report{variant.suffix}"
    path.write_bytes(render(rep, variant, random.Random(seed)))
    return parse_file(RawFileRef(path, path.name))


def differences(rep: SynthReport, parsed) -> list[str]:
    """Every value of the truth that the parsed record does not hold."""
    rec = parsed.report
    if rec is None:
        return [f"rejected: {parsed.error}"]
    out = []
    for name in ("agency_name", "report_year", "format_version", "admin_level", "province", "city", "county",
                 "published_on", "contact_phone", "contact_email", "postcode", "processing_fee_yuan"):
        if getattr(rec, name) != getattr(rep, name):
            out.append(f"{name}: {getattr(rec, name)!r} != {getattr(rep, name)!r}")
    if (rec.period_start, rec.period_end) != rep.period:
        out.append(f"period {rec.period_start}..{rec.period_end}")
    incomplete = " ".join(f.detail for f in rec.findings if f.check_name == cb.CHECK_INCOMPLETE_TABLE)
    for area in ("application", "proactive", "review_litigation"):
        got, want = getattr(rec, area), getattr(rep, area)
        for k, v in want.items():
            if got.get(k) == v:
                continue
            # NULL is allowed only where the parser says a row could not be placed unambiguously
            # (a blank cell beside merged-cell padding in a one-cell-per-line copy); never a wrong number
            excused = got.get(k) is None and v is not None and rep.faults & {"blank_cells"} \
                and names_the_row(area, k[0], incomplete)
            if not excused:
                out.append(f"{area} {k}: {got.get(k)!r} != {v!r}")
    channels = sorted((c.channel, c.items, c.is_lower_bound, c.account_name) for c in rec.channels)
    if channels != sorted((c.channel, c.items, c.is_lower_bound, c.account_name) for c in rep.channels):
        out.append(f"channels {channels}")
    if {p.proposal_type: p.count for p in rec.proposals} != rep.proposals:
        out.append(f"proposals {rec.proposals}")
    parser_checks = {cb.CHECK_INCOMPLETE_TABLE, cb.CHECK_TEXT_TABLE_MISMATCH}
    found = {f.check_name for f in rec.findings} & parser_checks
    if found != set(expected_findings(rep)) & parser_checks:
        out.append(f"findings {sorted(found)} != {expected_findings(rep)}")
    want_status = (cb.STATUS_PARTIAL if cb.CHECK_INCOMPLETE_TABLE in expected_findings(rep)
                   else cb.STATUS_PARSED)
    if parsed.status != want_status:
        out.append(f"status {parsed.status} ({parsed.error}) != {want_status}")
    return out


TEXT_VARIANTS = [Variant(*v) for v in VARIANTS if v[0] in ("txt", "html")]


# ROUND_TRIPS=2000 pytest tests/test_formats.py  for a longer hunt
ROUND_TRIPS = int(os.environ.get("ROUND_TRIPS", "60"))


@settings(max_examples=ROUND_TRIPS, deadline=None, derandomize="ROUND_TRIPS" not in os.environ,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), variant=st.sampled_from(TEXT_VARIANTS),
       faults=st.sets(st.sampled_from(FAULTS), max_size=2), fmt=st.sampled_from(cb.FORMAT_VERSIONS))
def test_text_and_web_layouts_round_trip(tmp_path, seed, variant, faults, fmt):
    rep = random_report(random.Random(seed), faults, fmt)
    assert differences(rep, parse_rendered(tmp_path, rep, variant, seed)) == []


@settings(max_examples=max(6, ROUND_TRIPS // 20), deadline=None, derandomize="ROUND_TRIPS" not in os.environ,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), source=st.sampled_from(["docx", "pdf"]),
       faults=st.sets(st.sampled_from(FAULTS), max_size=2), fmt=st.sampled_from(cb.FORMAT_VERSIONS))
def test_word_and_pdf_round_trip(tmp_path, seed, source, faults, fmt):
    variant = next(Variant(*v) for v in VARIANTS if v[0] == source)
    rep = random_report(random.Random(seed), faults, fmt)
    assert differences(rep, parse_rendered(tmp_path, rep, variant, seed)) == []


def test_docx_reads_merged_word_cells(tmp_path):
    rep = random_report(random.Random(7), set(), cb.FORMAT_2021)
    parsed = parse_rendered(tmp_path, rep, Variant("docx", "word_tables", "zip"), 7)
    from pipeline.core.readers import read_document
    doc = read_document((tmp_path / "report.docx").read_bytes(), "docx")
    rows = [r.cells for t in doc.tables for r in t.rows]
    # '（三）不予公开' spans 8 rows: it appears once, and blank in the 7 rows it covers
    assert sum("（三）不予公开" in c for r in rows for c in r) == 1
    assert any(r[:3] == ("", "", "2.其他法律行政法规禁止公开") for r in rows)
    assert parsed.report.application[("3.7", "total")] == rep.application[("3.7", "total")]


def test_pdf_table_continued_over_a_page_is_one_table(tmp_path):
    rep = random_report(random.Random(3), set(), cb.FORMAT_2021)
    parse_rendered(tmp_path, rep, Variant("pdf", "text_layer", "pdf"), 3)
    from pipeline.core.readers import read_document
    doc = read_document((tmp_path / "report.pdf").read_bytes(), "pdf")
    app_tables = [t for t in doc.tables if any("结转下年度继续办理" in "".join(r.cells) for r in t.rows)]
    assert len(app_tables) == 1
    codes = [r.cells for r in app_tables[0].rows]
    assert any("本年新收" in "".join(c) for c in codes) and any("结转下年度" in "".join(c) for c in codes)
    # page numbers gone
    assert not any("—" in p.text and p.text.strip("— 0123456789") == "" for p in doc.paragraphs)


def test_gbk_page_with_chrome(tmp_path):
    rep = random_report(random.Random(11), set(), cb.FORMAT_2021)
    parsed = parse_rendered(tmp_path, rep, Variant("html", "page_gbk", "gbk"), 11)
    assert (tmp_path / "report.html").read_bytes().find("人民政府".encode("gb18030")) > 0
    assert parsed.report.agency_name == rep.agency_name
    from pipeline.core.readers import read_document
    text = read_document((tmp_path / "report.html").read_bytes(), "html").plain_text()
    assert "字号" not in text and "网站标识码" not in text and "_hmt" not in text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_seed_in_every_encoding_parses_alike(tmp_path, encoding):
    source = next(RAW.glob("004_*.txt"))
    (tmp_path / "r.txt").write_bytes(source.read_text(encoding="utf-8").encode(encoding))
    got = parse_file(RawFileRef(tmp_path / "r.txt", "r.txt")).report
    want = parse_file(RawFileRef(source, source.name)).report
    assert got.application == want.application and got.agency_name == "沂源县悦庄镇人民政府"


def test_hostile_files_are_rejected_with_reasons_beside_parsing_samples(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, data in hostile_files().items():
        (raw / name).write_bytes(data)
    for f in RAW.iterdir():
        shutil.copy(f, raw / f.name)
    (raw / "big.txt").write_bytes(b"x" * 3 * 1024 * 1024)
    warehouse = tmp_path / "w.duckdb"
    code = ("import resource, sys; from pathlib import Path; "
            "from pipeline.core.build import build_warehouse; "
            f"build_warehouse(Path({str(raw)!r}), Path({str(warehouse)!r}), max_bytes=2 * 1024 * 1024); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    peak_kib = int(done.stdout.strip().splitlines()[-1])
    assert peak_kib < 2 * 1024 * 1024  # under 2 GiB, zip bomb included
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = dict(con.execute("SELECT source_path, error FROM raw_file WHERE status = 'rejected'").fetchall())
    for name, reason in {**EXPECTED_REASON, "big.txt": "file too large"}.items():
        assert reason in rows[name], (name, rows[name])
    parsed = con.execute("SELECT count(*) FROM raw_file WHERE status IN ('parsed', 'partial')").fetchone()[0]
    assert parsed == len(list(RAW.iterdir()))


def test_generated_corpus_over_every_variant_builds_exactly(tmp_path):
    raw = tmp_path / "raw"
    golden = write_corpus(len(VARIANTS) * 2, raw, seed=5, fault_share=0.5)
    warehouse = tmp_path / "w.duckdb"
    from pathlib import Path
    from pipeline.core.build import build_warehouse
    build_warehouse(Path(raw), warehouse, workers=1)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert compare(golden, con) == []
    faults = [g for k, g in golden.items() if not k.startswith("_") and g["faults"]]
    assert faults and all(g["findings"] for g in faults if set(g["faults"]) - {"distractors"})
