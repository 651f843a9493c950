"""`Annotated` dependencies, so route signatures read like business inputs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.bootstrap import Core


def get_core(request: Request) -> Core:
    core = request.app.state.core
    assert isinstance(core, Core)
    return core


CoreDep = Annotated[Core, Depends(get_core)]
