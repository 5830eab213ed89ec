"""What the command line sets up before it imports anything else (formkit/cli/__init__.py
imports this first): the dataclasses typer, rich and formkit make as they are imported
compiled once per text, not in every process (formkit/code_cache.py; issue #23, start-up)."""

from __future__ import annotations

from formkit import code_cache

code_cache.install()
