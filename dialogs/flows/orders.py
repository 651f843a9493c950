"""Order journeys: my orders (paged), tracking one order, cancelling it while allowed, repeating an order."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from decimal import Decimal

from core.errors import IllegalTransition, NotFound
from core.messaging import Button, Buttons, DocumentOut, Outbound, TextOut, encode_payload
from core.models import OrderStatus
from core.services import invoices, orders
from dialogs.engine import cancel_button, menu_button
from dialogs.flow import Accept, Answer, Flow, FlowContext, Reject, Step, Validation
from dialogs.flows.approvals import decision_buttons
from dialogs.i18n import catalogue, format_date, format_money, format_quantity, typed_words
from dialogs.menus import guest_refusal
from dialogs.services import Services

Ctx = FlowContext[Services]
PAGE = 5
RECENT_CHOICES = 3
MAX_ORDER_ID = 2**31 - 1
_NUMBER = re.compile(r"\d{1,10}")
_B2B_PREFIX = re.compile(r"\bB2B-(?=\d)", re.IGNORECASE)  # the order numbers' printed prefix


def status_name(status: str, locale: str) -> str:
    key = f"orders.status.{status}"
    texts = catalogue(locale)
    return texts.text(key) if key in texts.entries else status


def parse_order_number(raw: str) -> int | None:
    """1234 from "1234", "#1234", "№ 1234", "B2B-1234" or "order 1234"; None when there is no sane number."""
    numbers = _NUMBER.findall(_B2B_PREFIX.sub("", raw))
    if len(numbers) != 1:
        return None
    value = int(numbers[0])
    return value if 0 < value <= MAX_ORDER_ID else None


def _int_arg(ctx: Ctx, index: int) -> int | None:
    if index >= len(ctx.args):
        return None
    return parse_order_number(ctx.args[index])


# My orders ----------------------------------------------------------------------------------------


async def show_orders(ctx: Ctx) -> Sequence[Outbound]:
    if ctx.actor.is_guest:
        return guest_refusal(ctx.locale)
    offset = int(ctx.args[0]) if ctx.args and ctx.args[0].isdigit() else 0
    pending: list[Button] = []
    async with ctx.services.uow() as uow:
        page = await orders.list_orders(uow.session, ctx.actor, limit=PAGE, offset=offset)
        if offset == 0 and ctx.actor.role in orders.APPROVER_ROLES:  # what waits for this approver, first
            waiting = await orders.list_orders(uow.session, ctx.actor, status=OrderStatus.AWAITING_APPROVAL,
                                               limit=PAGE)
            pending = [Button(ctx.t("orders.list.to_approve", id=str(item.id),
                                    total=format_money(item.total, item.currency, ctx.locale)),
                              encode_payload("track", item.id)) for item in waiting.items]
    if not page.items:
        return [Buttons(ctx.t("orders.list.empty"), [menu_button(ctx.locale)])]
    buttons = [
        Button(ctx.t("orders.list.row", id=str(item.id), status=status_name(item.status, ctx.locale),
                     total=format_money(item.total, item.currency, ctx.locale)),
               encode_payload("track", item.id))
        for item in page.items
    ]
    if offset + PAGE < page.total:
        buttons.append(Button(ctx.t("orders.list.more"), encode_payload("orders", offset + PAGE)))
    buttons.append(menu_button(ctx.locale))
    header = ctx.t("orders.list.header", first=offset + 1, last=offset + len(page.items), total=page.total)
    if pending:
        header = ctx.t("orders.list.awaiting_you", count=len(pending)) + "\n" + header
    return [Buttons(header, [*pending, *buttons])]


# Tracking -----------------------------------------------------------------------------------------


async def ask_order(ctx: Ctx) -> Sequence[Outbound]:
    async with ctx.services.uow() as uow:
        page = await orders.list_orders(uow.session, ctx.actor, limit=RECENT_CHOICES)
    choices = [ctx.choice(f"№{item.id} · {status_name(item.status, ctx.locale)}", item.id) for item in page.items]
    return [Buttons(ctx.t("orders.track.ask"), [*choices, cancel_button(ctx.locale)])]


async def check_order(answer: Answer, ctx: Ctx) -> Validation:
    """An order by its number, or by its place: "my last order", "статус последнего заказа", "позапрошлый"."""
    number = parse_order_number(answer.choice or answer.text or "")
    if number is not None:
        return Accept(number)
    back = _orders_back(answer.text or "")
    if back is not None and not ctx.actor.is_guest:
        async with ctx.services.uow() as uow:
            page = await orders.list_orders(uow.session, ctx.actor, limit=1, offset=back)
        if page.items:
            return Accept(page.items[0].id)
    return Reject("orders.track.bad_number")


def _orders_back(text: str) -> int | None:
    """How many orders back a message points (0: the last one, 1: the one before), or None when it names none."""
    words = set(re.findall(r"[^\W\d_]+", text.casefold().replace("ё", "е")))
    if words & typed_words("orders.track.previous_words") or {"before", "last"} <= words:
        return 1  # "позапрошлый", "the one before last"
    if words & typed_words("orders.track.last_words"):
        return 0
    return None



CARD_LINES = 10  # an order card lists this many of its lines, then says how many more


def _needs_order(ctx: Ctx) -> bool:
    return not ctx.actor.is_guest and not ctx.args


async def show_tracking(ctx: Ctx) -> Sequence[Outbound]:
    if ctx.actor.is_guest:
        return guest_refusal(ctx.locale)
    order_id = _int_arg(ctx, 0) or int(ctx.slots["order"])
    try:
        async with ctx.services.uow() as uow:
            tracking = await orders.track_order(uow.session, ctx.actor, order_id)
    except NotFound:  # unknown, or another company's: the same answer, so nothing leaks
        return [Buttons(ctx.t("orders.track.not_yours", id=str(order_id)),
                        [Button(ctx.t("orders.track.list_button"), encode_payload("orders")), menu_button(ctx.locale)])]
    order = tracking.order
    lines = [
        ctx.t("orders.track.header", id=str(order.id), status=status_name(order.status, ctx.locale)),
        ctx.t("orders.track.total", total=format_money(order.total, order.currency, ctx.locale),
              count=len(order.lines)),
    ]
    lines += [ctx.t("orders.track.line", name=line.name, sku=line.sku,
                    quantity=format_quantity(Decimal(line.quantity), ctx.locale),
                    total=format_money(line.line_total, order.currency, ctx.locale))
              for line in order.lines[:CARD_LINES]]
    if len(order.lines) > CARD_LINES:
        lines.append(ctx.t("orders.track.more_lines", count=len(order.lines) - CARD_LINES))
    lines += ["", ctx.t("orders.track.history")]
    lines.extend(ctx.t("orders.track.stage", at=format_date(stage.at, ctx.locale),
                       status=status_name(stage.status, ctx.locale)) for stage in tracking.stages)
    for shipment in tracking.shipments:
        tracking_no = ctx.t("orders.track.tracking", number=shipment.tracking_number) if shipment.tracking_number \
            else ""
        lines += ["", ctx.t("orders.track.shipment", carrier=shipment.carrier, tracking=tracking_no,
                            stage=shipment.stage)]
        lines.extend(ctx.t("orders.track.shipment_stage", at=format_date(s.at, ctx.locale), stage=s.stage,
                           location=f" ({s.location})" if s.location else "") for s in shipment.stages)
    lines.append("")
    if tracking.eta is not None and order.status not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        lines.append(ctx.t("orders.track.eta", date=format_date(tracking.eta, ctx.locale)))
    elif order.status not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        lines.append(ctx.t("orders.track.no_eta"))
    buttons: list[Button] = []
    if order.status == OrderStatus.AWAITING_APPROVAL and ctx.actor.role in orders.APPROVER_ROLES:
        # An approver who missed (or lost) the request decides here, with the request's own buttons.
        buttons += decision_buttons(ctx.locale, order.id)[:2]
    if order.status in orders.CLIENT_CANCELLABLE:
        buttons.append(Button(ctx.t("orders.track.cancel_button"), encode_payload("ocancel", order.id)))
    if order.status != OrderStatus.CANCELLED:
        buttons.append(Button(ctx.t("orders.track.invoice_button"), encode_payload("invoice", order.id)))
    buttons += [Button(ctx.t("orders.track.repeat_button"), encode_payload("repeat", order.id)),
                Button(ctx.t("orders.track.list_button"), encode_payload("orders")),
                menu_button(ctx.locale)]
    return [Buttons("\n".join(lines).strip(), buttons)]


# Invoices -----------------------------------------------------------------------------------------


async def send_invoice(ctx: Ctx) -> Sequence[Outbound]:
    """The order's invoice as a file: the accounting system's own, else one laid out from the ledger's entry."""
    if ctx.actor.is_guest:
        return guest_refusal(ctx.locale)
    order_id = _int_arg(ctx, 0) or int(ctx.slots["order"])
    buttons = [Button(ctx.t("notify.track_button"), encode_payload("track", order_id)), menu_button(ctx.locale)]
    try:
        async with ctx.services.uow() as uow:
            invoice = await invoices.invoice_of(uow.session, ctx.actor, order_id)
    except NotFound:  # unknown, or another company's: the same answer, so nothing leaks
        return [Buttons(ctx.t("orders.track.not_yours", id=str(order_id)), buttons[1:])]
    if invoice is None:
        return [Buttons(ctx.t("orders.invoice.none_yet", id=str(order_id)), buttons)]
    due = (ctx.t("orders.invoice.due", date=format_date(invoice.due_on, ctx.locale))
           if invoice.due_on is not None else "")
    caption = ctx.t("orders.invoice.caption", number=invoice.number, id=str(order_id),
                    amount=format_money(invoice.amount, invoice.currency, ctx.locale), due=due)
    if invoice.file is not None:
        file = invoice.file
        document = DocumentOut(file.filename, file.content_type, file.content, caption)
    else:
        document = DocumentOut(f"invoice_{_safe(invoice.number)}.html", "text/html; charset=utf-8",
                               invoice_html(ctx, invoice), caption)
    return [document, Buttons(ctx.t("menu.title"), buttons)]


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:60] or "invoice"


