"""RasaHttpBackend: Rasa's answer when it has one, the embedded backend on timeout, 5xx or junk."""

from __future__ import annotations

import json

import httpx

from nlu.backends import NluBackend, RasaHttpBackend
from nlu.types import IntentScore, ParseResult

RASA_OK = {
    "text": "hi",
    "intent": {"name": "greet", "confidence": 0.98},
    "entities": [],
    "intent_ranking": [{"name": "greet", "confidence": 0.98}],
}


class RecordingFallback:
    """A FIFO-free fake backend that records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    async def parse(self, text: str, locale: str | None = None) -> ParseResult:
        self.calls.append((text, locale))
        return ParseResult(text, IntentScore("embedded", 1.0))


def backend_with(handler: httpx.MockTransport, fallback: RecordingFallback) -> RasaHttpBackend:
    client = httpx.AsyncClient(transport=handler)
    return RasaHttpBackend("http://rasa:5005/", fallback, timeout=0.5, client=client)


async def test_rasa_answer_is_used_and_request_has_rasa_shape() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=RASA_OK)

    fallback = RecordingFallback()
    result = await backend_with(httpx.MockTransport(handle), fallback).parse("hi", "en")
    assert result.intent == IntentScore("greet", 0.98)
    assert fallback.calls == []
    assert str(seen[0].url) == "http://rasa:5005/model/parse"
    assert json.loads(seen[0].content) == {"text": "hi"}


async def test_timeout_falls_back_to_embedded() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    fallback = RecordingFallback()
    result = await backend_with(httpx.MockTransport(handle), fallback).parse("hi", "ru")
    assert result.intent.name == "embedded"
    assert fallback.calls == [("hi", "ru")]


async def test_server_error_falls_back_to_embedded() -> None:
    fallback = RecordingFallback()
    transport = httpx.MockTransport(lambda request: httpx.Response(503, text="loading model"))
    result = await backend_with(transport, fallback).parse("hi")
    assert result.intent.name == "embedded"


async def test_malformed_rasa_json_falls_back_to_embedded() -> None:
    fallback = RecordingFallback()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"unexpected": True}))
    result = await backend_with(transport, fallback).parse("hi")
    assert result.intent.name == "embedded"


def test_backends_satisfy_the_protocol() -> None:
    assert isinstance(RecordingFallback(), NluBackend)
