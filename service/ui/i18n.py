"""Language of a UI request (query, then cookie, Chinese by default) and the labels pages share."""

from __future__ import annotations

from fastapi import Request

from service.destinations.schemas import KIND_NAMES, DestinationKind
from service.feedback.schemas import STATUS_ZH, Status

LANG_COOKIE = "parkmatch_lang"
LANGS = ("zh", "en")

STATUS_EN = {Status.contacted: "Contacted", Status.visited: "Visited", Status.negotiating: "Negotiating",
             Status.signed: "Signed", Status.rejected: "Rejected"}


def ui_lang(request: Request) -> str:
    """?lang= wins (and is remembered in a cookie by the page), then the cookie, then Chinese."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    return remembered if remembered in LANGS else "zh"


def status_label(status: Status, lang: str) -> str:
    return STATUS_EN[status] if lang == "en" else STATUS_ZH[status]


def kind_name(kind: DestinationKind | str | None, lang: str) -> str:
    """What pages call a destination of this kind (目的地 / destination when the kind is not known)."""
    try:
        zh, en = KIND_NAMES.get(DestinationKind(kind), ("目的地", "destination")) if kind else ("目的地", "destination")
    except ValueError:
        zh, en = "目的地", "destination"
    return en if lang == "en" else zh
