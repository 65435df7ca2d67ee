"""Domain errors with their status codes, row-level problems, and the one handler that renders them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

# pydantic's English messages, with a Chinese rendering for the kinds users meet most.
_ZH_BY_TYPE = {
    "missing": "缺少必填项",
    "string_too_short": "不能为空",
    "string_too_long": "内容过长",
    "string_type": "应为文本",
    "string_pattern_mismatch": "格式不正确",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "enum": "取值不在允许范围内",
    "bool_parsing": "应为 是/否",
    "list_type": "应为列表",
    "too_short": "不能为空",
    "too_long": "条目过多",
    "model_type": "应为对象",
    "dict_type": "应为对象",
    "extra_forbidden": "未知字段",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
}


class Problem(BaseModel):
    """One problem in an input, located by file, row and column, described in Chinese and English."""

    file: str | None = Field(default=None, description="文件 / File")
    row: int | None = Field(default=None, description="行号（含表头，从1起）/ Row number, header is row 1")
    column: str | None = Field(default=None, description="列 / Column")
    message: str = Field(description="问题（中文 / English）/ What is wrong, Chinese then English")

    def __str__(self) -> str:
        where = " ".join(
            part
            for part in (
                self.file or "",
                f"第{self.row}行 row {self.row}" if self.row is not None else "",
                f"[{self.column}]" if self.column else "",
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message

    @classmethod
    def from_validation(
        cls, exc: ValidationError, *, file: str | None = None, row: int | None = None,
        column_names: dict[str, str] | None = None,
    ) -> list[Problem]:
        """Turn a pydantic ValidationError into problems with bilingual messages."""
        problems = []
        for error in exc.errors():
            location = ".".join(str(part) for part in error["loc"])
            top = str(error["loc"][0]) if error["loc"] else None
            column = (column_names or {}).get(top or "", location) if top else None
            problems.append(cls(file=file, row=row, column=column, message=bilingual(error)))
        return problems


def bilingual(error: Any) -> str:
    """Render one pydantic error dict as 'Chinese / English'."""
    message = str(error.get("msg", ""))
    if error.get("type") == "value_error":
        # Our validators already write "中文 / English".
        return message.removeprefix("Value error, ")
    zh = _ZH_BY_TYPE.get(str(error.get("type")), "取值无效")
    return f"{zh} / {message}"


class ServiceError(Exception):
    """A domain error; carries its HTTP status and a stable code."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class NotFound(ServiceError):
    status_code = 404
    code = "not_found"


class Conflict(ServiceError):
    status_code = 409
    code = "conflict"


class ImportRejected(ServiceError):
    status_code = 422
    code = "import_rejected"


class Unavailable(ServiceError):
    status_code = 503
    code = "unavailable"
