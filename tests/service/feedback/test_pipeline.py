"""The pipeline keeps owner and next follow-up date as columns: carried over by migration, kept between outcomes,
filtered by owner, over the API."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import text

from service.database import make_engine
from service.migrate import migrate

OLD_NOTE = "企业关注铝液价格\n[负责人 owner: 王强; 下次跟进 follow-up: 2026-12-18]"


def test_migration_moves_owner_and_follow_up_out_of_the_note_and_back(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine, "0006", down=True)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO feedback (firm_id, park_id, status, note, actor, at) "
                          "VALUES (1, 1, 'contacted', :a, 'x', CURRENT_TIMESTAMP), "
                          "(1, 2, 'visited', :b, 'x', CURRENT_TIMESTAMP)"), {"a": OLD_NOTE, "b": "只有备注"})
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT park_id, note, owner, follow_up FROM feedback ORDER BY park_id")).all()
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, "企业关注铝液价格", "王强"), (2, "只有备注", "")]
    assert str(rows[0][3]) == "2026-12-18" and rows[1][3] is None
    migrate(engine, "0006", down=True)  # nothing recorded is lost on the way back either
    with engine.connect() as conn:
        assert conn.execute(text("SELECT note FROM feedback WHERE park_id = 1")).scalar_one() == OLD_NOTE
    migrate(engine)
    engine.dispose()


def _post(client: TestClient, key: str, **body: object) -> dict[str, object]:
    response = client.post("/api/v1/feedback", headers={"X-API-Key": key},
                           json={"firm_id": 3, "park_id": 2, **body})
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def test_owner_and_follow_up_are_kept_until_changed_and_filter_the_pipeline(client: TestClient,
                                                                          keys: dict[str, str]) -> None:
    editor = keys["editor"]
    _post(client, editor, status="contacted", owner="李娜", follow_up="2026-12-20", note="首次电话")
    kept = _post(client, editor, status="visited", note="已考察")
    assert kept["owner"] == "李娜" and kept["follow_up"] == "2026-12-20"
    _post(client, editor, status="contacted", firm_id=4, owner="王强")
    board = client.get("/api/v1/pipeline", params={"owner": "李"}).json()
    assert [(i["firm_id"], i["status"], i["owner"], i["follow_up"]) for i in board] == [
        (3, "visited", "李娜", "2026-12-20")]
    assert {i["firm_id"] for i in client.get("/api/v1/pipeline").json()} == {3, 4}
    cleared = _post(client, editor, status="negotiating", owner="", follow_up=None)
    assert cleared["owner"] == "" and cleared["follow_up"] is None
    assert client.get("/api/v1/pipeline", params={"owner": "李娜"}).json() == []


def test_a_passed_follow_up_on_an_open_pair_is_overdue(client: TestClient, keys: dict[str, str]) -> None:
    past = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    _post(client, keys["editor"], status="contacted", owner="赵六", follow_up=past)
    _post(client, keys["editor"], status="signed", firm_id=4, follow_up=past)
    overdue = {i["firm_id"]: i["overdue"] for i in client.get("/api/v1/pipeline").json()}
    assert overdue == {3: True, 4: False}
