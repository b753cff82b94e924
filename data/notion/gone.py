"""A write that failed because its page is gone: the one rule for score write-backs and automation's
property writes alike (issue 8: a write is dropped only when its page is gone, and the practice is then
flagged the same way whichever write noticed it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from notion_client import APIResponseError

from .settings import NotionError

if TYPE_CHECKING:
    from ..store import Store
    from .gateway import NotionGateway

Gone = Literal["trashed", "deleted"]

# How a report says it, after "the page ".
GONE_PHRASE: dict[str, str] = {"trashed": "is in the trash", "deleted": "no longer exists"}


def page_gone(gateway: NotionGateway, exc: BaseException) -> Gone | None:
    """"trashed" or "deleted" when a write to a page failed because the page is not there to write to
    (Notion: 400 "archived" for a page in the trash, 404 for a deleted one), else None.

    Notion also answers 404 when the integration lost access to the whole database; that is no deleted
    page, so the database is checked first and NotionError raised (nothing dropped) when it is lost."""
    if not isinstance(exc, APIResponseError):
        return None
    if exc.status == 400 and "archived" in str(exc).lower():
        return "trashed"
    if exc.status == 404:
        require_database_access(gateway)
        return "deleted"
    return None


def require_database_access(gateway: NotionGateway) -> None:
    """Raises NotionError when the integration can no longer see the database (Notion answers 404)."""
    if not gateway.database_reachable():
        raise NotionError(
            f"the integration can no longer see database {gateway.settings.database_id} (Notion answers 404); "
            "share the database with the integration again (README, Notion setup step 2) — nothing was dropped"
        )


def mark_if_gone(store: Store, gateway: NotionGateway, practice_id: str, exc: BaseException) -> str | None:
    """When ``exc`` (a failed write to ``practice_id``'s page) says the page is gone: flag the practice
    trashed or deleted in the store (its pending score write dropped with it) and return how a report
    says it ("is in the trash" / "no longer exists"); else None. Raises NotionError as :func:`page_gone`."""
    gone = page_gone(gateway, exc)
    if gone is None:
        return None
    store.mark_gone([practice_id], trashed=gone == "trashed")
    return GONE_PHRASE[gone]
