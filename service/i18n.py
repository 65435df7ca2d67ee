"""Pick the Chinese or English half of a bilingual message, by Accept-Language."""

from __future__ import annotations

SEPARATOR = " / "


def language(accept_language: str | None) -> str:
    """Return 'en' when the client prefers English over Chinese, else 'zh' (the default)."""
    if not accept_language:
        return "zh"
    best, best_q = "zh", -1.0
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = tag.strip().lower()[:2]
        if lang in ("zh", "en") and q > best_q:
            best, best_q = lang, q
    return best


def pick(message: str, lang: str) -> str:
    """Return one language of a 'Chinese / English' message; messages without both halves pass through."""
    if SEPARATOR not in message:
        return message
    zh, _, en = message.partition(SEPARATOR)
    return en.strip() if lang == "en" else zh.strip()
