"""Who may see a firm's contact fields (联系人, 电话, 地址, 备注): editors and admins; viewers get null.

Contacts are personal data a 招商 officer needs to make the call; a viewer key (read, rank, briefs) is the
one handed out most widely, so it sees the firm without them, in the API, exports and the web UI alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.auth.service import Principal, Role
from service.firms.schemas import FirmRead
from service.firms.service import CONTACT_FIELDS

__all__ = ["CONTACT_FIELDS", "SEES_CONTACTS", "all_for_caller", "for_caller", "visible"]
SEES_CONTACTS = Role.editor


def visible(who: Principal) -> bool:
    """True when this caller's role may see contact fields."""
    return who.allows(SEES_CONTACTS)


def for_caller(firm: FirmRead, who: Principal) -> FirmRead:
    """The firm as this caller may see it: contact fields null for a role that may not see them."""
    return firm if visible(who) else firm.model_copy(update=dict.fromkeys(CONTACT_FIELDS))


def all_for_caller(firms: Sequence[FirmRead], who: Principal) -> list[FirmRead]:
    return [for_caller(f, who) for f in firms]
