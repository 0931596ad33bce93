"""Conventions every generated migration runner and every check of migrations share."""

from __future__ import annotations

NO_TRANSACTION = "-- migrate: no-transaction"
"""The first line of a migration its runner applies outside a transaction, because it
holds the one statement PostgreSQL refuses inside one (CREATE/DROP INDEX CONCURRENTLY).
The generated runners (Python: app/migrate.py; TypeScript: its migrate module) render it
from here, the offline generator writes it, and the migration lint reads it."""
