"""Firm records on real databases: what the service keeps about a change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from service.database import make_engine, make_session_factory, unit_of_work
from service.firms import service as firm_service
from service.firms.models import Firm
from service.firms.schemas import FirmUpdate


def test_a_firm_whose_industries_alone_change_sorts_first_by_update_time(db_url: str) -> None:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        session.execute(update(Firm).values(updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    with unit_of_work(factory) as session:
        items, _ = firm_service.list_firms(session=session, town=None, industry=None, q=None, min_employees=None,
                                           max_employees=None, sort="id", descending=False, offset=4, limit=1)
        firm = items[0]
        other = ["C3856"] if list(firm.industries) != ["C3856"] else ["C3872"]
        firm_service.update(session=session, firm_id=firm.id, changes=FirmUpdate(industries=other))
    with unit_of_work(factory) as session:
        newest, _ = firm_service.list_firms(session=session, town=None, industry=None, q=None, min_employees=None,
                                            max_employees=None, sort="updated", descending=True, offset=0, limit=1)
        assert newest[0].id == firm.id and list(newest[0].industries) == other
    engine.dispose()


def test_the_town_filter_takes_names_and_aliases(db_url: str) -> None:
    engine = make_engine(db_url)
    with unit_of_work(make_session_factory(engine)) as session:
        _, by_code = firm_service.list_firms(session=session, town="xiaolan")
        assert by_code > 0
        for word in ("中山市小榄镇", "小榄镇", "小榄", "Xiaolan Town", "东升"):
            assert firm_service.list_firms(session=session, town=word)[1] == by_code, word
        _, torch = firm_service.list_firms(session=session, town="torch_zone")
        assert torch > 0 and firm_service.list_firms(session=session, town="火炬开发区")[1] == torch
        assert firm_service.list_firms(session=session, town="火星镇")[1] == 0
    engine.dispose()
