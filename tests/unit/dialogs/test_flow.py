"""Flow definitions and the registry refuse what would break routing or overflow a button payload."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from core.errors import InvalidInput
from core.messaging import FileUpload, Outbound, Text
from dialogs.flow import Flow, FlowRegistry, Step


async def done(ctx: object) -> Sequence[Outbound]:
    return []


def flow(name: str, **options: object) -> Flow[None]:
    return Flow(name=name, title_key="menu.cart", complete=done, **options)  # type: ignore[arg-type]


def test_two_flows_cannot_claim_one_intent_or_action() -> None:
    registry = FlowRegistry([flow("a", intents=("balance",), actions=("bal",))])
    with pytest.raises(ValueError, match="intent 'balance'"):
        registry.register(flow("b", intents=("balance",)))
    with pytest.raises(ValueError, match="action 'bal'"):
        registry.register(flow("c", actions=("bal",)))
    with pytest.raises(ValueError, match="twice"):
        registry.register(flow("a"))


@pytest.mark.parametrize("action", ["a", "g.menu"])
def test_engine_actions_are_reserved(action: str) -> None:
    with pytest.raises(ValueError, match="reserved"):
        FlowRegistry([flow("x", actions=(action,))])


def test_step_names_must_be_unique_and_short_enough_for_answer_buttons() -> None:
    with pytest.raises(ValueError, match="two steps"):
        flow("x", steps=[Step("s", "menu.cart"), Step("s", "menu.cart")])
    with pytest.raises(InvalidInput):
        flow("checkout", steps=[Step("a_step_name_far_too_long_for_a_telegram_callback", "menu.cart")])


def test_registry_finds_flows_by_intent_action_and_upload() -> None:
    upload = flow("upload", uploads=(FileUpload,))
    balance = flow("balance", intents=("balance",), actions=("bal",))
    registry = FlowRegistry([upload, balance])
    assert registry.for_intent("balance") is balance
    assert registry.for_action("bal") is balance
    assert registry.for_upload(FileUpload("a.csv", "text/csv", b"", size=0)) is upload
    assert registry.for_upload(Text("hi")) is None
    assert registry.for_intent("unknown") is None
