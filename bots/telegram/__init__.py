"""The Telegram channel: translation (`translate`), sending within Telegram's limits (`sender`), and the
webhook route and long-polling runner (`transport`). aiogram is the transport only; flows live in dialogs/."""

from bots.telegram.sender import (
    KeyboardPages,
    MemoryKeyboardPages,
    RateLimiter,
    RecipientUnreachable,
    RedisKeyboardPages,
    TelegramSender,
    create_bot,
)
from bots.telegram.translate import CHANNEL, TELEGRAM_CAPABILITIES
from bots.telegram.transport import (
    ALLOWED_UPDATES,
    SECRET_HEADER,
    WEBHOOK_PATH,
    TelegramChannel,
    create_telegram_webhook_router,
    run_polling,
)

__all__ = [
    "ALLOWED_UPDATES",
    "CHANNEL",
    "SECRET_HEADER",
    "TELEGRAM_CAPABILITIES",
    "WEBHOOK_PATH",
    "KeyboardPages",
    "MemoryKeyboardPages",
    "RateLimiter",
    "RecipientUnreachable",
    "RedisKeyboardPages",
    "TelegramChannel",
    "TelegramSender",
    "create_bot",
    "create_telegram_webhook_router",
    "run_polling",
]