def invoice_html(ctx: Ctx, invoice: invoices.OrderInvoice) -> bytes:
    """A printable invoice (HTML, every value escaped) laid out from the ledger's entry and the order's lines."""
    order = invoice.order

    def money(amount: Decimal) -> str:
        return format_money(amount, invoice.currency, ctx.locale)

    def cell(value: object) -> str:
        return f"<td>{html.escape(str(value))}</td>"

    rows = "".join(
        f"<tr>{cell(line.sku)}{cell(line.name)}{cell(format_quantity(line.quantity, ctx.locale))}"
        f"{cell(money(line.unit_price))}{cell(money(line.line_total))}</tr>" for line in order.lines)
    head = "".join(f"<th>{html.escape(ctx.t(f'orders.invoice.col_{c}'))}</th>"
                   for c in ("sku", "name", "quantity", "price", "total"))
    title = html.escape(ctx.t("orders.invoice.title", number=invoice.number,
                              date=format_date(invoice.issued_on, ctx.locale)))
    facts = [ctx.t("orders.invoice.buyer", name=invoice.company_name, tax_id=invoice.company_tax_id or "—"),
             ctx.t("orders.invoice.order", id=str(order.id))]
    if invoice.due_on is not None:
        facts.append(ctx.t("orders.invoice.pay_by", date=format_date(invoice.due_on, ctx.locale)))
    totals = [ctx.t("orders.invoice.subtotal", amount=money(order.subtotal))]
    if order.discount:
        totals.append(ctx.t("orders.invoice.discount", amount=money(order.discount)))
    if order.delivery_cost:
        totals.append(ctx.t("orders.invoice.delivery", amount=money(order.delivery_cost)))
    totals.append(ctx.t("orders.invoice.amount", amount=money(invoice.amount)))
    body = (f"<h1>{title}</h1>" + "".join(f"<p>{html.escape(fact)}</p>" for fact in facts)
            + f"<table><tr>{head}</tr>{rows}</table>" + "".join(f"<p>{html.escape(x)}</p>" for x in totals))
    page = (f'<!doctype html><html lang="{ctx.locale}"><head><meta charset="utf-8"><title>{title}</title>'
            "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;"
            f"padding:4px 8px}}</style></head><body>{body}</body></html>")
    return page.encode("utf-8")


