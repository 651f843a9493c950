"""Property-based run of the OpenAPI schema with schemathesis: no generated request gets a 5xx.

Requests go through the ASGI app in one event loop of the test's own (a `Runner`), so the database
pool stays on one loop; Hypothesis is derandomized and bounded, so the run is repeatable and short.
"""

from __future__ import annotations

import asyncio

import httpx
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from admin_api.main import create_admin_api
from core.bootstrap import build_core
from core.config import Settings
from tests.api.conftest import bearer, make_key

EXAMPLES_PER_OPERATION = 12


def test_no_generated_request_gets_a_server_error(settings: Settings) -> None:
    with asyncio.Runner() as runner:
        core = build_core(settings)
        api = create_admin_api(core, rate_burst=1_000_000, rate_per_second=1_000_000)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://test")
        try:
            key = runner.run(make_key(core, "admin"))
            schema = schemathesis.openapi.from_dict(api.openapi())
            failures: list[str] = []
            for result in schema.get_all_operations():
                operation = result.ok()
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                    @hypothesis_settings(
                        max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
                        suppress_health_check=list(HealthCheck),
                    )
                    @given(case=operation.as_strategy(generation_mode=mode))
                    def call(case: schemathesis.Case) -> None:
                        kwargs = case.as_transport_kwargs(base_url="http://test", headers=bearer(key))
                        response = runner.run(client.request(**_httpx_kwargs(kwargs)))
                        if response.status_code >= 500:
                            failures.append(f"{case.method} {case.formatted_path} {kwargs} -> {response.status_code}")

                    try:
                        call()
                    except Unsatisfiable:
                        # An operation with nothing to get wrong (no parameters, no body) has no negative cases.
                        assert mode == GenerationMode.NEGATIVE, operation.label
            assert not failures, "\n".join(failures[:10])
        finally:
            runner.run(client.aclose())
            runner.run(core.close())


def _httpx_kwargs(kwargs: dict[str, object]) -> dict[str, object]:
    allowed = {"method", "url", "params", "headers", "json", "content", "data", "files"}
    chosen = {k: v for k, v in kwargs.items() if k in allowed}
    if isinstance(chosen.get("data"), bytes | str):  # raw bodies are `content` to httpx
        chosen["content"] = chosen.pop("data")
    return chosen
