"""The operator's recipe: a persistent Dagster home from the setup command, the README's build at
INFO level ending with the run summary, run monitoring and retries, the failure alert, the daemon
as a service."""
from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import threading

import dagster as dg
import pytest

from assets import sensors
from pipeline import definitions
from pipeline.setup_home import TEMPLATE, setup_home
from tests.conftest import RAW, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_setup_creates_a_persistent_home_with_monitoring_retries_and_info_logs(tmp_path, monkeypatch):
    home, written = setup_home(tmp_path / "home")
    assert written and (home / "dagster.yaml").read_text() == TEMPLATE.read_text()
    assert setup_home(home) == (home, False)  # an existing dagster.yaml is kept
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_settings["start_timeout_seconds"] == 180
        assert instance.run_monitoring_max_runtime_seconds == 14400
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 1
        assert instance.get_settings("python_logs")["python_log_level"] == "INFO"
    assert definitions.defs().resolve_job_def("build_warehouse").tags["dagster/max_runtime"] == "14400"


def test_the_readme_build_sets_up_the_home_and_the_ui_line_uses_it():
    build = README.split("```")[1].strip().splitlines()[0]
    assert "python -m pipeline.setup_home" in build and "DAGSTER_HOME=$HOME/.disclosure-dagster" in build
    assert "DAGSTER_HOME=$HOME/.disclosure-dagster .venv/bin/dg dev -h 127.0.0.1" in README
    unit = (ROOT / "deploy" / "dagster-daemon.service").read_text()
    assert "ExecStart=/srv/disclosure/.venv/bin/dagster-daemon run -w workspace.yaml" in unit
    assert "Environment=DAGSTER_HOME=" in unit and "Restart=always" in unit
    assert "deploy/dagster-daemon.service" in README and "systemctl enable --now dagster-daemon" in README


def test_the_contract_command_logs_at_info_and_ends_with_the_run_summary(tmp_path):
    """`dagster asset materialize -m pipeline.definitions --select '*'` (the contract's command; the README
    shows `dg launch`, which runs the same job)."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    (raw / "empty.txt").write_bytes(b"")
    home, _ = setup_home(tmp_path / "home")
    env = {**os.environ, "DAGSTER_HOME": str(home), "DISCLOSURE_RAW_DIR": str(raw),
           "DISCLOSURE_WAREHOUSE": str(tmp_path / "wh" / "disclosure.duckdb")}
    cmd = [str(ROOT / ".venv" / "bin" / "dagster") if (ROOT / ".venv").exists() else "dagster", "asset",
           "materialize", "-m", "pipeline.definitions", "--select", "*"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    # Dagster's own SupersessionWarning for the command is the only warning (not its selection's BetaWarning)
    assert "BetaWarning" not in done.stderr and done.stderr.count("Warning: ") == 1, done.stderr[:2000]
    lines = [line for line in done.stderr.splitlines() if " - dagster - " in line]
    assert lines and not [line for line in lines if " - DEBUG - " in line]
    summary = [line.split(" - disclosure_warehouse - ")[1] for line in lines if "run summary:" in line]
    assert summary == ["run summary: files: 6 (parsed 4, partial 1, rejected 1)",
                       "run summary: findings: channel_sum_mismatch (warning) 1, incomplete_table (error) 1",
                       f"run summary: quality report {tmp_path / 'wh' / 'disclosure.quality.html'}"]
    assert any("rejected empty.txt: empty file" in line for line in lines)
    with dg.DagsterInstance.from_config(str(home)) as instance:  # the UI will show it as materialised
        assert instance.get_latest_materialization_event(dg.AssetKey("disclosure_warehouse")) is not None


class _Hook(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def webhook():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hook.received.clear()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_a_failed_run_writes_an_alert_line_and_calls_the_webhook(tmp_path, monkeypatch, webhook):
    @dg.op
    def breaks():
        raise RuntimeError("the raw folder /srv/reports does not exist\n(an unmounted share?)")

    @dg.job
    def nightly():
        breaks()

    alerts = tmp_path / "alerts" / "ALERTS.txt"
    monkeypatch.setenv("DISCLOSURE_ALERT_FILE", str(alerts))
    monkeypatch.setenv("DISCLOSURE_ALERT_WEBHOOK", webhook)
    with dg.DagsterInstance.ephemeral() as instance:
        result = nightly.execute_in_process(instance=instance, raise_on_error=False)
        assert not result.success
        failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
        context = dg.build_run_status_sensor_context(
            sensor_name="build_failure_alert", dagster_event=failure, dagster_instance=instance,
            dagster_run=result.dagster_run).for_run_failure()
        sensors.build_failure_alert(context)
    line = alerts.read_text(encoding="utf-8")
    assert line.count("\n") == 1 and f"job nightly, run {result.run_id}:" in line
    assert "disclosure build failed" in line and "the raw folder /srv/reports does not exist" in line
    assert _Hook.received == [{"text": line.strip()}]
    assert definitions.defs().resolve_sensor_def("build_failure_alert").default_status == \
        dg.DefaultSensorStatus.RUNNING


def test_an_alert_that_cannot_be_sent_does_not_raise(tmp_path):
    unwritable = str(tmp_path / "no" / "such" / "\0dir")
    done = sensors.send_alert("x", unwritable, "http://127.0.0.1:9/none", timeout=2)
    assert done[0].startswith("could not write") and done[1].startswith("could not post to the webhook")
    assert sensors.send_alert("x", None, None) == ["no DISCLOSURE_ALERT_FILE or DISCLOSURE_ALERT_WEBHOOK set"]
