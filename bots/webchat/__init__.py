"""The web chat channel: a WebSocket (and HTTP fallback) endpoint, an embeddable widget and a demo page.

Wiring: build a `WebchatChannel`, register its `.sender` with the channel registry, mount
`create_webchat_router(channel, gateway)`, and `await channel.close()` on shutdown.
"""

from bots.webchat.channel import WebchatChannel, WebchatSender
from bots.webchat.limits import WebchatLimits
from bots.webchat.transport import create_webchat_router

__all__ = ["WebchatChannel", "WebchatLimits", "WebchatSender", "create_webchat_router"]
