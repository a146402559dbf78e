"""A JSON response for a pydantic model, serialized once by pydantic-core."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel


class ModelResponse(JSONResponse):
    """`ModelResponse(model)`: the model dumped straight to JSON bytes by pydantic-core.

    For a model the handler has just built (and so validated), FastAPI's `response_model` path would
    validate it again and go through its serialization machinery; on the busiest routes that is measurable.
    Keep `response_model=` on the route for the OpenAPI document.
    """

    def render(self, content: Any) -> bytes:
        if not isinstance(content, BaseModel):
            raise TypeError(f"ModelResponse takes a pydantic model, not {type(content).__name__}")
        return content.model_dump_json().encode()
