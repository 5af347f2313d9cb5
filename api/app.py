"""The FastAPI application: one tracker and one set of read models per process.

Both are built when the app starts (or handed in by the caller, who then
keeps ownership) and closed when it stops. With `background`, the lifespan
also runs the projection runner and, when enabled, the reminder scheduler.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from api import agreements, browse, calendar, errors, health, openapi, reminders, schemas
from api.deps import declared_query, get_actor
from api.http import HeadAsGet, OnePathForm, PlainQuery
from api.limits import BodyLimit
from projections.runner import ProjectionRunner
from projections.service import ReadModels
from tracker.application import Tracker
from tracker.clock import Clock
from tracker.scheduler import ReminderScheduler
from tracker.settings import Settings

DESCRIPTION = """\
Lifecycle tracker for cooperation agreements. Every change is an event; the
state of an agreement is the fold of its events, at any date, version or
moment of knowledge. Errors share one shape:
`{"error": {"code", "message", "details": [...]}}`.
"""

GZIP_MIN_BYTES = 1000
"""Smaller answers are sent as they are: compressing them saves less than it costs."""


def create_app(
    settings: Settings,
    *,
    tracker: Tracker | None = None,
    read_models: ReadModels | None = None,
    clock: Clock | None = None,
    background: bool = True,
) -> FastAPI:
    clock = clock or (tracker.clock if tracker else settings.clock)
    # Objects handed in are the caller's to close; the lifespan closes what it opens.

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if tracker is None:
                app.state.tracker = _open_tracker(settings, clock)
                stack.callback(app.state.tracker.close)
            if read_models is None:
                app.state.read_models = ReadModels.connect(settings.database_url)
                stack.callback(app.state.read_models.close)
            if background:
                _run_in_background(stack, app, settings, clock)
            yield

    app = FastAPI(
        title="Agreement tracker",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=openapi.TAGS,
        generate_unique_id_function=openapi.operation_id,
        dependencies=[Depends(declared_query)],
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.tracker = tracker
    app.state.read_models = read_models
    errors.install(app)
    openapi.install(app, settings)
    authenticated = [Depends(get_actor)]  # every /api request, reads too
    app.include_router(agreements.router, dependencies=authenticated)
    app.include_router(browse.router, dependencies=authenticated)
    app.include_router(reminders.router, dependencies=authenticated)
    app.include_router(calendar.router, dependencies=authenticated)
    app.include_router(schemas.router)
    app.include_router(health.router)
    # Outermost last: HEAD and the path form are settled before anything else sees the request.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(PlainQuery)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES)
    app.add_middleware(OnePathForm)
    app.add_middleware(HeadAsGet)
    return app


def _open_tracker(settings: Settings, clock: Clock) -> Tracker:
    return Tracker.connect(
        settings.database_url, clock=clock, snapshot_interval=settings.snapshot_interval
    )


def _run_in_background(
    stack: AsyncExitStack, app: FastAPI, settings: Settings, clock: Clock
) -> None:
    runner = ProjectionRunner(app.state.tracker, app.state.read_models)
    runner.start()
    stack.callback(runner.stop)
    if settings.scheduler:
        scheduler = ReminderScheduler(app.state.tracker, app.state.read_models, settings, clock)
        scheduler.start()
        stack.callback(scheduler.shutdown)
