"""Fixtures for the fake Notion server (usable by other test packages: see ``plugin.py``)."""

from .plugin import notion_client, notion_fake, notion_fake_factory

__all__ = ["notion_client", "notion_fake", "notion_fake_factory"]
