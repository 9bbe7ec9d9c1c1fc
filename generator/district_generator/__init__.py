"""The synthetic district: a reproducible inbox of all seventeen feeds, and its truth.

    generate(out, scale, seed) -> dict

writes `out/inbox/<feed>/<period>.<ext>` and `out/truth.json` (and returns the same
dict). Scales are in `params.SCALES`. The district's life is built in `model.py` (with
every finding type, and look-alikes that are none, planted by `plant.py`), the files'
clean content in `tables.py`, and the files themselves (with every kind of messiness
FEEDS.md lists, and planted quarantine rows) in `render.py`. `expected.py` reads the
life model and the department files' content and writes, as truth["findings"], every
finding an audit must report, shaped like the findings export; truth["look_alikes"]
lists the planted cases that must not be findings.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from pension_audit.feeds import FEEDS_BY_NAME
from . import broken, expected, model, render, tables
from . import params as P
from .draws import rng_for
from .filedata import SYSTEM_FEEDS, FileData
from .district import RECEIVING
from .params import SCALES
from .timeline import month_label

ALWAYS_WRITTEN = ("roster", "payments", "certifications", "contributions", "finance_disbursements")
CSV_ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")

__all__ = ["ALWAYS_WRITTEN", "SCALES", "generate"]


def _format(
    feed_name: str, period: str, first: str, rng: np.random.Generator
) -> tuple[str, str | None]:
    feed = FEEDS_BY_NAME[feed_name]
    if feed_name in SYSTEM_FEEDS:
        return "csv", "gb18030"
    # a couple of fixed departures so every scale shows them
    y, m = int(first[:4]), int(first[5:7])
    third = f"{y + (m + 1) // 12:04d}-{(m + 1) % 12 + 1:02d}"
    if feed_name == "civil_affairs_assistance" and period == third:
        return "csv", "utf-8-sig"
    if feed_name == "finance_disbursements" and period == first:
        return "csv", "gb18030"
    u = rng.random()
    enc = str(rng.choice(CSV_ENCODINGS, p=[0.3, 0.5, 0.2]))
    if feed.usual_format == "csv":
        return ("xlsx", None) if u < 0.1 else ("csv", enc)
    return ("csv", enc) if u < P.DEPT_AS_CSV_RATE else ("xlsx", None)


def generate(out: Path, scale: str, seed: int) -> dict:
    """Build the district for (scale, seed) and write its inbox and truth.json under out."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    out = Path(out)
    inbox = out / "inbox"
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    d = model.build(scale, seed)
    first, last = month_label(d.first_month), month_label(d.last_month)
    files: dict[str, dict] = {}
    samples: dict[str, FileData] = {}
    department: list[FileData] = []
    for fd in tables.files(d):
        if fd.feed not in (*SYSTEM_FEEDS, "finance_disbursements"):
            department.append(fd)
        if fd.n == 0 and fd.feed not in ALWAYS_WRITTEN:
            continue
        samples.setdefault(fd.feed, fd)
        rng = rng_for(seed, scale, "render", fd.feed, fd.period)
        fmt, enc = _format(fd.feed, fd.period, first, rng)
        w = render.write(fd, FEEDS_BY_NAME[fd.feed], inbox, fmt, enc, rng)
        files[w.path] = w.truth()
    broken_files = broken.write(inbox, d.first_month, samples, rng_for(seed, scale, "broken"))
    on, st = d.status_at(d.last_month)
    receiving = len(np.unique(d.records.pid.to_numpy()[on[st == RECEIVING]]))
    truth = {
        "scale": scale,
        "seed": seed,
        "first_month": first,
        "last_month": last,
        "files": dict(sorted(files.items())),
        "broken_files": broken_files,
        "people": int(d.people.participant.sum()),
        "receiving": receiving,
        "findings": expected.findings(d, department),
        "look_alikes": expected.look_alikes(d),
    }
    (out / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return truth
