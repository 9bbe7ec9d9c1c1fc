"""The file archive: every file version received, kept by its content hash (SHA-256) under
`<home>/archive/<first two hex digits>/<hash>`, whatever becomes of it (loaded, refused, held).

The inbox is the departments' drop folder: a re-sent file overwrites its predecessor there.
The archive keeps each version as it arrived, so a run can be rebuilt from exactly the files it
read (`pension-audit runs verify`). Written once per version, atomically; never changed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ARCHIVE_DIR = "archive"


def archive_path(archive: Path, digest: str) -> Path:
    """Where the version with this SHA-256 is kept."""
    return archive / digest[:2] / digest


def keep(archive: Path, digest: str, data: bytes) -> Path:
    """Keep the version's bytes (once: a version already kept is left as it is)."""
    path = archive_path(archive, digest)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{digest}.{os.getpid()}.{secrets.token_hex(4)}")
    draft.write_bytes(data)
    os.replace(draft, path)
    return path
