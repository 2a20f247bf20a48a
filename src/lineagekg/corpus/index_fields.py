"""The fields of a corpus's ``index.json``, read with their types checked: a wrong field is an
:class:`~lineagekg.errors.InputError` naming where it is (``documents[3].file``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lineagekg.errors import InputError


def json_type(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def required_str(obj: dict[str, Any], key: str, at: str, fail: Callable[[str, str], InputError]) -> str:
    if key not in obj:
        raise fail("missing", f"{at}.{key}")
    value = obj[key]
    if not isinstance(value, str) or not value.strip():
        raise fail(f"must be a non-empty string, not {json_type(value)}", f"{at}.{key}")
    return value


def optional_str(obj: dict[str, Any], key: str, at: str,
                  fail: Callable[[str, str], InputError]) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise fail(f"must be a string, not {json_type(value)}", f"{at}.{key}")
    return value


def str_list(obj: dict[str, Any], key: str, at: str,
              fail: Callable[[str, str], InputError]) -> tuple[str, ...]:
    value = obj.get(key, [])
    if value is None:
        return ()
    if not isinstance(value, list):
        raise fail(f"must be a list of strings, not {json_type(value)}", f"{at}.{key}")
    for j, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise fail(f"must be a non-empty string, not {json_type(item)}", f"{at}.{key}[{j}]")
    return tuple(value)


def inside(root: Path, file: str, field: str, fail: Callable[[str, str], InputError]) -> Path:
    if Path(file).is_absolute():
        raise fail(f"{file!r} must be relative to the corpus folder", field)
    path = (root / file).resolve()
    if not path.is_relative_to(root):
        raise fail(f"{file!r} points outside the corpus folder", field)
    return path


_DATE = re.compile(r"^\d{4}(?:-\d\d(?:-\d\d(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?)?)?$")


def optional_date(obj: dict[str, Any], key: str, at: str,
                   fail: Callable[[str, str], InputError]) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise fail(f"must be a date (YYYY, YYYY-MM, YYYY-MM-DD or an ISO date-time), not {value!r}",
                   f"{at}.{key}")
    return value.strip()