# Cancelling ---------------------------------------------------------------------------------------


async def ask_cancel(ctx: Ctx) -> Sequence[Outbound]:
    return [Buttons(ctx.t("orders.cancel.ask", id=ctx.args[0] if ctx.args else "?"),
                    [ctx.choice(ctx.t("orders.cancel.confirm"), "y"), ctx.choice(ctx.t("orders.cancel.keep"), "n")])]


async def check_cancel(answer: Answer, ctx: Ctx) -> Validation:
    if answer.choice in ("y", "n"):
        return Accept(answer.choice)
    said = (answer.text or "").strip().casefold()
    for locale in ("en", "ru"):
        texts = catalogue(locale)
        if said in (texts.text("common.yes").casefold(), texts.text("orders.cancel.confirm").casefold()):
            return Accept("y")
        if said in (texts.text("common.no").casefold(), texts.text("orders.cancel.keep").casefold()):
            return Accept("n")
    return Reject("errors.invalid_input")


async def cancel_order(ctx: Ctx) -> Sequence[Outbound]:
    if ctx.actor.is_guest:
        return guest_refusal(ctx.locale)
    order_id = _int_arg(ctx, 0)
    if order_id is None:
        return [TextOut(ctx.t("engine.button_expired")), menu_button_message(ctx)]
    track = Button(ctx.t("orders.track.list_button"), encode_payload("orders"))
    if ctx.slots.get("confirm") != "y":
        return [Buttons(ctx.t("orders.cancel.kept", id=str(order_id)),
                        [Button(ctx.t("notify.track_button"), encode_payload("track", order_id)), track])]
    services = ctx.services
    try:
        async with services.uow() as uow:
            change = await orders.cancel_order(uow, ctx.actor, order_id, services.settings, services.clock)
            await uow.commit()
    except IllegalTransition:  # it moved on (shipped, say) since its card was shown: said once, not asked again
        return [Buttons(ctx.t("orders.cancel.too_late", id=str(order_id)),
                        [Button(ctx.t("notify.track_button"), encode_payload("track", order_id)), track])]
    await orders.send(services.core.notifier, change.notifications)
    return [Buttons(ctx.t("orders.cancel.done", id=str(order_id)), [track, menu_button(ctx.locale)])]


