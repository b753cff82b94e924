"""Notion (API 2025-09-03): settings, the property mapping, page ↔ record, a careful gateway, and sync.

Modules: ``settings`` (connection settings, NotionError), ``mapping`` (which property holds which
field), ``readers`` (one reader per Notion property type, one coercion per kind of field),
``writers`` (score payloads per Notion type, and a plan that sends only what can succeed),
``properties`` (page → record, what a schema lets leadscore read and write, comparing score values),
``gateway`` (shared pacing, retries, endpoints, finding the data source), ``sync`` (the Workbench:
check, setup, sync, push, rescore).
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
    SCORE_WRITABLE_TYPES,
    PropertyMapping,
)
from .properties import (
    PracticePage,
    changed_values,
    field_rows,
    read_page,
    schema_report,
    score_values,
)
from .readers import UNKNOWN_USER, Reading, plain_value, read_field
from .settings import DEFAULT_BASE_URL, NotionError, NotionSettings, database_ref
from .writers import WritePlan, plan_write, score_properties, text_pieces

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
    "SCORE_WRITABLE_TYPES",
    "UNKNOWN_USER",
    "NotionError",
    "NotionGateway",
    "NotionSettings",
    "PracticePage",
    "PropertyMapping",
    "Reading",
    "Throttle",
    "WritePlan",
    "changed_values",
    "database_ref",
    "describe_error",
    "field_rows",
    "is_transient",
    "plain_value",
    "plan_write",
    "read_field",
    "read_page",
    "schema_report",
    "score_properties",
    "score_values",
    "text_pieces",
]
