"""The app as `b2bot serve` runs it (uvicorn's factory: the app builds its own core): once started, what start-up
built is frozen out of the garbage collector's sight, so no full collection walks it again."""

from __future__ import annotations

import gc

from b2bot.app import create_app
from core.config import Settings


async def test_a_served_app_freezes_its_start_up_heap(settings: Settings) -> None:
    app = create_app(settings, freeze_heap=True)
    gc.unfreeze()
    try:
        async with app.router.lifespan_context(app):
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the test process goes on: let later collections see these objects again
