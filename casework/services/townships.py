"""The district's townships by code, as the current build published them: one list for the
service, the console and the documents."""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.published import Township, current_build

_LOCK = threading.Lock()
_KNOWN: dict[int | None, dict[str, str]] = {}  # the names of the last build asked about


def township_names(session: Session) -> dict[str, str]:
    """Code → name. Read once per build (a build rarely changes them; a page asks often)."""
    build = session.scalar(select(current_build()))
    with _LOCK:
        if build in _KNOWN:
            return _KNOWN[build]
    names = dict(
        session.execute(select(Township.township_code, Township.township_name).order_by(Township.township_code))
        .tuples()
        .all()
    )
    with _LOCK:
        _KNOWN.clear()
        _KNOWN[build] = names
    return names


def township_name(names: dict[str, str], code: str | None) -> str:
    """A township's name, its code when the build does not know it, nothing for no code."""
    return names.get(code, code) if code else ""


def township_government(name: str) -> str:
    """A township's government as a document names it: 大庙镇人民政府; a 街道's is its 办事处."""
    return f"{name}办事处" if name.endswith("街道") else f"{name}人民政府"
