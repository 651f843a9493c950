"""The baseline of the turns benchmark: a bare FastAPI endpoint that only echoes the update it is posted.

Served by the same uvicorn as `b2bot serve`, on the same path, so the ratio of the two rates is what b2bot's
own work costs: `uvicorn bench.echo_app:app`.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/telegram/webhook")
async def echo(request: Request) -> Response:
    return Response(await request.body(), media_type="application/json")
