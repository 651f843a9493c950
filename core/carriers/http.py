"""HTTP adapter to an external quoting service (an aggregator, or the supplier's logistics system).

Request: `POST <url>` with `Authorization: Bearer <token>` when a token is set, and a JSON body

    {"parcel": {"weight_kg": "12.500", "volume_m3": "0.040", "value": "15400.00", "currency": "RUB",
                "origin_city": null},
     "destination": {"city": "Kazan", "region": "Tatarstan", "address": "ul. Baumana 1"}}

(decimals as strings). Response: 2xx with a JSON list of options, or an object `{"options": [...]}`;
each option is

    {"carrier": "cdek", "service": "door", "price": "1250.00", "currency": "RUB",
     "eta_min_days": 2, "eta_max_days": 4}

with the price as a string (never a binary float). A timeout, a transport error, any other status,
malformed JSON or an invalid option raises `CarrierUnavailable`, whose message carries no secrets.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from core.ports import CarrierQuote, CarrierUnavailable, Destination, Parcel

MAX_OPTIONS = 50


class HttpOption(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    carrier: str = Field(min_length=1, max_length=50)
    service: str = Field(min_length=1, max_length=100)
    price: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    eta_min_days: int = Field(ge=0, le=365, strict=True)
    eta_max_days: int = Field(ge=0, le=365, strict=True)

    @field_validator("price", mode="before")
    @classmethod
    def _price_is_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError('price must be a decimal string such as "1250.00"')
        return value

    @model_validator(mode="after")
    def _eta_range(self) -> HttpOption:
        if self.eta_max_days < self.eta_min_days:
            raise ValueError("eta_max_days is before eta_min_days")
        return self


HttpOptions = Annotated[list[HttpOption], Field(max_length=MAX_OPTIONS)]


class HttpQuoteResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")

    options: HttpOptions


_RESPONSE: TypeAdapter[list[HttpOption] | HttpQuoteResponse] = TypeAdapter(HttpOptions | HttpQuoteResponse)


def request_body(parcel: Parcel, destination: Destination) -> dict[str, Any]:
    return {
        "parcel": {
            "weight_kg": str(parcel.weight_kg),
            "volume_m3": str(parcel.volume_m3),
            "value": str(parcel.value),
            "currency": parcel.currency,
            "origin_city": parcel.origin_city,
        },
        "destination": {"city": destination.city, "region": destination.region, "address": destination.address},
    }


class HttpCarrier:
    """Asks the external service; the options it returns keep the carrier names it gives.

    Pass a shared `httpx.AsyncClient` (the composition root's, or one on `httpx.MockTransport` in
    tests); without one, each quote opens and closes its own.
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout_s: float = 3.0,
        client: httpx.AsyncClient | None = None,
        name: str = "http",
    ) -> None:
        self.name = name
        self._url = url
        self._token = token
        self._timeout_s = timeout_s
        self._client = client
        # Only scheme and host go into messages: a path or query may carry an API key.
        parts = urlsplit(url)
        self._where = f"{parts.scheme}://{parts.hostname or '?'}"

    async def quote(self, parcel: Parcel, destination: Destination) -> list[CarrierQuote]:
        response = await self._post(request_body(parcel, destination))
        if not response.is_success:
            raise CarrierUnavailable(f"{self._where} answered HTTP {response.status_code}")
        try:
            parsed = _RESPONSE.validate_json(response.content)
        except ValidationError as error:
            first = error.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(part) for part in first["loc"]) or "body"
            raise CarrierUnavailable(
                f"{self._where} sent an unusable reply ({error.error_count()} problems, first at {where}: "
                f"{first['msg']})"
            ) from None
        options = parsed.options if isinstance(parsed, HttpQuoteResponse) else parsed
        return [
            CarrierQuote(o.carrier, o.service, o.price, o.currency, o.eta_min_days, o.eta_max_days) for o in options
        ]

    async def _post(self, body: dict[str, Any]) -> httpx.Response:
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            # httpx times each phase separately; the outer limit caps the whole exchange.
            async with asyncio.timeout(self._timeout_s):
                if self._client is not None:
                    return await self._client.post(self._url, json=body, headers=headers, timeout=self._timeout_s)
                async with httpx.AsyncClient(timeout=self._timeout_s) as client:
                    return await client.post(self._url, json=body, headers=headers)
        except (TimeoutError, httpx.TimeoutException):
            raise CarrierUnavailable(f"{self._where} did not answer within {self._timeout_s:g} s") from None
        except httpx.HTTPError as error:
            # The exception text may quote the full URL; its type says enough.
            raise CarrierUnavailable(f"{self._where} could not be reached ({type(error).__name__})") from None
