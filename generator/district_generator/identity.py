"""Who a row is about, read as docs/rules.md reads it: IDs normalised, roster records grouped
into persons (a mistyped duplicate record linked fuzzily), and each department row linked
to a person exactly, fuzzily (one typo apart, same name) or not at all. An independent
reading, for expected.py: it never looks at the life model's own person numbers."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
import pandas as pd

from . import ids
from .district import District
from .filedata import FileData

RESIDENT_DOCS = ("居民身份证", "社会保障卡", "港澳台居民居住证")
TO_HALF_WIDTH = str.maketrans({**{chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}, "\u3000": " "})
TO_MIDDLE_DOT = str.maketrans({dot: "·" for dot in "•.・‧∙"})


def norm_id(value) -> str | None:
    """An ID cell as docs/rules.md reads it: full-width to half-width, spaces and a leading
    apostrophe dropped, x to X, the 15-digit form upgraded."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = re.sub(r"\s", "", str(value).translate(TO_HALF_WIDTH)).lstrip("'").upper()
    if not text:
        return None
    if re.fullmatch(r"[0-9]{15}", text):
        body = text[:6] + "19" + text[6:]
        return body + ids.check_char(body)
    return text


def norm_name(value) -> str:
    return re.sub(r"\s", "", str(value or "").translate(TO_HALF_WIDTH).translate(TO_MIDDLE_DOT))


def valid(id18: str | None) -> bool:
    return bool(id18) and re.fullmatch(r"[0-9]{17}[0-9X]", id18) is not None and ids.is_valid(id18)


def one_typo_apart(first: str, second: str) -> bool:
    """One character different, or two adjacent ones swapped."""
    if len(first) != 18 or len(second) != 18:
        return False
    differ = [at for at in range(18) if first[at] != second[at]]
    if len(differ) == 1:
        return True
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and first[differ[0]] == second[differ[1]]
        and first[differ[1]] == second[differ[0]]
    )


class Identity:
    """Roster records to persons, and department IDs to persons. A person is named by the
    normalised ID of its anchor record ("PN" + 个人编号 for a record with no ID)."""

    def __init__(self, district: District):
        records = district.records
        self.nid = [norm_id(stored) for stored in records.stored_id]
        self.name = [norm_name(stored) for stored in records.stored_name]
        self.person, self.link = self._persons(records)
        self.numbers: dict[str, str] = {}
        self.by_name: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for number, name, person in zip(self.nid, self.name, self.person):
            if number is not None:
                self.numbers[number] = min(self.numbers.get(number, person), person)
                self.by_name[name].append((number, person))
        self.records: dict[str, list[int]] = defaultdict(list)
        for record, person in enumerate(self.person):
            self.records[person].append(record)

    def _persons(self, records: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(person, link) of each record. A record with a valid ID (any ID for a foreigner's
        document) is an anchor; any other links fuzzily to the one anchor of the same name
        one typo away, or stands alone."""
        doc_type = records.doc_type.to_numpy()
        anchor = [
            number is not None and (valid(number) if kind in RESIDENT_DOCS else True)
            for number, kind in zip(self.nid, doc_type)
        ]
        anchors_by_name: dict[str, set[str]] = defaultdict(set)
        for number, name, is_anchor in zip(self.nid, self.name, anchor):
            if is_anchor:
                anchors_by_name[name].add(number)
        person, link = [], []
        for record, (number, name, is_anchor) in enumerate(zip(self.nid, self.name, anchor)):
            if is_anchor:
                person.append(number)
                link.append("exact")
                continue
            match = set()
            if doc_type[record] in RESIDENT_DOCS and number is not None:
                match = {known for known in anchors_by_name[name] if known != number and one_typo_apart(number, known)}
            if len(match) == 1:
                person.append(match.pop())
                link.append("fuzzy")
            else:
                person.append(number if number is not None else "PN" + records.person_no.iat[record])
                link.append("exact")
        return np.array(person, dtype=object), np.array(link, dtype=object)

    def department(self, written, name) -> tuple[str | None, str, str | None]:
        """(person, link, normalised ID) for a department row. The link is exact or fuzzy
        (a person), unresolved (a mistyped resident ID nobody matches: quarantined as
        unresolved_id) or not_enrolled (a valid number of nobody on the roster)."""
        number = norm_id(written)
        if number is None:
            return None, "unresolved", None
        if number in self.numbers:
            return self.numbers[number], "exact", number
        if not valid(number):
            candidates = self.by_name.get(norm_name(name), [])
            match = {person for known, person in candidates if known != number and one_typo_apart(number, known)}
            if len(match) == 1:
                return match.pop(), "fuzzy", number
            if re.fullmatch(r"[0-9]{17}[0-9X]", number):
                return None, "unresolved", number
        return None, "not_enrolled", number


def _holder(certificate) -> str | None:
    """The holder's ID in a disability certificate number: its first 18 characters (or
    15)."""
    text = re.sub(r"\s", "", str(certificate or "").translate(TO_HALF_WIDTH)).lstrip("'").upper()
    found = re.match(r"[0-9]{17}[0-9X]|[0-9]{15}", text)
    return norm_id(found.group(0)) if found else None


def department_rows(
    files: Iterable[FileData], feed: str, identity: Identity, id_column: str = "id_number"
) -> pd.DataFrame:
    """A department feed's rows (every file, in order) with the person each links to."""
    parts = []
    for file in files:
        if file.feed != feed or not file.row_count:
            continue
        part = pd.DataFrame(file.cols)
        part["period"] = file.period
        part["row"] = np.arange(file.row_count)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["person", "link", "period", "row", "written_id"])
    rows = pd.concat(parts, ignore_index=True)
    written = rows[id_column].to_numpy()
    if id_column == "certificate_no":
        written = np.array([_holder(certificate) for certificate in written], dtype=object)
    linked = [identity.department(number, name) for number, name in zip(written, rows["name"].to_numpy())]
    rows["person"] = [person for person, _, _ in linked]
    rows["link"] = [link for _, link, _ in linked]
    rows["written_id"] = [number for _, _, number in linked]
    return rows
