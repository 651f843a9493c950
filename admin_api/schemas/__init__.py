"""Request and response bodies, one family per resource: `XIn`, `XOut`, `Page[XOut]`."""
