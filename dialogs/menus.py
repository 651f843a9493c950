"""The main menus: the full one for customers, a short one for guests, and the refusal that points guests to it.

Flows start from these payloads (`encode_payload(action)`); a menu entry whose flow is not registered just
answers "that button is no longer active", so the menu may name journeys deployed later.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.messaging import Button, Buttons, Outbound, TextOut, encode_payload
from dialogs.engine import MenuItem
from dialogs.i18n import t

MEMBER_MENU: tuple[MenuItem, ...] = (
    MenuItem("menu.search", encode_payload("search")),
    MenuItem("menu.cart", encode_payload("cart")),
    MenuItem("menu.orders", encode_payload("orders")),
    MenuItem("menu.balance", encode_payload("balance")),
    MenuItem("menus.delivery", encode_payload("quote")),
    MenuItem("menus.loyalty", encode_payload("loyalty")),
    MenuItem("menu.manager", encode_payload("manager")),
)

GUEST_MENU: tuple[MenuItem, ...] = (
    MenuItem("menu.search", encode_payload("search")),
    MenuItem("menus.access", encode_payload("access")),
    MenuItem("menus.invite", encode_payload("invite")),
)


def menu_message(locale: str, items: Sequence[MenuItem] = MEMBER_MENU, title_key: str = "menu.title") -> Buttons:
    """A menu as one message with a button per entry (the engine's own menu message has the same shape)."""
    return Buttons(t(locale, title_key), [Button(t(locale, item.title_key), item.payload) for item in items])


def guest_refusal(locale: str) -> list[Outbound]:
    """What a guest hears when a journey needs a customer account: why, and the two ways in."""
    return [TextOut(t(locale, "guest.needs_account")), menu_message(locale, GUEST_MENU, "menus.guest_title")]
