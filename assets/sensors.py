"""A sensor that starts a build when files under the raw folder are added, changed or removed.

Off by default (the nightly schedule is the normal path); switch it on in the UI where reports
arrive during the day. It compares a digest of the folder listing (paths, sizes, modification
times) with the one it saw last, so an unchanged folder never starts a run.
"""

import hashlib
import os

import dagster as dg

from assets.resources import RawFolder
from pipeline.core.files import discover


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


def make_new_files_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(name="new_raw_files", job=job, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description="Starts build_warehouse when files under the raw folder are added, changed or removed.")
    def new_raw_files(context: dg.SensorEvaluationContext, raw_folder: RawFolder):
        digest, count = folder_digest(raw_folder)
        if digest == context.cursor:
            return dg.SkipReason(f"no change under {raw_folder.root} ({count} files)")
        context.update_cursor(digest)
        return dg.RunRequest(run_key=digest, tags={"trigger": "new_raw_files", "files": str(count)})
    return new_raw_files
