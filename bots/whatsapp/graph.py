"""The WhatsApp Cloud API over HTTP: send a message, upload and download media. Nothing else, and no state.

httpx directly rather than pywa: pywa's client writes graph.facebook.com over the base URL of the session it is
given (`WHATSAPP_API_BASE` must reach a proxy or the tests' fake), and it carries webhook handling, listeners
and an in-memory dedupe of updates that b2bot keeps in its database instead, where restarts and other
processes see it. What b2bot needs of the Graph API is five calls.

The access token travels in the Authorization header of each request and is never logged or put in an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from core.config import Settings

DEFAULT_TIMEOUT_S = 15.0


class GraphError(Exception):
    """The Graph API refused a call; `code` is Meta's error code (130429 throttled, 131026 undeliverable, ...)."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(f"HTTP {status}, code {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class MediaInfo:
    url: str
    mime_type: str | None
    file_size: int | None


class GraphApi:
    """The calls b2bot makes, for one business phone number."""

    def __init__(self, http: httpx.AsyncClient, *, base_url: str, token: str, phone_number_id: str) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._auth = {"Authorization": f"Bearer {token}"}
        self.phone_number_id = phone_number_id

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send_message(self, to: str, body: dict[str, Any]) -> str:
        """Post one message object to `to`; the message id (`wamid...`) WhatsApp gave it."""
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **body}
        answer = await self._json("POST", f"{self._base}/{self.phone_number_id}/messages", json=payload)
        messages = answer.get("messages")
        if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
            raise GraphError(200, None, "the answer names no sent message")
        return str(messages[0].get("id") or "")

    async def mark_read(self, message_id: str, *, typing: bool = False) -> None:
        """Show the user's message as read and, with `typing`, a typing indicator until the answer (or 25 s)."""
        payload: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
        if typing:
            payload["typing_indicator"] = {"type": "text"}
        await self._json("POST", f"{self._base}/{self.phone_number_id}/messages", json=payload)

    async def upload_media(self, filename: str, content_type: str, data: bytes) -> str:
        """Upload a file for sending; its media id."""
        answer = await self._json(
            "POST", f"{self._base}/{self.phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": content_type},
            files={"file": (filename, data, content_type)},
        )
        media_id = answer.get("id")
        if not media_id:
            raise GraphError(200, None, "the upload answer has no media id")
        return str(media_id)

    async def media_info(self, media_id: str) -> MediaInfo:
        """Where a received file can be downloaded (for five minutes), its type and size."""
        answer = await self._json("GET", f"{self._base}/{media_id}")
        url = answer.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise GraphError(200, None, "the media answer has no download URL")
        size = answer.get("file_size")
        return MediaInfo(url, answer.get("mime_type"), int(size) if isinstance(size, int | str) and
                         str(size).isdigit() else None)

    async def download(self, url: str, *, max_bytes: int) -> bytes | None:
        """The file at `url` (which needs the token too), or None when it is larger than `max_bytes`."""
        async with self._http.stream("GET", url, headers=self._auth) as response:
            if response.status_code >= 400:
                await response.aread()
                raise _error(response)
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data.extend(chunk)
                if len(data) > max_bytes:
                    return None
        return bytes(data)

    async def _json(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = await self._http.request(method, url, headers=self._auth, **kwargs)
        if response.status_code >= 400:
            raise _error(response)
        try:
            answer = response.json()
        except ValueError as exc:
            raise GraphError(response.status_code, None, "the answer is not JSON") from exc
        if not isinstance(answer, dict):
            raise GraphError(response.status_code, None, "the answer is not a JSON object")
        return answer


def _error(response: httpx.Response) -> GraphError:
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code = error.get("code") if isinstance(error, dict) else None
    message = str(error.get("message") or error.get("error_user_msg") or "") if isinstance(error, dict) else ""
    return GraphError(response.status_code, int(code) if isinstance(code, int) else None,
                      message[:300] or response.reason_phrase)


def create_graph_api(settings: Settings, http: httpx.AsyncClient | None = None) -> GraphApi:
    """The Graph API client configured by `WHATSAPP_ACCESS_TOKEN`, `WHATSAPP_PHONE_NUMBER_ID`, `WHATSAPP_API_BASE`."""
    if settings.whatsapp_access_token is None or not settings.whatsapp_phone_number_id:
        raise ValueError("WhatsApp needs WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID")
    return GraphApi(http or httpx.AsyncClient(timeout=DEFAULT_TIMEOUT_S), base_url=settings.whatsapp_api_base,
                    token=settings.whatsapp_access_token.get_secret_value(),
                    phone_number_id=settings.whatsapp_phone_number_id)
