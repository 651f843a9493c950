"""The widget in a real browser (Debian's chromium, driven by Playwright): search, add to cart, order.

Starts the app as a uvicorn process on a seeded database with the real gateway and NLU, opens the demo page,
chats as the demo buyer and saves a screenshot to var/webchat-e2e.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.bootstrap import Core
from core.config import Settings
from core.demo.seed import seed_demo_data
from core.models import Contact, Order
from tests.channels.webchat.processes import ROOT, server_env, serving

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "var" / "webchat-e2e.png"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
# Buttons the checkout may ask about, in the order we prefer them; the first one shown is pressed.
CHECKOUT_CHOICES = [re.compile(p, re.I) for p in (r"^confirm the order", r"pickup", r"don.t spend", r"prepayment",
                                                   r"on credit", r"^confirm")]

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


async def test_a_buyer_orders_through_the_widget_on_the_demo_page(webchat_settings: Settings, core: Core) -> None:
    playwright_api = pytest.importorskip("playwright.async_api", reason="pip install playwright (no browser download)")
    await seed_demo_data(core.uow, seed=1, products=300, companies=4)
    before = await webchat_orders(core)
    env = server_env(webchat_settings, WEBCHAT_TEST_GATEWAY="real")
    env.pop("REDIS_URL", None)
    with serving(env) as base:
        async with playwright_api.async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
            try:
                page = await browser.new_page(viewport={"width": 1100, "height": 900})
                await page.goto(base + "/")
                await page.locator('input[value="buyer@demo.b2bot"]').check()
                chat = Chat(page, playwright_api.expect)
                await page.locator("button.bubble").click()
                await chat.press(re.compile(r"find products", re.I))
                await chat.say("office paper A4")
                await chat.press(re.compile(r"A4 office paper", re.I))
                await playwright_api.expect(chat.last).to_contain_text("A4-80")
                await chat.press(re.compile(r"^add \d+", re.I))
                await playwright_api.expect(chat.last).to_contain_text("Added")
                await chat.press(re.compile(r"^checkout", re.I))
                for _ in range(6):
                    if re.search(r"Order #\d+ is placed", await chat.last_text()):
                        break
                    await chat.press_first(CHECKOUT_CHOICES)
                await playwright_api.expect(chat.last).to_contain_text(re.compile(r"Order #\d+ is placed"))
                SCREENSHOT.parent.mkdir(exist_ok=True)
                await page.screenshot(path=str(SCREENSHOT))
            finally:
                await browser.close()
    assert await webchat_orders(core) == before + 1


async def webchat_orders(core: Core) -> int:
    """Orders the demo buyer placed through web chat (the demo history has some already)."""
    async with core.uow() as uow:
        buyer = await uow.session.scalar(select(Contact.id).where(Contact.email == "buyer@demo.b2bot"))
        count = await uow.session.scalar(select(func.count()).select_from(Order).where(
            Order.contact_id == buyer, Order.channel == "webchat"))
    return int(count or 0)


class Chat:
    """The widget as a visitor sees it: the last bot message, its buttons, the input box."""

    def __init__(self, page: object, expect: object) -> None:
        self.page = page
        self.expect = expect

    @property
    def last(self) -> object:
        return self.page.locator(".msg.out").last  # type: ignore[attr-defined]

    async def last_text(self) -> str:
        await self.settle()
        return str(await self.last.inner_text())  # type: ignore[attr-defined]

    async def settle(self) -> None:
        """Wait until the bot has answered: the typing indicator is gone and no message of ours is unanswered."""
        await self.expect(self.page.locator(".typing")).to_be_hidden(timeout=30_000)  # type: ignore[attr-defined,operator]
        await self.expect(self.page.locator(".msg").last).not_to_have_class(re.compile(r"\bin\b"), timeout=30_000)  # type: ignore[attr-defined,operator]

    async def say(self, text: str) -> None:
        await self.settle()
        box = self.page.get_by_label("Message", exact=True)  # type: ignore[attr-defined]
        await box.fill(text)
        await box.press("Enter")
        await self.expect(self.page.locator(".msg.in").last).to_have_text(re.compile(re.escape(text)))  # type: ignore[attr-defined,operator]

    async def press(self, title: re.Pattern[str]) -> None:
        await self.settle()
        button = self.last.get_by_role("button", name=title).first  # type: ignore[attr-defined]
        await self.expect(button).to_be_visible(timeout=30_000)  # type: ignore[operator]
        count = await self.page.locator(".msg.in").count()  # type: ignore[attr-defined]
        await button.click()
        await self.expect(self.page.locator(".msg.in")).to_have_count(count + 1)  # type: ignore[attr-defined,operator]

    async def press_first(self, titles: list[re.Pattern[str]]) -> None:
        await self.settle()
        shown = [str(t) for t in await self.last.get_by_role("button").all_inner_texts()]  # type: ignore[attr-defined]
        for title in titles:
            if any(title.search(text) for text in shown):
                await self.press(title)
                return
        raise AssertionError(f"no expected checkout button among {shown}")
