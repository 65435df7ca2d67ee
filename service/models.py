"""Every table, imported in one place so migrations and tests see the whole schema."""

from service import events
from service.auth import models as auth_models
from service.batch import models as batch_models
from service.catalog import models as catalog_models
from service.database import Base
from service.destinations import models as destination_models
from service.feedback import models as feedback_models
from service.firms import models as firm_models

__all__ = ["Base", "auth_models", "batch_models", "catalog_models", "destination_models", "events", "feedback_models", "firm_models"]
