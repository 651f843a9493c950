"""The purchaser journeys, one module per journey; each module exposes `FLOWS`."""
