"""Identity numbers and names: making them, and spoiling them the way real files do."""

from __future__ import annotations

import numpy as np

CHECK_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK_CHARS = np.array(list("10X98765432"))
FULL_WIDTH = str.maketrans(
    {
        **{chr(0x30 + digit): chr(0xFF10 + digit) for digit in range(10)},
        "X": "Ｘ",
        "x": "ｘ",
        "E": "Ｅ",
        "G": "Ｇ",
    }
)
DOT_VARIANTS = ("·", "•", "．", ".", "・")
# Readable but odd spellings of an ID (see restyle_id); none is a quarantine reason.
ID_STYLES = ("15digit", "lower_x", "fullwidth", "inner_space", "outer_space", "quote")


def check_chars(bodies: np.ndarray) -> np.ndarray:
    """GB 11643-1999 check character for each 17-digit body."""
    body = np.asarray(bodies, dtype="S17")
    digits = body.view(np.uint8).reshape(-1, 17).astype(np.int64) - 48
    return CHECK_CHARS[(digits @ CHECK_WEIGHTS) % 11]


def check_char(body: str) -> str:
    return str(check_chars(np.array([body]))[0])


def is_valid(id18: str) -> bool:
    return len(id18) == 18 and id18[:17].isdigit() and check_char(id18[:17]) == id18[17]


def to_15_digits(id18: str) -> str:
    """The pre-1999 15-digit form (only meaningful for people born 1900-1999)."""
    return id18[:6] + id18[8:17]


def mistype(id18: str, rng: np.random.Generator) -> str:
    """One character changed or two adjacent characters swapped, so that the check fails."""
    for _ in range(20):
        chars = list(id18)
        if rng.random() < 0.5:
            at = int(rng.integers(0, 17))
            if chars[at] == chars[at + 1]:
                continue
            chars[at], chars[at + 1] = chars[at + 1], chars[at]
        else:
            at = int(rng.integers(6, 17))
            chars[at] = str((int(chars[at]) + int(rng.integers(1, 10))) % 10)
        typed = "".join(chars)
        if typed != id18 and not is_valid(typed):
            return typed
    return id18[:17] + ("0" if id18[17] != "0" else "1")


def mistype_digit(id18: str, rng: np.random.Generator) -> str:
    """A typing error that keeps the ID all digits: one sequence digit changed (the check
    then always fails, since its weight is not a multiple of 11)."""
    at = int(rng.integers(14, 17))
    digit = (int(id18[at]) + int(rng.integers(1, 10))) % 10
    typed = id18[:at] + str(digit) + id18[at + 1 :]
    assert not is_valid(typed)
    return typed


def restyle_id(id18: str, style: str, born_1900s: bool) -> str:
    """A readable but odd spelling of an ID (never a quarantine reason)."""
    if style == "15digit" and born_1900s and len(id18) == 18:
        return to_15_digits(id18)
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
    # a style that does not apply to this ID falls back to one that does
    if id18.endswith("X"):
        return id18[:-1] + "x"
    return f" {id18}"


def restyle_name(name: str, rng: np.random.Generator) -> str:
    """Spaces around or inside a name, or another middle dot."""
    if "·" in name:
        return name.replace("·", DOT_VARIANTS[int(rng.integers(1, len(DOT_VARIANTS)))])
    draw = rng.random()
    if draw < 0.5 and len(name) == 2:
        return name[0] + "  " + name[1]
    if draw < 0.75:
        return " ".join(name) if len(name) <= 3 else name + " "
    return f" {name} "
