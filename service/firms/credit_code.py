"""统一社会信用代码 (GB 32100-2015): format and check-character validation."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """Compute the 18th character for the first 17 characters of a credit code."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Describe what is wrong with a credit code in Chinese and English, or None if it is valid."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，实为{len(code)}位 / credit code must have 18 characters, got {len(code)}"
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        return f"统一社会信用代码含非法字符 {''.join(bad)} / credit code has invalid characters {''.join(bad)}"
    if check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误 / credit code check character is wrong"
    return None
