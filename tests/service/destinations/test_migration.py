"""Migration 0004 on a database with data: every park becomes a destination of kind park with its id, and
every feedback row stays, pointing at it; 0003 adds the change log."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, inspect, text

from service.database import make_engine, make_session_factory, unit_of_work
from service.feedback import service as feedback_service
from service.feedback.schemas import FeedbackCreate, Status
from service.migrate import migrate
from service.parks import service as park_service
from service.parks.schemas import ParkCreate


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    migrate(engine, revision, down=down)


def _parks(engine: Engine) -> list[dict[str, Any]]:
    with unit_of_work(make_session_factory(engine)) as session:
        rows, _ = park_service.list_parks(session=session, limit=500)
        return [park_service.to_read(p, c).model_dump(mode="json") for p, c in rows]


def _feedback(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT id, firm_id, park_id, status, note, actor FROM feedback ORDER BY id"))]


def test_a_loaded_database_goes_down_to_0002_and_back_keeping_every_park_and_feedback(db_url: str) -> None:
    engine = make_engine(db_url)
    with unit_of_work(make_session_factory(engine)) as session:
        parks = _parks(engine)
        firm_id = session.scalar(text("SELECT MIN(id) FROM firms"))
        for park in parks[:3]:
            feedback_service.record(session=session, body=FeedbackCreate(
                firm_id=firm_id, park_id=park["id"], status=Status.visited, note=f"看过 {park['code']}"), actor="t")
    feedback = _feedback(engine)
    assert len(parks) == 7 and len(feedback) == 3

    _migrate(engine, "0002", down=True)
    tables = set(inspect(engine).get_table_names())
    assert "parks" in tables and "destinations" not in tables and "change_log" not in tables
    with engine.connect() as conn:
        old = {r.id: r for r in conn.execute(text("SELECT id, code, level, anchors FROM parks"))}
    assert sorted(old) == [p["id"] for p in parks]
    assert {i: (r.code, r.level) for i, r in old.items()} == {p["id"]: (p["code"], p["level"]) for p in parks}
    assert _feedback(engine) == feedback

    _migrate(engine, "head")
    # The park view answers as before, ids and all; a park's `relations` (to another park record) have no
    # column in the 0002 parks table, so a downgrade cannot keep them.
    def without_relations(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in row.items() if k != "relations"} for row in rows]

    assert without_relations(_parks(engine)) == without_relations(parks)
    assert _feedback(engine) == feedback
    with engine.connect() as conn:
        kinds = {r.kind for r in conn.execute(text("SELECT kind FROM destinations"))}
    assert kinds == {"park"}
    engine.dispose()


def test_0002_rows_written_by_hand_arrive_as_park_destinations(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    _migrate(engine, "0002")
    figure = json.dumps({"value": 1200.0, "unit": "m²", "estimate": True})
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO counties (code, name_zh, name_en, city, description_zh, description_en, "
                          "facts, sources) VALUES ('shuicheng', '水城区', 'Shuicheng', '六盘水', '', '', '[]', '[]')"))
        conn.execute(text("INSERT INTO towns (code, name_zh, name_en, city, clusters_zh, clusters_en, "
                          "cluster_industries, includes, facts, sources) "
                          "VALUES ('guzhen', '古镇镇', 'Guzhen', '中山', '', '', '[]', '[]', '[]', '[]')"))
        conn.execute(text("INSERT INTO firms (id, name_zh, name_en, town_code, products, description_zh, "
                          "description_en, employees, env_category, expansion, synthetic) VALUES "
                          "(5, '中山市迁移测试有限公司', 'Migration Ltd', 'guzhen', '[]', '', '', 9, 'report_form', "
                          "false, false)"))
        conn.execute(text("INSERT INTO parks (id, code, name_zh, name_en, county_code, level, location, "
                          "positioning_zh, positioning_en, target_industries, free_land_mu, free_factory_m2, "
                          "labour_pool, anchors, policies, restrictions, supplies, facts, sources) VALUES "
                          "(41, 'old_park', '旧园区', 'Old park', 'shuicheng', 'provincial', NULL, '定位', 'pos', "
                          "'[\"C3311\"]', NULL, :figure, NULL, '[]', '[]', '[]', '[]', '[]', '[]')"),
                     {"figure": figure})
        conn.execute(text("INSERT INTO feedback (id, firm_id, park_id, status, note, actor) "
                          "VALUES (7, 5, 41, 'contacted', '已联系', 'tester')"))
    _migrate(engine, "head")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, kind, code, township, details FROM destinations")).one()
        feedback = conn.execute(text("SELECT id, park_id FROM feedback")).all()
    details = row.details if isinstance(row.details, dict) else json.loads(row.details)
    assert (row.id, row.kind, row.code, row.township) == (41, "park", "old_park", None)
    assert details == {"level": "provincial", "free_factory_m2": json.loads(figure), "anchors": [], "policies": []}
    assert [tuple(f) for f in feedback] == [(7, 41)]
    # The foreign key now points at destinations; the id sequence continues after the copied ids.
    with unit_of_work(make_session_factory(engine)) as session:
        park = park_service.get(session=session, park_id=41)
        assert park.level == "provincial" and park.free_factory_m2 is not None
        new = park_service.create(session=session, record=ParkCreate(
            code="new_park", name_zh="新园区", name_en="New park", county="shuicheng"))
        assert new.id == 42
        park_service.delete(session=session, park_id=41)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM feedback")).scalar() == 0
    engine.dispose()