def menu_button_message(ctx: Ctx) -> Buttons:
    return Buttons(ctx.t("menu.title"), [menu_button(ctx.locale)])


# Repeating ----------------------------------------------------------------------------------------


async def repeat_order(ctx: Ctx) -> Sequence[Outbound]:
    if ctx.actor.is_guest:
        return guest_refusal(ctx.locale)
    slot = ctx.slots.get("order")
    order_id = _int_arg(ctx, 0) or (int(slot) if slot is not None else None)
    services = ctx.services
    async with services.uow() as uow:
        result = await orders.repeat_order(uow.session, ctx.actor, services.settings, order_id)
        await uow.commit()
    source = str(result.source_order_id)
    lines: list[str] = []
    if result.added:
        lines.append(ctx.t("orders.repeat.added", id=source))
        lines.extend(ctx.t("orders.repeat.added_line", sku=line.sku, name=line.name,
                           quantity=format_quantity(Decimal(line.added), ctx.locale)) for line in result.added)
    else:
        lines.append(ctx.t("orders.repeat.nothing", id=source))
    if result.adjusted:
        lines += ["", ctx.t("orders.repeat.adjusted")]
        lines.extend(ctx.t("orders.repeat.adjusted_line", sku=line.sku, ordered=line.ordered, quantity=line.quantity)
                     for line in result.adjusted)
    if result.skipped:
        lines += ["", ctx.t("orders.repeat.skipped")]
        lines.extend(ctx.t("orders.repeat.skipped_line", sku=line.sku, name=line.name,
                           reason=_reason(line.reason, ctx.locale)) for line in result.skipped)
    buttons = [Button(ctx.t("orders.repeat.cart_button"), encode_payload("cart"))]
    if result.added:
        buttons.append(Button(ctx.t("orders.repeat.checkout_button"), encode_payload("checkout")))
    buttons.append(menu_button(ctx.locale))
    return [Buttons("\n".join(lines), buttons)]


def _reason(code: str, locale: str) -> str:
    key = f"orders.repeat.reason.{code}"
    texts = catalogue(locale)
    return texts.text(key if key in texts.entries else "orders.repeat.reason.other")


def _never(ctx: Ctx) -> bool:
    return False  # filled only from the message that started the flow ("repeat order 1234")


FLOWS: tuple[Flow[Services], ...] = (
    Flow[Services](name="orders", title_key="orders.title_list", complete=show_orders,
                   intents=("my_orders",), actions=("orders",)),
    Flow[Services](name="track", title_key="orders.title_track", complete=show_tracking,
                   steps=(Step[Services]("order", ask_order, check_order, entity="order_number",
                                         ask_if=_needs_order, from_message=True),),
                   intents=("track_order",), mentions=("order_number",), actions=("track",)),
    Flow[Services](name="invoice", title_key="orders.title_invoice", complete=send_invoice,
                   steps=(Step[Services]("order", ask_order, check_order, entity="order_number",
                                         ask_if=_needs_order, from_message=True),),
                   intents=("invoice_request",), actions=("invoice",)),
    Flow[Services](name="ocancel", title_key="orders.title_cancel", complete=cancel_order,
                   steps=(Step[Services]("confirm", ask_cancel, check_cancel,
                                         ask_if=lambda ctx: not ctx.actor.is_guest),),
                   actions=("ocancel",)),
    Flow[Services](name="repeat", title_key="orders.title_repeat", complete=repeat_order,
                   steps=(Step[Services]("order", "orders.track.ask", check_order, entity="order_number",
                                         ask_if=_never, from_message=True),),
                   intents=("repeat_order",), actions=("repeat",)),
)
