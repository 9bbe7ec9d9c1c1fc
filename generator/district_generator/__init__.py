"""The simulated district: a reproducible inbox of all seventeen feeds, and its truth.

    generate(out, scale, seed, drifts=()) -> dict

writes `out/inbox/<feed>/<period>.<ext>` and `out/truth.json` (and returns the same dict).
Scales are in `params.SCALES`. The district's life is built by `model.py` (with every
finding type, and look-alikes that are none, planted by the plant*.py modules), the
files' clean content by `tables.py` and `departments.py`, and the files themselves (with
every kind of messiness docs/feeds.md lists, and planted quarantine rows) by `render.py`;
`broken.py` adds files no reader can take. `expected.py` reads the life model and the
department files' content and writes, as truth["findings"], every finding an audit must
report, shaped like the findings export; truth["look_alikes"] lists the planted cases that
must not be findings. `drift.py` plants, on request, the drifts departments' files go
through (truth["drifts"] says where); truth["findings"] describes the district without them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from pension_audit.ingest.feeds import FEEDS_BY_NAME

from . import broken, expected, model, render, tables
from .district import RECEIVING, District
from .draws import rng_for
from .drift import DRIFTS, Drifts
from .filedata import SYSTEM_FEEDS, FileData
from .params import DEPT_AS_CSV_RATE, SCALES
from .timeline import month_label

# written even when they have no rows: the pension system and the finance bureau export
# every month
ALWAYS_WRITTEN = (*SYSTEM_FEEDS, "finance_disbursements")
# Written every month even when empty: the feeds above, and the townships' monthly reports (a
# month with nothing to report is a 零报告, the header alone).
EVERY_MONTH = (*ALWAYS_WRITTEN, "township_reports")
CSV_ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")

__all__ = ["DRIFTS", "SCALES", "generate"]


def generate(out: Path, scale: str, seed: int, drifts: tuple[str, ...] = ()) -> dict:
    """Build the district for (scale, seed) and write its inbox and truth.json under out,
    with the drifts asked for (drift.DRIFTS) planted."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    unknown = set(drifts) - set(DRIFTS)
    if unknown:
        raise ValueError(f"unknown drift {sorted(unknown)}; choose among {', '.join(DRIFTS)}")
    out = Path(out)
    inbox = out / "inbox"
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    district = model.build(scale, seed)
    drift = Drifts(tuple(drifts), district.first_month, district.last_month)
    written: dict[str, dict] = {}
    samples: dict[str, FileData] = {}  # each feed's first file, to copy for broken ones
    department: list[FileData] = []
    for file in tables.files(district):
        if file.feed not in ALWAYS_WRITTEN:
            department.append(file)
        if file.row_count == 0 and file.feed not in EVERY_MONTH:
            continue
        samples.setdefault(file.feed, file)
        if drift.skips(file):
            continue
        rng = rng_for(seed, scale, "render", file.feed, file.period)
        file_format, encoding = _format(file.feed, file.period, district.first_month, rng)
        result = render.write(
            drift.cut(file),
            FEEDS_BY_NAME[file.feed],
            inbox,
            file_format,
            encoding,
            rng,
            forms=drift.forms(file),
            renamed=drift.renames(file),
        )
        written[result.path] = result.truth()
    broken_rng = rng_for(seed, scale, "broken")
    truth = {
        "scale": scale,
        "seed": seed,
        "first_month": month_label(district.first_month),
        "last_month": month_label(district.last_month),
        "files": dict(sorted(written.items())),
        "broken_files": broken.write(inbox, district.first_month, samples, broken_rng),
        "people": int(district.people.participant.sum()),
        "receiving": _receiving_at_the_end(district),
        "findings": expected.findings(district, department),
        "look_alikes": expected.look_alikes(district),
    }
    if drifts:
        truth["drifts"] = drift.truth(written)
    text = json.dumps(truth, ensure_ascii=False, indent=1)
    (out / "truth.json").write_text(text, encoding="utf-8")
    return truth


def _format(feed_name: str, period: str, first_month: int, rng) -> tuple[str, str | None]:
    """(format, encoding) of one file: the pension system always sends GB18030 CSV; a
    department mostly its usual format, with a couple of fixed departures so every scale
    shows them."""
    feed = FEEDS_BY_NAME[feed_name]
    if feed_name in SYSTEM_FEEDS:
        return "csv", "gb18030"
    if feed_name == "civil_affairs_assistance" and period == month_label(first_month + 2):
        return "csv", "utf-8-sig"
    if feed_name == "finance_disbursements" and period == month_label(first_month):
        return "csv", "gb18030"
    draw = rng.random()
    encoding = str(rng.choice(CSV_ENCODINGS, p=[0.3, 0.5, 0.2]))
    if feed.usual_format == "csv":
        return ("xlsx", None) if draw < 0.1 else ("csv", encoding)
    return ("csv", encoding) if draw < DEPT_AS_CSV_RATE else ("xlsx", None)


def _receiving_at_the_end(district: District) -> int:
    """Persons receiving a pension on the last month's roster."""
    on_roster, status = district.status_at(district.last_month)
    receiving = on_roster[status == RECEIVING]
    return len(np.unique(district.records.pid.to_numpy()[receiving]))
