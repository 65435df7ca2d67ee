"""Every table, imported in one place so migrations and tests see the whole schema."""

from service.catalog import models as catalog_models
from service.database import Base
from service.firms import models as firm_models
from service.parks import models as park_models

__all__ = ["Base", "catalog_models", "firm_models", "park_models"]
