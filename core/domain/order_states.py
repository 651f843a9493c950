"""The order state machine: which status may follow which."""

from __future__ import annotations

from core.errors import IllegalTransition
from core.models.orders import OrderStatus

S = OrderStatus

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PLACED: frozenset({S.AWAITING_APPROVAL, S.CONFIRMED, S.CANCELLED}),
    S.AWAITING_APPROVAL: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.IN_PRODUCTION, S.READY, S.CANCELLED}),
    S.IN_PRODUCTION: frozenset({S.READY, S.CANCELLED}),
    S.READY: frozenset({S.SHIPPED, S.DELIVERED, S.CANCELLED}),  # pickup goes straight to delivered
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}

OPEN_STATUSES = frozenset(s for s in OrderStatus if s not in (S.DELIVERED, S.CANCELLED))
# Stock stays reserved until the goods leave the warehouse.
RESERVING_STATUSES = frozenset({S.PLACED, S.AWAITING_APPROVAL, S.CONFIRMED, S.IN_PRODUCTION, S.READY})


def check_transition(current: OrderStatus, target: OrderStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(
            f"an order that is {current.value} cannot become {target.value}",
            current=current.value,
            target=target.value,
        )
