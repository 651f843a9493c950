"""The order state machine: the legal path, and everything else refused."""

from __future__ import annotations

import itertools

import pytest

from core.domain.order_states import OPEN_STATUSES, RESERVING_STATUSES, TRANSITIONS, check_transition
from core.errors import IllegalTransition
from core.models import OrderStatus as S

HAPPY_PATH = [S.PLACED, S.CONFIRMED, S.IN_PRODUCTION, S.READY, S.SHIPPED, S.DELIVERED]


def test_the_happy_path_is_allowed_step_by_step() -> None:
    for current, target in itertools.pairwise(HAPPY_PATH):
        check_transition(current, target)


def test_approval_sits_between_placed_and_confirmed() -> None:
    check_transition(S.PLACED, S.AWAITING_APPROVAL)
    check_transition(S.AWAITING_APPROVAL, S.CONFIRMED)
    with pytest.raises(IllegalTransition):
        check_transition(S.AWAITING_APPROVAL, S.IN_PRODUCTION)


def test_a_pickup_order_goes_from_ready_to_delivered() -> None:
    check_transition(S.READY, S.DELIVERED)


@pytest.mark.parametrize("final", [S.DELIVERED, S.CANCELLED])
def test_final_statuses_go_nowhere(final: S) -> None:
    for target in S:
        with pytest.raises(IllegalTransition):
            check_transition(final, target)


def test_shipped_goods_cannot_be_cancelled_and_steps_cannot_be_skipped_backwards() -> None:
    with pytest.raises(IllegalTransition) as refused:
        check_transition(S.SHIPPED, S.CANCELLED)
    assert refused.value.details == {"current": "shipped", "target": "cancelled"}
    with pytest.raises(IllegalTransition):
        check_transition(S.READY, S.CONFIRMED)
    with pytest.raises(IllegalTransition):
        check_transition(S.CONFIRMED, S.SHIPPED)


def test_every_status_has_a_row_and_stock_is_held_only_while_open() -> None:
    assert set(TRANSITIONS) == set(S)
    assert RESERVING_STATUSES <= OPEN_STATUSES
    assert S.SHIPPED in OPEN_STATUSES and S.SHIPPED not in RESERVING_STATUSES
