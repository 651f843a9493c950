"""The checkout journey: delivery, loyalty points, payment terms, a summary, and one idempotent confirm.

The summary creates the order's idempotency key once and keeps it in the flow's slots; the confirm
button carries it (with the total the client saw) as the `checkout` action's arguments. Pressing it
places the order with that key; a second press, or a replayed update, finds the order the key made and
answers "already placed", creating nothing.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from decimal import Decimal
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import loyalty as loyalty_rules
from core.errors import CreditRefused, InsufficientStock, InvalidInput, QuantityRuleViolation, QuoteExpired
from core.messaging import Button, Buttons, Outbound, TextOut, encode_payload
from core.models import OrderStatus, PaymentMode
from core.services import cart as carts
from core.services import loyalty, orders
from core.services.cart import CartView
from core.services.orders import PlacedOrder
from dialogs.engine import cancel_button
from dialogs.flow import Accept, Answer, Flow, Goto, Reject, Step, Validation
from dialogs.flows.cart import (
    CART_ACTION,
    CHECKOUT_ACTION,
    CartEmpty,
    Ctx,
    actor_in,
    amount,
    cart_button,
    money,
    require_cart,
    require_member,
)
from dialogs.flows.delivery import QUOTE_ACTION, ask_destination, check_destination, option_step, takes_destination
from dialogs.i18n import SUPPORTED_LOCALES, format_date, format_number, t, typed, typed_words
from dialogs.services import Services

SUMMARY_LINES = 10
KEY_BYTES = 9  # 12 characters of URL-safe text


# Steps --------------------------------------------------------------------------------------------


async def _ask_destination(ctx: Ctx) -> Sequence[Outbound]:
    async with ctx.services.uow() as uow:
        view = await require_cart(ctx, uow.session)
        ctx.slots["_pts"] = await _points_on_offer(ctx, uow.session, view)
    return await ask_destination(ctx, in_checkout=True, view=view)


async def _check_destination(answer: Answer, ctx: Ctx) -> Validation:
    return await check_destination(answer, ctx, in_checkout=True)


async def _points_on_offer(ctx: Ctx, session: AsyncSession, view: CartView) -> int:
    """The most points this order may spend: the company's balance within the order's cap."""
    available = await loyalty.available_points(session, view.company_id, ctx.services.clock.now())
    cap = ctx.services.settings.loyalty_redeem_cap_percent
    return loyalty_rules.redeemable(available, available, view.subtotal, cap)


async def _ask_points(ctx: Ctx) -> Sequence[Outbound]:
    async with ctx.services.uow() as uow:
        view = await require_cart(ctx, uow.session)
        most = await _points_on_offer(ctx, uow.session, view)
    ctx.slots["_pts"] = most
    text = ctx.t("checkout.points.ask", points=most, value=money(ctx, loyalty_rules.points_value(most), view.currency))
    buttons = [ctx.choice(ctx.t("checkout.points.spend", points=most), most),
               ctx.choice(ctx.t("checkout.points.none"), 0)]
    return [Buttons(text, [*buttons, cancel_button(ctx.locale)])]


async def _check_points(answer: Answer, ctx: Ctx) -> Validation:
    most = int(ctx.slots.get("_pts") or 0)
    points = _points_typed(answer.choice or answer.text or "", most)
    if points is None or not 0 <= points <= most:
        return Reject("checkout.points.bad", {"points": most})
    async with ctx.services.uow() as uow:
        await carts.set_points(uow.session, ctx.actor, points, now=ctx.services.clock.now())
        await uow.commit()
    return Accept(points)


def _points_typed(raw: str, most: int) -> int | None:
    """A number of points as typed: "1000", "1 000", "1000 баллов", "спиши 1000"; "all" / "все" / "max" for the
    most on offer, "no" / "нет" / "не надо" for none."""
    answer = typed(raw)
    if answer in typed_words("checkout.points.all_words"):
        return most
    if answer in typed_words("checkout.points.none_words"):
        return 0
    numbers = re.findall(r"\d[\d\u00a0 ]*", answer)
    return int(re.sub(r"\D", "", numbers[0])) if len(numbers) == 1 else None


async def _ask_confirm(ctx: Ctx) -> Sequence[Outbound]:
    require_member(ctx)
    async with ctx.services.uow() as uow:
        checkout = await _preview(ctx, uow.session)
    if checkout.cart.is_empty:
        raise CartEmpty("the cart is empty")
    key = ctx.slots.setdefault("key", secrets.token_urlsafe(KEY_BYTES))
    ctx.slots["total"] = str(checkout.cart.total)
    return _summary(ctx, checkout, str(key), in_step=True)


async def _check_confirm(answer: Answer, ctx: Ctx) -> Validation:
    if answer.choice == "d":
        ctx.slots.pop("opt", None)
        return Goto("dest")
    if typed(answer.text or "") in _confirm_words():
        return Accept(ctx.slots["key"])
    return Reject("checkout.confirm_hint")


@cache
def _confirm_words() -> frozenset[str]:
    """What a typed confirmation may say, in either language ("yes", "confirm", "подтверждаю"): on WhatsApp and
    in the console people type rather than tap."""
    buttons = {typed(t(locale, key)) for locale in SUPPORTED_LOCALES for key in ("common.yes", "checkout.confirm")}
    return typed_words("checkout.confirm_words") | buttons


# The summary --------------------------------------------------------------------------------------


async def _preview(ctx: Ctx, session: AsyncSession) -> orders.CheckoutPreview:
    return await orders.preview(session, actor_in(ctx), ctx.services.settings, ctx.services.clock.now())


def _summary(ctx: Ctx, checkout: orders.CheckoutPreview, key: str, *, in_step: bool) -> list[Outbound]:
    view = checkout.cart
    currency = view.currency
    rows = [ctx.t("checkout.summary.title")]
    for line in view.lines[:SUMMARY_LINES]:
        total = money(ctx, line.line_total, currency) if line.line_total is not None else "—"
        rows.append(ctx.t("checkout.summary.line", name=line.name, sku=line.sku,
                          quantity=amount(ctx, line.quantity, line.unit), total=total))
        if line.warning in ("out_of_stock", "short_stock"):
            rows.append(ctx.t("checkout.summary.short", available=amount(ctx, line.available, line.unit)))
    if len(view.lines) > SUMMARY_LINES:
        rows.append(ctx.t("checkout.summary.more", count=len(view.lines) - SUMMARY_LINES))
    rows.append(ctx.t("cart.subtotal", amount=money(ctx, view.subtotal, currency)))
    if view.points_applied > 0:
        rows.append(ctx.t("cart.discount", points=view.points_applied,
                          amount=money(ctx, view.loyalty_discount, currency)))
    if view.delivery is not None:
        rows.append(ctx.t("checkout.summary.delivery", carrier=view.delivery.carrier, service=view.delivery.service,
                          where=view.delivery.destination, amount=money(ctx, view.delivery_cost, currency)))
    else:
        rows.append(ctx.t("checkout.summary.no_delivery"))
    rows.append(ctx.t("cart.total", amount=money(ctx, view.total, currency)))
    if checkout.on_credit:
        rows.append(ctx.t("checkout.payment.credit", available=money(ctx, checkout.available_credit, currency)))
    elif checkout.credit_terms:  # more than the credit left: say why it is not on credit
        rows.append(ctx.t("checkout.payment.over_credit", available=money(ctx, checkout.available_credit, currency)))
    elif checkout.advance >= view.total:
        rows.append(ctx.t("checkout.payment.from_advance", advance=money(ctx, checkout.advance, currency)))
    elif checkout.advance > 0:
        rows.append(ctx.t("checkout.payment.part_advance", advance=money(ctx, checkout.advance, currency),
                          due=money(ctx, view.total - checkout.advance, currency)))
    else:
        rows.append(ctx.t("checkout.payment.prepayment"))
    if checkout.needs_approval:
        rows.append(ctx.t("checkout.summary.needs_approval"))
    if checkout.overdue > 0:
        rows.append(ctx.t("checkout.summary.overdue", amount=money(ctx, checkout.overdue, currency)))
    confirm = Button(ctx.t("checkout.confirm"), encode_payload(CHECKOUT_ACTION, key, str(view.total)))
    buttons = [confirm]
    if in_step:
        buttons.append(ctx.choice(ctx.t("checkout.change_delivery"), "d"))
    buttons += [cart_button(ctx), cancel_button(ctx.locale)]
    return [Buttons("\n".join(rows), buttons)]


# Placing ------------------------------------------------------------------------------------------


async def _place(ctx: Ctx) -> Sequence[Outbound]:
    if ctx.args:
        key, shown_total = ctx.args[0], ctx.args[1] if len(ctx.args) > 1 else None
    else:
        key, shown_total = str(ctx.slots["ok"]), str(ctx.slots.get("total"))
    services = ctx.services
    async with services.uow() as uow:
        try:
            placed = await orders.place_order(uow, ctx.actor, key, services.settings, services.clock,
                                              channel=services.channel, expected_total=_amount(shown_total))
        except orders.CartChanged:
            # The cart changed after the summary was shown: confirm what it holds now, under a new key.
            await uow.rollback()
            fresh = secrets.token_urlsafe(KEY_BYTES)
            checkout = await _preview(ctx, uow.session)
            return [TextOut(ctx.t("checkout.changed")), *_summary(ctx, checkout, fresh, in_step=False)]
        except carts.EmptyCart:
            return _fix(ctx, ctx.t("errors.cart_empty"), CART_ACTION)
        except InsufficientStock as short:
            return _fix(ctx, ctx.t("checkout.error.stock", sku=str(short.details.get("sku", ""))), CART_ACTION)
        except QuoteExpired:
            return _fix(ctx, ctx.t("checkout.error.quote_expired"), QUOTE_ACTION)
        except CreditRefused:
            return _fix(ctx, ctx.t("checkout.error.credit"), CART_ACTION)
        except QuantityRuleViolation as refused:
            return _fix(ctx, ctx.t("checkout.error.quantity", sku=str(refused.details.get("sku", ""))), CART_ACTION)
        except InvalidInput as refused:
            return _fix(ctx, _invalid_text(ctx, refused), _fix_action(refused))
        await uow.commit()
    if placed.created:
        await orders.send(services.core.notifier, placed.notifications)
    return [Buttons(_placed_text(ctx, placed), [Button(ctx.t("cart.buttons.search"), encode_payload("search"))])]


def _amount(shown: str | None) -> Decimal | None:
    """The total the confirm button carried; a mangled one matches no cart, so the summary is shown again."""
    if shown is None:
        return None
    try:
        return Decimal(shown)
    except ArithmeticError:
        return Decimal(-1)


def _invalid_text(ctx: Ctx, refused: InvalidInput) -> str:
    if "delivery" in refused.message:
        return ctx.t("checkout.error.quote_expired")
    return ctx.t("checkout.error.lines", skus=", ".join(str(s) for s in refused.details.get("skus", ())) or "—")


def _fix_action(refused: InvalidInput) -> str:
    return QUOTE_ACTION if "delivery" in refused.message else CART_ACTION


def _fix(ctx: Ctx, text: str, action: str) -> list[Outbound]:
    """A refusal with the way to fix it; the flow ends, and checkout starts again after the fix."""
    fix = Button(ctx.t("checkout.fix.quote" if action == QUOTE_ACTION else "checkout.fix.cart"),
                 encode_payload(action))
    return [Buttons(text, [fix, Button(ctx.t("checkout.again"), encode_payload(CHECKOUT_ACTION))])]


def _placed_payment(ctx: Ctx, placed: PlacedOrder) -> str:
    """How the order is paid, as the summary said it would be (an advance paid ahead goes towards it)."""
    order = placed.order
    if order.payment_mode == PaymentMode.PREPAYMENT and placed.advance >= order.total:
        return ctx.t("checkout.payment.placed_from_advance")
    if order.payment_mode == PaymentMode.PREPAYMENT and placed.advance > 0:
        return ctx.t("checkout.payment.placed_part_advance", due=money(ctx, order.total - placed.advance,
                                                                       order.currency))
    return ctx.t(f"checkout.payment.placed_{order.payment_mode}")


def _placed_text(ctx: Ctx, placed: PlacedOrder) -> str:
    order = placed.order
    key = "checkout.placed" if placed.created else "checkout.already_placed"
    status = "awaiting_approval" if order.status == OrderStatus.AWAITING_APPROVAL else "confirmed"
    rows = [ctx.t(key, number=str(order.id), total=money(ctx, order.total, order.currency)),
            ctx.t(f"checkout.status.{status}"), _placed_payment(ctx, placed)]
    if order.points_redeemed:
        rows.append(ctx.t("checkout.points.spent", points=format_number(order.points_redeemed, ctx.locale)))
    if order.eta is not None:
        rows.append(ctx.t("checkout.eta", date=format_date(order.eta, ctx.locale)))
    return "\n".join(rows)


CHECKOUT = Flow[Services](
    name="checkout",
    title_key="checkout.title",
    intents=("checkout",),
    actions=(CHECKOUT_ACTION,),
    steps=[
        Step("dest", _ask_destination, _check_destination, ask_if=lambda ctx: not ctx.args, free_text=True,
             answer_entities=("city",), takes=takes_destination),
        option_step(),
        Step("pts", _ask_points, _check_points,
             ask_if=lambda ctx: not ctx.args and int(ctx.slots.get("_pts") or 0) > 0),
        Step("ok", _ask_confirm, _check_confirm, ask_if=lambda ctx: not ctx.args),
    ],
    complete=_place,
)

FLOWS: list[Flow[Services]] = [CHECKOUT]
