"""Scoring configuration versions as the What-if lab lists them: the SPEC defaults first — a version
like any other, active whenever no saved version is — then every saved version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scoring.config import ScoringConfig, load_config

from .store import Store

DEFAULTS_LABEL = "SPEC defaults"


@dataclass(frozen=True)
class Version:
    id: int | None  # the store's config id; None for the SPEC defaults
    label: str
    config: ScoringConfig
    note: str
    saved_at: str | None
    active: bool

    @property
    def is_defaults(self) -> bool:
        return self.id is None

    def title(self) -> str:
        """The label as every list shows it, the active version marked."""
        return f"{self.label} (active)" if self.active else self.label


def versions(store: Store) -> list[Version]:
    """The SPEC defaults (with the environment's operational overrides), then the saved versions by name
    and number; exactly one is active."""
    saved = store.configs()
    any_active = any(s.active for s in saved)
    listed = [Version(None, DEFAULTS_LABEL, load_config(), "The rules of SPEC.md, as shipped", None, not any_active)]
    listed += [Version(s.id, s.label, s.config, s.note, s.created_at, s.active) for s in saved]
    return listed


def same_settings(listed: Sequence[Version], config: ScoringConfig) -> Version | None:
    """The listed version whose scoring settings equal ``config``'s (labels and operational settings
    aside), if any — saving it again would only make a duplicate."""
    return next((v for v in listed if v.config.fingerprint == config.fingerprint), None)


def activate(store: Store, version: Version) -> None:
    """Make ``version`` the active one. The SPEC defaults are active when no saved version is, so
    activating them clears the store's active mark."""
    if version.id is not None:
        store.activate_config(version.id)
    else:
        store.deactivate_configs()
