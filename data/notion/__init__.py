"""Notion (API 2025-09-03): settings, the property mapping, page ↔ record, a careful gateway, and sync.

Modules: ``settings`` (connection settings, NotionError), ``mapping`` (which property holds which
field), ``properties`` (property values ↔ plain values), ``gateway`` (throttle, retries, endpoints),
``sync`` (the Workbench: check, setup, sync, push, rescore).
"""

from .gateway import GATEWAY_DEFAULTS, NotionGateway, Throttle, describe_error, is_transient
from .mapping import (
    DEFAULT_FIELDS,
    DEFAULT_SALES,
    DEFAULT_SCORES,
    ENRICHED_STATUSES,
    LIST_FIELDS,
    SCORE_OPTIONS,
    SCORE_TYPES,
    PropertyMapping,
)
from .properties import (
    PracticePage,
    changed_values,
    plain_value,
    read_page,
    schema_report,
    score_properties,
    score_values,
    text_pieces,
)
from .settings import DEFAULT_BASE_URL, NotionError, NotionSettings

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_FIELDS",
    "DEFAULT_SALES",
    "DEFAULT_SCORES",
    "ENRICHED_STATUSES",
    "GATEWAY_DEFAULTS",
    "LIST_FIELDS",
    "SCORE_OPTIONS",
    "SCORE_TYPES",
    "NotionError",
    "NotionGateway",
    "NotionSettings",
    "PracticePage",
    "PropertyMapping",
    "Throttle",
    "changed_values",
    "describe_error",
    "is_transient",
    "plain_value",
    "read_page",
    "schema_report",
    "score_properties",
    "score_values",
    "text_pieces",
]
