"""The HTTP API: a thin typed FastAPI layer over the ``credit_scoring`` library."""

from api.main import create_app
from credit_scoring.settings import Settings

__all__ = ["Settings", "create_app"]
