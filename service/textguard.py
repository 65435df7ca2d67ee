"""Text limits and control characters (refused where text comes in, neutralised where it goes out), and no text
where a number belongs."""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationInfo, field_validator

from service.schema import Schema

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; and what XML cannot hold either (lone
# surrogates, U+FFFE, U+FFFF). None belongs in a name or a note, each breaks XLSX or DOCX, some drive terminals.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
M = TypeVar("M", bound=BaseModel)
REPLACEMENT = "\ufffd"  # what exports print where a stored control character was

# Field limits shared by the schemas, so the same kind of text has the same limit everywhere.
NAME_MAX = 200
SHORT_MAX = 64  # units, restriction values, codes typed by hand
LABEL_MAX = 500  # titles, labels, one-line reasons
TEXT_MAX = 4000  # descriptions, positioning, notes
LONG_TEXT_MAX = 20_000  # a policy's full text
URL_MAX = 2000
LIST_MAX = 50  # products, industries, inputs, anchors …
LONG_LIST_MAX = 200  # facts, supplies, sources


def _not_text(value: object) -> object:
    # pydantic reads "12" as 12 and false as 0; the schema promises a number, and a client sending text or a
    # boolean has a bug to know of.
    if isinstance(value, str | bytes | bool):
        raise ValueError("应为数字，而非文本或是/否 / must be a number, not text or true/false")
    return value


Number = Annotated[float, BeforeValidator(_not_text)]
Whole = Annotated[int, BeforeValidator(_not_text)]


def control_problem(value: str) -> tuple[str, int] | None:
    """The first control character in a text (as U+XXXX) and its position from 1, or None when there is none."""
    found = CONTROL.search(value)
    if found is None:
        return None
    return f"U+{ord(found.group()):04X}", found.start() + 1


def control_message(field: str, found: tuple[str, int]) -> str:
    """The bilingual refusal for a control character in `field`."""
    code, position = found
    return (f"{field} 第 {position} 个字符是控制字符或无效字符 {code}，请删除后重试 / "
            f"{field} holds a control character or noncharacter, {code}, at character {position}; remove it and retry")


def _check(value: Any, field: str) -> None:
    if isinstance(value, str):
        if (found := control_problem(value)) is not None:
            raise ValueError(control_message(field, found))
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check(item, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, field)
            _check(item, field)


class RefuseControl(Schema):
    """Mixin for models that take text from outside: any control character in any text field is refused.

    Applied to the create / update models and the parts they nest, not to read models, so a value already in
    the database can still be read (and is neutralised on export) instead of failing every page that shows it.
    """

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_control(cls, value: Any, info: ValidationInfo) -> Any:
        _check(value, info.field_name or "text")
        return value


def neutralise(text: str) -> str:
    """Replace each control character with U+FFFD, so a stored one can never break an export."""
    return CONTROL.sub(REPLACEMENT, text)


def neutralise_data(value: Any) -> Any:
    """Neutralise every string inside nested lists, tuples and dicts (e.g. a model's dump)."""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, list | tuple):
        return type(value)(neutralise_data(v) for v in value)
    if isinstance(value, dict):
        return {k: neutralise_data(v) for k, v in value.items()}
    return value


def neutralise_model(model: M) -> M:
    """A copy of a model with every control character in its text replaced; the model itself when clean."""
    dumped = model.model_dump()
    cleaned = neutralise_data(dumped)
    return model if cleaned == dumped else type(model).model_validate(cleaned)
