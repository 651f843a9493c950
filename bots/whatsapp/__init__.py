"""The WhatsApp channel (Cloud API): translation (`translate`), the Graph API calls (`graph`), sending within
WhatsApp's rules (`sender`), and the webhook route (`transport`). Flows live in dialogs/, as for every channel.

Wiring: `create_graph_api(settings)`, a `WhatsAppSender` registered with the channel registry, a
`WhatsAppChannel` behind `create_whatsapp_webhook_router`, and `await api.aclose()` on shutdown.
"""

from bots.whatsapp.graph import GraphApi, GraphError, MediaInfo, create_graph_api
from bots.whatsapp.sender import OutsideWindow, RecipientUnreachable, WhatsAppSender, whatsapp_limiter
from bots.whatsapp.translate import CHANNEL, WHATSAPP_CAPABILITIES
from bots.whatsapp.transport import (
    SIGNATURE_HEADER,
    WEBHOOK_PATH,
    WhatsAppChannel,
    create_whatsapp_webhook_router,
    signature_matches,
)

__all__ = [
    "CHANNEL",
    "SIGNATURE_HEADER",
    "WEBHOOK_PATH",
    "WHATSAPP_CAPABILITIES",
    "GraphApi",
    "GraphError",
    "MediaInfo",
    "OutsideWindow",
    "RecipientUnreachable",
    "WhatsAppChannel",
    "WhatsAppSender",
    "create_graph_api",
    "create_whatsapp_webhook_router",
    "signature_matches",
    "whatsapp_limiter",
]
