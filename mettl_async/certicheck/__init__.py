"""Mettl CertiCHECK API v2."""

from .client import DEFAULT_BASE_URL, CertiCheckClient
from .services import batches

__all__ = ["DEFAULT_BASE_URL", "CertiCheckClient", "batches"]
