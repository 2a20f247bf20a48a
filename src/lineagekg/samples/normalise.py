"""The one normalisation of a record's prompt text, applied once when the record is read, so that
exact hashes and near-duplicate shingles see the same text.

Lower case, Unicode compatibility forms, markup tags removed, the prompt templates that wrap an
instruction ("Below is an instruction that describes a task…", "### Instruction:") removed, and
whitespace collapsed to single spaces.

>>> normalise("Below is an instruction that describes a task. Write a response that "
...           "appropriately completes the request.\\n\\n### Instruction:\\nAdd <b>2</b> and  3\\n\\n### Response:")
'add 2 and 3'
>>> normalise("  Janet’s ducks\\tlay 16 eggs ")
'janet’s ducks lay 16 eggs'
"""

from __future__ import annotations

import re
import unicodedata

# Templates that wrap instructions in the Alpaca / Vicuna families: boilerplate, not content.
_BOILERPLATE = [re.compile(p, re.IGNORECASE) for p in (
    r"below is an instruction that describes a task(, paired with an input that provides further context)?\.\s*"
    r"write a response that appropriately completes the request\.",
    r"a chat between a curious (user|human) and an artificial intelligence assistant\.\s*"
    r"the assistant gives helpful, detailed, and polite answers to the (user|human)'s questions\.",
    r"^\s*#{2,4}\s*(instruction|input|response|question|answer)\s*:\s*$",
    r"^\s*(user|human|assistant|gpt)\s*:\s*",
)]
# An HTML tag of text markup (``<br>``, ``</p>``, ``<b class="x">``); LaTeX such as ``$a<b$ and
# $c>d$`` and code such as ``List<int>`` are kept, so only these names count.
_TAG = re.compile(r"</?(a|b|i|u|p|br|hr|em|strong|code|pre|span|div|ul|ol|li|h[1-6]|table|tr|td|th|img|sup|sub"
                  r"|blockquote)"
                  r"(\s+[^<>]*)?/?>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The comparable form of a prompt: see the module docstring."""
    text = unicodedata.normalize("NFKC", text)
    for pattern in _BOILERPLATE:
        text = pattern.sub(" ", text) if not pattern.pattern.startswith("^") else re.sub(
            pattern.pattern, " ", text, flags=re.IGNORECASE | re.MULTILINE)
    text = _TAG.sub(" ", text)
    return _SPACE.sub(" ", text).strip().lower()
