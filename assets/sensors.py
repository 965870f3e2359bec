"""A sensor that starts a build when files under the raw folder are added, changed or removed.

Off by default (the nightly schedule is the normal path); switch it on in the UI where reports
arrive during the day. It compares a digest of the folder listing (paths, sizes, modification
times) with the one it saw last, so an unchanged folder never starts a run.
"""

import datetime as dt
import hashlib
import json
import os
import urllib.request
from pathlib import Path

import dagster as dg

from assets.resources import RawFolder
from pipeline import settings
from pipeline.core.files import discover, display_name


def folder_digest(raw_folder: RawFolder) -> tuple[str, int]:
    digest = hashlib.sha256()
    refs = discover(raw_folder.root)
    for ref in refs:  # names are escaped by `discover`; an entry gone or unsafe is listed by its path only
        try:
            stat = os.lstat(ref.path)
            size, mtime = stat.st_size, stat.st_mtime_ns
        except OSError:
            size = mtime = -1
        digest.update(f"{ref.source_path}\0{size}\0{mtime}\0{ref.problem or ''}\n".encode())
    return digest.hexdigest()[:32], len(refs)


def whole_build_tags(partitions: int) -> dict[str, str]:
    """Tags of a run of build_warehouse over every parse partition (none when the parse is one step)."""
    if not partitions:
        return {}
    return {"dagster/asset_partition_range_start": "000",
            "dagster/asset_partition_range_end": f"{partitions - 1:03d}"}


def make_new_files_sensor(job, partitions: int = 0) -> dg.SensorDefinition:
    @dg.sensor(name="new_raw_files", job=job, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description="Starts build_warehouse (every partition) when files under the raw folder are "
                           "added, changed or removed.")
    def new_raw_files(context: dg.SensorEvaluationContext, raw_folder: RawFolder):
        digest, count = folder_digest(raw_folder)
        if digest == context.cursor:
            return dg.SkipReason(f"no change under {raw_folder.root} ({count} files)")
        context.update_cursor(digest)
        return dg.RunRequest(run_key=digest, tags={"trigger": "new_raw_files", "files": str(count),
                                                   **whole_build_tags(partitions)})
    return new_raw_files


def make_nightly_schedule(job, partitions: int = 0) -> dg.ScheduleDefinition:
    @dg.schedule(name="nightly_warehouse_build", job=job, cron_schedule="0 2 * * *",
                 execution_timezone="Asia/Shanghai", default_status=dg.DefaultScheduleStatus.RUNNING,
                 description="Rebuild the warehouse from the raw folder every night at 02:00 China time "
                             "(every parse partition, in one run).")
    def nightly_warehouse_build(context: dg.ScheduleEvaluationContext):
        return dg.RunRequest(tags=whole_build_tags(partitions))
    return nightly_warehouse_build


def alert_text(job: str, run_id: str, message: str | None) -> str:
    """One line (no newline can forge another): when, which run, why."""
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    why = display_name(" ".join((message or "no message").split()))[:500]
    return f"{when} disclosure build failed: job {job}, run {run_id}: {why}"


def send_alert(text: str, alert_file: str | None, webhook: str | None, timeout: float = 10) -> list[str]:
    """Append `text` to the alert file and POST it as JSON ({"text": …}) to the webhook, where set.
    Returns what was done, or why not; never raises (an alert must not fail in turn)."""
    done = []
    if alert_file:
        try:
            Path(alert_file).parent.mkdir(parents=True, exist_ok=True)
            with open(alert_file, "a", encoding="utf-8") as fh:
                fh.write(text + "\n")
            done.append(f"appended to {alert_file}")
        except (OSError, ValueError) as exc:
            done.append(f"could not write {alert_file}: {exc}")
    if webhook:
        request = urllib.request.Request(webhook, data=json.dumps({"text": text}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                done.append(f"posted to the webhook (HTTP {response.status})")
        except (OSError, ValueError) as exc:
            done.append(f"could not post to the webhook: {exc}")
    return done or ["no DISCLOSURE_ALERT_FILE or DISCLOSURE_ALERT_WEBHOOK set"]


@dg.run_failure_sensor(name="build_failure_alert", default_status=dg.DefaultSensorStatus.RUNNING,
                       description="When a run of this code location fails, appends a line to "
                                   "DISCLOSURE_ALERT_FILE and/or POSTs it to DISCLOSURE_ALERT_WEBHOOK.")
def build_failure_alert(context: dg.RunFailureSensorContext):
    run = context.dagster_run
    why = [context.failure_event.message or "the run failed"]
    for event in context.get_step_failure_events():  # the error that failed each step, not just its name
        error = event.step_failure_data.error if event.step_failure_data else None
        while error is not None and error.cause is not None:  # the error raised, not Dagster's wrapper
            error = error.cause
        if error is not None:
            why.append(f"{event.step_key}: {error.message}")
    text = alert_text(run.job_name, run.run_id, " ".join(why))
    for outcome in send_alert(text, settings.alert_file(), settings.alert_webhook()):
        context.log.info(f"alert for run {run.run_id}: {outcome}")
