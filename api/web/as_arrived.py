"""A value shown exactly as it arrived: whitespace made visible, letters that pass for digits
(O/o for 0, l/I for 1, …) and full-width characters marked, so `20O.00` never reads as `200.00`."""

from __future__ import annotations

from markupsafe import Markup, escape

# Characters a reader takes for something else, and what they are mistaken for.
LOOK_ALIKES = {
    "O": "0",
    "o": "0",
    "D": "0",
    "Q": "0",
    "l": "1",
    "I": "1",
    "i": "1",
    "|": "1",
    "Z": "2",
    "S": "5",
    "s": "5",
    "B": "8",
    "b": "6",
    "g": "9",
    "q": "9",
    "G": "6",
    "，": ",",
    "。": ".",
    "－": "-",
}
WHITESPACE = {" ": "␣", "\t": "⇥", "\u3000": "□", "\u00a0": "⍽", "\r": "␍", "\n": "␤"}


def shown_as_arrived(value: str | None) -> Markup:
    """HTML of the value with each whitespace character shown by a symbol and each look-alike or
    full-width character marked (its code point in the title)."""
    if value is None:
        return Markup('<span class="arrived empty">（空）</span>')
    parts = []
    for ch in value:
        if ch in WHITESPACE:
            parts.append(Markup('<mark class="ws" title="空白字符 U+{:04X}">{}</mark>').format(ord(ch), WHITESPACE[ch]))
        elif ch in LOOK_ALIKES or 0xFF01 <= ord(ch) <= 0xFF5E:
            parts.append(
                Markup('<mark class="lookalike" title="字母或全角字符 {} U+{:04X}，易被看作 {}">{}</mark>').format(
                    ch, ord(ch), LOOK_ALIKES[ch] if ch in LOOK_ALIKES else chr(ord(ch) - 0xFEE0), ch
                )
            )
        else:
            parts.append(escape(ch))
    return Markup('<span class="arrived">') + Markup("").join(parts) + Markup("</span>")
