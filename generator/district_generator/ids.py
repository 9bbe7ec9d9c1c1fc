"""Identity numbers and names: making them, and spoiling them the way real files do."""

from __future__ import annotations

import numpy as np

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK_CHARS = np.array(list("10X98765432"))
FULL_WIDTH = str.maketrans(
    {
        **{chr(0x30 + i): chr(0xFF10 + i) for i in range(10)},
        "X": "Ｘ",
        "x": "ｘ",
        "E": "Ｅ",
        "G": "Ｇ",
    }
)
DOT_VARIANTS = ("·", "•", "．", ".", "・")


def check_chars(body17: np.ndarray) -> np.ndarray:
    """GB 11643-1999 check character for each 17-digit body."""
    body = np.asarray(body17, dtype="S17")
    digits = body.view(np.uint8).reshape(-1, 17).astype(np.int64) - 48
    return CHECK_CHARS[(digits @ WEIGHTS) % 11]


def check_char(body17: str) -> str:
    return str(check_chars(np.array([body17]))[0])


def is_valid(id18: str) -> bool:
    return len(id18) == 18 and id18[:17].isdigit() and check_char(id18[:17]) == id18[17]


def make_ids(regions: np.ndarray, ymd: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """18-character IDs from region codes, YYYYMMDD strings and 3-digit sequence numbers."""
    seq_s = np.char.zfill(seq.astype(str), 3)
    body = np.char.add(np.char.add(regions.astype(str), ymd.astype(str)), seq_s)
    return np.char.add(body, check_chars(body)).astype(object)


def to_15(id18: str) -> str:
    """The pre-1999 15-digit form (only meaningful for people born 1900-1999)."""
    return id18[:6] + id18[8:17]


def typo(id18: str, rng: np.random.Generator) -> str:
    """One character changed or two adjacent characters swapped: the check fails."""
    chars = list(id18)
    for _ in range(20):
        c = chars.copy()
        if rng.random() < 0.5:
            i = int(rng.integers(0, 17))
            if c[i] == c[i + 1]:
                continue
            c[i], c[i + 1] = c[i + 1], c[i]
        else:
            i = int(rng.integers(6, 17))
            c[i] = str((int(c[i]) + int(rng.integers(1, 10))) % 10)
        out = "".join(c)
        if out != id18 and not is_valid(out):
            return out
    return id18[:17] + ("0" if id18[17] != "0" else "1")


def safe_typo(id18: str, rng: np.random.Generator) -> str:
    """A typing error that keeps the ID all digits: one sequence digit changed (the check
    then always fails, since its weight is not a multiple of 11)."""
    i = int(rng.integers(14, 17))
    out = id18[:i] + str((int(id18[i]) + int(rng.integers(1, 10))) % 10) + id18[i + 1 :]
    assert not is_valid(out)
    return out


ID_STYLES = ("15digit", "lower_x", "fullwidth", "inner_space", "outer_space", "quote")


def restyle_id(id18: str, style: str, born_1900s: bool) -> str:
    """A readable but odd spelling of an ID (never a quarantine reason)."""
    if style == "15digit" and born_1900s and len(id18) == 18:
        return to_15(id18)
    if style == "lower_x" and id18.endswith("X"):
        return id18[:-1] + "x"
    if style == "fullwidth":
        return id18.translate(FULL_WIDTH)
    if style == "inner_space" and len(id18) == 18:
        return f"{id18[:6]} {id18[6:14]} {id18[14:]}"
    if style == "outer_space":
        return f" {id18} "
    if style == "quote":
        return "'" + id18
    if id18.endswith("X"):
        return id18[:-1] + "x"
    return f" {id18}"


def restyle_name(name: str, rng: np.random.Generator) -> str:
    """Spaces around or inside a name, or another middle dot."""
    if "·" in name:
        return name.replace("·", DOT_VARIANTS[int(rng.integers(1, len(DOT_VARIANTS)))])
    r = rng.random()
    if r < 0.5 and len(name) == 2:
        return name[0] + "  " + name[1]
    if r < 0.75:
        return " ".join(name) if len(name) <= 3 else name + " "
    return f" {name} "
