"""Bulk, idempotent upserts from the accounting system and the CRM, one module per resource family.

Every `upsert_*` takes a session and a batch of typed rows, checks each row, writes the valid ones
in the caller's transaction and reports the others with their reasons. A repeated batch changes
nothing. None commits.
"""
