"""Firm schemas: the create / update / read family shared by data files, imports and the API."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, field_validator

from service.catalog.schemas import IndustryCode
from service.firms import credit_code as credit
from service.schema import Schema
from service.sourcing import Code
from service.textguard import LIST_MAX, NAME_MAX, SHORT_MAX, TEXT_MAX, Number, RefuseControl, Whole

Product = Annotated[str, Field(max_length=NAME_MAX)]

CONTACT_MAX = {"contact_name": 100, "phone": 60, "address": 300, "notes": TEXT_MAX}
# Digits, spaces, + - ( ) . / , ; 、 and the words people write before an extension or between numbers.
PHONE_TEXT = re.compile(r"^[0-9０-９\s+\-–()（）./,，;；、转分机ext#xX]*$")
CONTACT_HIDDEN = "仅编辑者与管理员可见，查看者得到 null / shown to editors and admins; null for viewers"


class EnvCategory(StrEnum):
    """环评类别 under the EIA classification catalogue: how heavy the environmental review is."""

    report = "report"  # 报告书: significant impact
    table = "table"  # 报告表: moderate impact
    registration = "registration"  # 登记表: minor impact


ENV_CATEGORY_ZH = {EnvCategory.report: "报告书", EnvCategory.table: "报告表", EnvCategory.registration: "登记表"}


class FirmInput(RefuseControl):
    """A resource the firm consumes each year."""

    model_config = ConfigDict(extra="forbid")

    resource: Code = Field(description="资源代码 / Resource code", examples=["aluminium_ingot"])
    quantity: Number = Field(ge=0, description="年用量 / Yearly quantity", examples=[1200])
    unit: str = Field(max_length=SHORT_MAX, description="单位（须与资源一致）/ Unit, must match the resource",
                      examples=["t"])


class Vacancy(RefuseControl):
    """Jobs the firm is hiring for: how many, what work, which skills, in which months."""

    model_config = ConfigDict(extra="forbid")

    count: Whole = Field(ge=1, le=100_000, description="岗位数 / Openings", examples=[200])
    role_zh: str = Field(min_length=1, max_length=NAME_MAX, description="岗位（中文）/ Role in Chinese",
                         examples=["装配工"])
    role_en: str = Field(default="", max_length=NAME_MAX, description="岗位（英文）/ Role in English",
                         examples=["Assembly worker"])
    skills: list[Product] = Field(default_factory=list, max_length=LIST_MAX, description="技能 / Skills",
                                  examples=[["电子装配", "焊接"]])
    months: list[Annotated[int, Field(ge=1, le=12)]] = Field(
        default_factory=list, max_length=12, description="用工月份（空为全年）/ Months hiring; empty = all year",
        examples=[[2, 3]])
    estimate: bool = Field(default=False, strict=True, description="岗位数为估算 / The count is an estimate")


class FirmBase(Schema):
    name_zh: str = Field(min_length=1, max_length=NAME_MAX, description="企业名称 / Chinese name", examples=["中山市澜灯照明科技有限公司"])
    name_en: str = Field(default="", max_length=NAME_MAX, description="英文名称 / English name", examples=["Zhongshan Landeng Lighting Technology Co., Ltd."])
    credit_code: str | None = Field(
        default=None, max_length=SHORT_MAX,
        description="统一社会信用代码（18位）/ Unified social credit code, 18 characters",
        examples=["91442000MA4UH8KX2Q"],
    )
    town: Code = Field(description="所在镇街代码 / Town code", examples=["guzhen"])
    industries: list[IndustryCode] = Field(
        min_length=1, max_length=LIST_MAX, description="行业代码（GB/T 4754-2017 小类）/ Industry class codes",
        examples=[["C3872"]],
    )
    products: list[Product] = Field(default_factory=list, max_length=LIST_MAX, description="主要产品 / Main products",
                                    examples=[["LED吸顶灯", "铝制灯体"]])
    description_zh: str = Field(default="", max_length=TEXT_MAX, description="经营范围 / Business scope (Chinese)")
    description_en: str = Field(default="", max_length=TEXT_MAX, description="Business scope (English)")
    employees: Whole = Field(ge=0, le=1_000_000, description="员工人数 / Employees", examples=[120])
    revenue_10k_yuan: Number | None = Field(default=None, ge=0, description="年营业收入（万元）/ Yearly revenue, 10k yuan", examples=[8600])
    land_mu: Number | None = Field(default=None, ge=0, description="用地面积（亩）/ Land use, 亩", examples=[25])
    electricity_kwh: Number | None = Field(default=None, ge=0, description="年用电量（千瓦时）/ Yearly electricity, kWh", examples=[1_200_000])
    inputs: list[FirmInput] = Field(default_factory=list, max_length=LIST_MAX, description="主要投入 / Yearly inputs")
    buys: list[FirmInput] = Field(
        default_factory=list, max_length=LIST_MAX,
        description="采购的产品（资源代码、年采购量、单位；量不详填 0）/ Products the firm buys: resource, yearly "
                    "quantity, unit (0 when unknown)", examples=[[{"resource": "kiwifruit", "quantity": 800, "unit": "t"}]])
    vacancies: list[Vacancy] = Field(default_factory=list, max_length=LIST_MAX,
                                     description="招工需求 / Vacancies the firm is hiring for")
    export_share: Number | None = Field(default=None, ge=0, le=1, description="出口占比 0–1 / Export share 0–1", examples=[0.35])
    env_category: EnvCategory = Field(
        default=EnvCategory.registration,
        description="环评类别：report 报告书 / table 报告表 / registration 登记表 — EIA category",
    )
    expansion: bool = Field(default=False, strict=True, description="有扩产计划 / Plans to expand capacity")
    synthetic: bool = Field(default=False, strict=True, description="合成样例数据（非真实企业）/ Synthetic profile, not a real firm")
    contact_name: str | None = Field(default="", max_length=CONTACT_MAX["contact_name"],
                                     description=f"联系人 / Contact person. {CONTACT_HIDDEN}", examples=["李经理"])
    phone: str | None = Field(default="", max_length=CONTACT_MAX["phone"],
                              description=f"电话 / Phone. {CONTACT_HIDDEN}", examples=["0760-2233 4455"])
    address: str | None = Field(default="", max_length=CONTACT_MAX["address"],
                                description=f"地址 / Address. {CONTACT_HIDDEN}", examples=["中山市古镇镇东兴路 8 号"])
    notes: str | None = Field(default="", max_length=CONTACT_MAX["notes"],
                              description=f"备注 / Notes. {CONTACT_HIDDEN}", examples=["周三上午方便来电"])

    @field_validator("contact_name", "phone", "address", "notes", mode="before")
    @classmethod
    def _contact_text(cls, value: object) -> object:
        return "" if value is None else value.strip() if isinstance(value, str) else value

    @field_validator("phone")
    @classmethod
    def _valid_phone(cls, value: str | None) -> str | None:
        if value and not PHONE_TEXT.match(value):
            raise ValueError(f"电话只能含数字、空格、+ - ( ) 与“转/分机”，实为 {value!r} / "
                             f"a phone may hold only digits, spaces, + - ( ) and an extension, got {value!r}")
        return value

    @field_validator("credit_code")
    @classmethod
    def _valid_credit_code(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        value = value.strip().upper()
        if (message := credit.problem(value)) is not None:
            raise ValueError(message)
        return value

    @field_validator("name_zh", "name_en")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class FirmCreate(FirmBase, RefuseControl):
    model_config = ConfigDict(extra="forbid")


class FirmUpdate(RefuseControl):
    model_config = ConfigDict(extra="forbid")

    name_zh: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    name_en: str | None = Field(default=None, max_length=NAME_MAX)
    town: Code | None = None
    industries: list[IndustryCode] | None = Field(default=None, min_length=1, max_length=LIST_MAX)
    products: list[Product] | None = Field(default=None, max_length=LIST_MAX)
    description_zh: str | None = Field(default=None, max_length=TEXT_MAX)
    description_en: str | None = Field(default=None, max_length=TEXT_MAX)
    employees: Whole | None = Field(default=None, ge=0, le=1_000_000)
    revenue_10k_yuan: Number | None = Field(default=None, ge=0)
    land_mu: Number | None = Field(default=None, ge=0)
    electricity_kwh: Number | None = Field(default=None, ge=0)
    inputs: list[FirmInput] | None = Field(default=None, max_length=LIST_MAX)
    buys: list[FirmInput] | None = Field(default=None, max_length=LIST_MAX)
    vacancies: list[Vacancy] | None = Field(default=None, max_length=LIST_MAX)
    export_share: Number | None = Field(default=None, ge=0, le=1)
    env_category: EnvCategory | None = None
    expansion: bool | None = Field(default=None, strict=True)
    contact_name: str | None = Field(default=None, max_length=CONTACT_MAX["contact_name"])
    phone: str | None = Field(default=None, max_length=CONTACT_MAX["phone"])
    address: str | None = Field(default=None, max_length=CONTACT_MAX["address"])
    notes: str | None = Field(default=None, max_length=CONTACT_MAX["notes"])


class FirmRead(FirmBase):
    id: int = Field(description="企业编号 / Firm id", examples=[17])
