"""Product → buyers: pick a Liupanshui farm product and see the Zhongshan firms that buy it, with their best supplier."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from service.catalog.schemas import ResourceCategory
from service.errors import ServiceError
from service.i18n import pick
from service.matching.buyers import product_buyers
from service.matching.deps import MatchServiceDep
from service.matching.schemas import ProductBuyers
from service.ui.deps import Lang, User
from service.ui.rendering import UiRoute, page

router = APIRouter(route_class=UiRoute)


@router.get("/ui/products", response_class=HTMLResponse)
def products_page(
    request: Request, user: User, lang: Lang, service: MatchServiceDep,
    product: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    world = service.world
    farm = [r for r in world.resources.values() if r.category is ResourceCategory.agricultural]
    result: ProductBuyers | None = None
    problem = None
    if product.strip():
        try:
            result = product_buyers(engine=service, product=product.strip())
        except ServiceError as exc:
            problem = pick(exc.message, lang)
    return page(request, "products.html", lang=lang, user=user, products=farm, product=product, result=result,
                problem=problem, status=404 if problem else 200)
