"""Which version of each inbox file has been ingested, kept in the Dagster instance: the one
truth `pension-audit run`, the feed assets and `inbox_sensor` share. Whoever loads a file records
it (the feed asset, whichever path started it); the sensor asks for a run only for a version
nobody recorded. One key per file: `pension_audit/inbox/<feed>/<file>` → size, mtime and content
hash (size and mtime spare the sensor hashing files that did not change)."""

from __future__ import annotations

import json
from collections.abc import Iterable

import dagster as dg

from pension_audit.ingest.reader import InboxFile

PREFIX = "pension_audit/inbox/"


def signature(f: InboxFile) -> str:
    stat = f.path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def recorded_versions(instance: dg.DagsterInstance, files: Iterable[InboxFile]) -> dict[str, dict[str, str]]:
    """relative path → {"signature", "hash"} of the version recorded for each file."""
    keys = {PREFIX + f.relative for f in files}
    if not keys:
        return {}
    values = instance.run_storage.get_cursor_values(keys)
    return {key.removeprefix(PREFIX): json.loads(value) for key, value in values.items()}


def record_versions(instance: dg.DagsterInstance, files: Iterable[tuple[InboxFile, str]]) -> None:
    """Record these (file, content hash) versions as ingested."""
    pairs = {PREFIX + f.relative: json.dumps({"signature": signature(f), "hash": digest}) for f, digest in files}
    if pairs:
        instance.run_storage.set_cursor_values(pairs)
