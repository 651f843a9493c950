"""A believable demo supplier for trying b2bot: catalogue, stock, prices, customers and their history.

`b2bot seed-demo` calls `seed_demo_data`; the demo logins are documented in `core.demo.companies`.
"""

from core.demo.companies import DEMO_APPROVER, DEMO_BUYER, DEMO_OVERDUE_BUYER, DEMO_PREPAID_BUYER
from core.demo.seed import DatabaseNotEmpty, DemoSummary, catalogue_is_empty, seed_demo_data

__all__ = [
    "DEMO_APPROVER",
    "DEMO_BUYER",
    "DEMO_OVERDUE_BUYER",
    "DEMO_PREPAID_BUYER",
    "DatabaseNotEmpty",
    "DemoSummary",
    "catalogue_is_empty",
    "seed_demo_data",
]
