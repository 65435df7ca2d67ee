"""The web UI: one router assembled from the screens in service.ui.pages."""

from __future__ import annotations

from fastapi import APIRouter

from service.ui.pages import (
    admin,
    downloads,
    firms,
    imports,
    map,
    parks,
    pipeline,
    plan,
    products,
    prospects,
    search,
    signin,
)

router = APIRouter(include_in_schema=False)
for screen in (signin, downloads, search, firms, parks, prospects, products, pipeline, plan, map, imports, admin):
    router.include_router(screen.router)
