"""The web chat wire protocol, version 1: the JSON frames the widget and the server exchange.

Client -> server: `hello` (open or resume a session), `message` (text, a button press or a file), `start`
(greet a new visitor once), `ack` (the highest sequence number shown), `ping`. Server -> client: `welcome`,
`message` (one transcript entry with its `seq`), `accepted` (an inbound message stored, or seen before),
`typing`, `error`, `pong`. Every frame carries `v`; a frame of another version is refused, not guessed at.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

VERSION = 1
MAX_TEXT = 4000
MAX_CLIENT_ID = 64


class ProtocolError(Exception):
    """A frame the server refuses: `code` is stable for programs, `message` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1]


class SignedIdentity(BaseModel):
    """What the supplier's page passes for a known customer: HMAC-SHA256 of "customer_id:timestamp"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_id: str = Field(min_length=1, max_length=90)
    timestamp: int
    signature: str = Field(min_length=1, max_length=128)


class Hello(_Frame):
    type: Literal["hello"]
    session: str | None = Field(default=None, max_length=400)
    identity: SignedIdentity | None = None
    locale: str | None = Field(default=None, max_length=16)
    after: int = Field(default=0, ge=0)  # the last seq the page already shows


class FileData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=100)
    data: str  # base64


class SendMessage(_Frame):
    """One thing the visitor sends: exactly one of text, a button payload, or a file."""

    type: Literal["message"]
    id: str = Field(min_length=1, max_length=MAX_CLIENT_ID, pattern=r"^[A-Za-z0-9_.:-]+$")
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    payload: str | None = Field(default=None, min_length=1, max_length=64)
    title: str | None = Field(default=None, max_length=200)  # the pressed button's title, for the transcript
    file: FileData | None = None


class Start(_Frame):
    type: Literal["start"]


class Ack(_Frame):
    type: Literal["ack"]
    seq: int = Field(ge=0)


class Ping(_Frame):
    type: Literal["ping"]


ClientFrame = Annotated[Hello | SendMessage | Start | Ack | Ping, Field(discriminator="type")]
_client_frames: TypeAdapter[Hello | SendMessage | Start | Ack | Ping] = TypeAdapter(ClientFrame)


def parse_client_frame(raw: str | bytes) -> Hello | SendMessage | Start | Ack | Ping:
    """A client frame, or `ProtocolError` saying what is wrong with it."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("invalid_json", "the frame is not valid JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError("invalid_frame", "a frame is a JSON object")
    if data.get("v") != VERSION:
        raise ProtocolError("unsupported_version", f"this server speaks protocol version {VERSION}")
    try:
        frame = _client_frames.validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "frame"
        raise ProtocolError("invalid_frame", f"{where}: {first['msg']}") from None
    if isinstance(frame, SendMessage):
        given = [part for part in (frame.text, frame.payload, frame.file) if part is not None]
        if len(given) != 1:
            raise ProtocolError("invalid_frame", "a message has exactly one of text, payload or file")
    return frame


def parse_message(data: Any) -> SendMessage:
    """A `message` frame from an already decoded body (the HTTP fallback)."""
    frame = parse_client_frame(json.dumps(data))
    if not isinstance(frame, SendMessage):
        raise ProtocolError("invalid_frame", "expected a message frame")
    return frame


# Server frames: plain dicts built here so every one carries the version. --------------------------


def welcome(session: str, *, customer: bool, last_seq: int, locale: str | None) -> dict[str, Any]:
    return {"v": VERSION, "type": "welcome", "session": session, "customer": customer, "last_seq": last_seq,
            "locale": locale}


def message(seq: int, direction: str, body: dict[str, Any], at: str) -> dict[str, Any]:
    return {"v": VERSION, "type": "message", "seq": seq, "direction": direction, "at": at, **body}


def accepted(client_id: str, seq: int, *, duplicate: bool) -> dict[str, Any]:
    return {"v": VERSION, "type": "accepted", "id": client_id, "seq": seq, "duplicate": duplicate}


def typing(on: bool) -> dict[str, Any]:
    return {"v": VERSION, "type": "typing", "on": on}


def error(code: str, text: str, *, client_id: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"v": VERSION, "type": "error", "code": code, "message": text}
    if client_id is not None:
        frame["id"] = client_id
    return frame


def pong() -> dict[str, Any]:
    return {"v": VERSION, "type": "pong"}
