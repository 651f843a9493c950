"""Who is asking: a contact of a company, or a guest. Every client-facing service takes one."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import AccessDenied


@dataclass(frozen=True, slots=True)
class Actor:
    contact_id: int | None
    company_id: int | None
    role: str = "buyer"
    locale: str = "en"

    @classmethod
    def guest(cls, locale: str = "en") -> Actor:
        return cls(contact_id=None, company_id=None, role="guest", locale=locale)

    @property
    def is_guest(self) -> bool:
        return self.company_id is None

    def require_company(self) -> int:
        """The actor's company id, or `AccessDenied` for a guest."""
        if self.company_id is None:
            raise AccessDenied("this needs a customer account")
        return self.company_id

    def require_contact(self) -> tuple[int, int]:
        """(contact id, company id), or `AccessDenied` for a guest."""
        company_id = self.require_company()
        if self.contact_id is None:
            raise AccessDenied("this needs a customer account")
        return self.contact_id, company_id

    def require_same_company(self, company_id: int | None) -> None:
        if company_id is None or company_id != self.require_company():
            raise AccessDenied("not your company's data")
