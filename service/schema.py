"""The base of the application's pydantic models: each is built on first use, not when its module is imported.

A CLI command that ranks uses a few dozen of the hundred-odd models the modules on its path define; building
all of them on import was about a tenth of a second of every command. A server builds every one before it
answers (``build_all``), and then the OpenAPI document, which builds FastAPI's field around each parameter and
response model; so no request pays for a build and no two threads build one schema at once.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    model_config = ConfigDict(defer_build=True)


def all_models() -> list[type[Schema]]:
    """Every model of the application whose module is imported."""
    out, todo = [], list(Schema.__subclasses__())
    while todo:
        model = todo.pop()
        todo.extend(model.__subclasses__())
        out.append(model)
    return out


def build_all() -> int:
    """Build every model of the application that is not built yet (those whose modules are imported); how many."""
    todo = [model for model in all_models() if not model.__pydantic_complete__]
    for model in todo:
        model.model_rebuild()
    return len(todo)
