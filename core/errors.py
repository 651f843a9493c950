"""Errors the domain raises; every outer layer turns them into a clear answer for its user."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the domain refuses. `code` is stable for translation; `details` fill the message."""

    code = "domain_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"


class AccessDenied(DomainError):
    """The actor may not see or change this. Outer layers answer it like `NotFound`, leaking nothing."""

    code = "access_denied"


class InvalidInput(DomainError):
    code = "invalid_input"


class InsufficientStock(DomainError):
    code = "insufficient_stock"


class QuantityRuleViolation(DomainError):
    """Pack size, minimum order quantity or an absurd quantity."""

    code = "quantity_rule"


class IllegalTransition(DomainError):
    code = "illegal_transition"


class CreditRefused(DomainError):
    code = "credit_refused"


class QuoteExpired(InvalidInput):
    """The chosen delivery quote is past its `valid_until`: the client must ask for a fresh one."""

    code = "quote_expired"
