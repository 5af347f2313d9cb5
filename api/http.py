"""What every request gets before routing: HEAD answered as GET, one form of each path,
and query parameters free of control characters.

Pure ASGI middleware, so each applies to every route alike (included routers,
the OpenAPI document and the health checks too) at no cost per endpoint.
"""

from __future__ import annotations

import unicodedata

from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import invalid_input_response

TEXT_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f]*$"
"""What the OpenAPI document says of every text parameter: no control characters."""


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in text)


class HeadAsGet:
    """HEAD is GET without the body (RFC 9110 9.3.2), wherever GET is served.

    The route sees a GET; the headers, Content-Length included, are the GET's.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        # A copy: the server keeps its own scope, where the method is still HEAD.
        await self.app({**scope, "method": "GET"}, receive, headers_only)


class OnePathForm:
    """`/api/agreements/` is answered as `/api/agreements`.

    A redirect would need an absolute URL, built from a Host header the client
    controls; answering both forms needs nothing.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/") or "/"}
        await self.app(scope, receive, send)


class PlainQuery:
    """A query parameter with a control character (NUL included) is a 422 naming it.

    No store keeps NUL in text, and no filter or search term needs one.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            for name, value in QueryParams(scope["query_string"]).multi_items():
                if has_control_characters(value):
                    response = invalid_input_response(
                        f"query.{name}", "must not contain control characters"
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
