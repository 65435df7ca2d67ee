"""Load the starter dataset into the database: catalog, parks, then firms, all in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.orm import Session

from service.catalog.service import save_catalog
from service.dataset.files import BUYERS_FILE, EMPLOYERS_FILE, FIRMS_FILE, read_catalog
from service.destinations import service as destinations
from service.errors import ImportRejected
from service.firms.importer import import_firms
from service.parks.service import save_records

Step = Callable[[str], None]


class LoadReport(BaseModel):
    catalog_changed: int
    parks_changed: int
    destinations_changed: int = 0
    firms_created: int
    firms_updated: int
    firms_unchanged: int


def load_starter(*, session: Session, data_dir: Path, step: Step = lambda _: None) -> LoadReport:
    """Insert or update every starter record; running it twice changes nothing the second time."""
    step("读取数据文件 / reading data files")
    catalog, problems = read_catalog(data_dir)
    if problems:
        raise ImportRejected(
            f"初始数据有 {len(problems)} 处问题 / the starter dataset has {len(problems)} problems", problems=problems
        )
    step("写入行业、资源、县区、镇街与成本 / saving industries, resources, counties, towns and costs")
    catalog_changed = save_catalog(session=session, catalog=catalog)
    step("写入园区 / saving parks")
    parks_changed = save_records(session=session, records=catalog.parks)
    step("写入帮扶车间、农业基地、加工中心与共建园区 / saving workshops, agricultural bases, processing centres "
         "and co-built parks")
    destinations_changed = len(destinations.save_records(session=session, records=catalog.destinations))
    step("导入企业 / importing firms")
    created = updated = unchanged = 0
    for name in (FIRMS_FILE, BUYERS_FILE, EMPLOYERS_FILE):
        firms_file = data_dir / name
        if not firms_file.exists():
            continue
        report = import_firms(session=session, data=firms_file.read_bytes(), filename=firms_file.name,
                              max_bytes=max(firms_file.stat().st_size + 1, 1))
        created, updated, unchanged = created + report.created, updated + report.updated, unchanged + report.unchanged
    return LoadReport(catalog_changed=catalog_changed, parks_changed=parks_changed,
                      destinations_changed=destinations_changed, firms_created=created,
                      firms_updated=updated, firms_unchanged=unchanged)
