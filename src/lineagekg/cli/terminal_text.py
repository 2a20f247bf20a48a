"""Text from data, made safe to show on a terminal.

A dataset name, an evidence quote or an error message can hold anything an imported file or a
traced document put there: terminal escapes (ESC, OSC, CSI as C1 bytes), bidi overrides that
reorder what is shown, invisible characters, lone surrogates that cannot even be encoded, and
letters of another script that look like ASCII ones. :func:`visible` replaces every character
that is not plain printable text by a visible escape (``\\x1b``, ``\\u202e``); :func:`lookalike`
says which ASCII text an identifier imitates (a TR39-style skeleton: NFKC, default-ignorable
characters dropped, a small table of Cyrillic, Greek, Armenian and Latin look-alikes), so that
``οpenai/gsm8k`` with a Greek omicron is shown with a warning, not as ``openai/gsm8k``.

>>> visible("a\\x1b]8;;http://x\\x1b\\\\b")
'a\\\\x1b]8;;http://x\\\\x1b\\\\b'
>>> visible("left\\u202eright")
'left\\\\u202eright'
>>> lookalike("\\u03bfpenai/gsm8k"), lookalike("openai/gsm8k"), lookalike("COIG \\u4e2d\\u6587")
('openai/gsm8k', None, None)
>>> lookalike("\\uff47\\uff53\\uff4d\\uff18\\uff4b")     # fullwidth
'gsm8k'
"""

from __future__ import annotations

import unicodedata

__all__ = ["hidden_characters", "lookalike", "skeleton", "visible"]

# Bidi embedding, override and isolate controls, and the marks: they reorder or hide text.
_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
# Characters that take no space: an identifier holding one looks like one without it.
_INVISIBLE = {0x00AD, 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFFA0,
              *range(0x180B, 0x1810), *range(0x200B, 0x2010), *range(0x2060, 0x2070),
              *range(0xFE00, 0xFE10), 0xFEFF, *range(0xE0000, 0xE1000)}

# Look-alikes of ASCII letters, digits and punctuation that NFKC leaves alone (from Unicode's
# confusables.txt, the letters that matter for dataset names).
_PROTOTYPES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s",
    "і": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g", "ո": "n",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S", "Ү": "Y", "Ԛ": "Q", "Ԝ": "W", "З": "3",
    # Greek
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "υ": "u", "ι": "i", "κ": "k", "γ": "y",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Armenian
    "օ": "o", "ս": "u", "ց": "g", "հ": "h", "ա": "w",
    # Latin letters that read as others
    "ı": "i", "ȷ": "j", "ɑ": "a", "ʀ": "R", "ʏ": "Y", "ᴀ": "A", "ᴄ": "c", "ᴏ": "o", "ᴜ": "u",
    # punctuation
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-", "⁃": "-", "⁄": "/", "∕": "/",
    "⧸": "/", "․": ".", "‚": ",", "ː": ":", "꞉": ":", "＿": "_",
})
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN")


def _escape(ch: str) -> str:
    cp = ord(ch)
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


def _unsafe(ch: str, *, newlines: bool) -> bool:
    if ch == "\n":
        return not newlines
    cp = ord(ch)
    if cp < 0x20 or 0x7F <= cp < 0xA0 or cp in _BIDI or cp in _INVISIBLE:
        return True
    return unicodedata.category(ch) in ("Cs", "Zl", "Zp", "Cf", "Co") if cp >= 0xA0 else False


def visible(text: str, *, newlines: bool = False) -> str:
    """``text`` with every control, bidi, invisible or unencodable character replaced by a
    visible escape; line breaks kept only when ``newlines`` (free text, not names)."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escape(ch) if _unsafe(ch, newlines=newlines) else ch for ch in text)


def hidden_characters(text: str) -> list[str]:
    """The code points (``U+200B``) in ``text`` that a terminal would not show as themselves."""
    return [f"U+{ord(ch):04X}" for ch in dict.fromkeys(text) if _unsafe(ch, newlines=False)]


def skeleton(text: str) -> str:
    """TR39-style skeleton: NFKC, default-ignorable characters dropped, look-alikes mapped to
    their ASCII prototype. Two identifiers with one skeleton look the same."""
    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(ch for ch in folded if ord(ch) not in _INVISIBLE and ord(ch) not in _BIDI)
    return kept.translate(_PROTOTYPES)


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    word = unicodedata.name(ch, "").split(" ", 1)[0]
    return word if word in _SCRIPTS else None


def lookalike(identifier: str) -> str | None:
    """The text ``identifier`` imitates when it is not what it looks like: its skeleton, when a
    word of it has non-ASCII characters and still looks all ASCII (``οpenai``, ``ｇｓｍ８ｋ``,
    ``СОІG``), or mixes Latin with Cyrillic, Greek or Armenian letters; else None. A word in
    another script (``中文``, ``данные``) or with accents (``naïve``) is what it looks like."""
    if identifier.isascii():
        return None
    for word in unicodedata.normalize("NFC", identifier).split():
        if word.isascii():
            continue
        if skeleton(word).isascii() or len({s for s in map(_script, word) if s}) > 1:
            return skeleton(identifier)
    return None
