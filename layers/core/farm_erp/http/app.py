"""The app factory every module function uses and the Lambda handler around it: the shared error contract, the
request cycle, CORS, and a 400 for an event that is not an API Gateway proxy event."""

import json
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI
from starlette.middleware.cors import CORSMiddleware

from farm_erp import openapi, snapstart
from farm_erp.http import errors
from farm_erp.http.cycle import RequestCycle
from farm_erp.observability import logger
from farm_erp.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match"]
CORS_EXPOSE_HEADERS = ["Retry-After", "Content-Disposition", "Idempotent-Replayed", "ETag"]


def create_app(title: str, routers: Sequence[APIRouter], description: str = "") -> FastAPI:
    """A module's FastAPI app with the shared contract. OpenAPI is built on demand (the local gateway's /docs)."""
    app = FastAPI(
        title=title,
        description=description,
        version=_version(),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    openapi.install(app)
    errors.install(app)
    for router in routers:
        # The router's routes themselves, not `include_router`: FastAPI analyses an included router's routes again
        # (signatures, dependencies) when a request first searches that router, ≈ 25 ms of a cold start's first
        # request for the inventory function. Nothing needs the inclusion: the routers have no prefix, and their
        # routes already carry their router's tags and dependencies. A prefix would be lost: refuse it at init.
        if router.prefix:
            raise ValueError(f"router with prefix {router.prefix!r}: declare the full paths on its routes")
        app.router.routes.extend(router.routes)
    app.add_middleware(RequestCycle)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(get_settings().allowed_origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
    )
    return app


def _version() -> str:
    from farm_erp import __version__

    return __version__


# The context type is a string: it is imported for the type checker only, never at run time.
LambdaHandler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]


def _is_rest_proxy_event(event: Any) -> bool:
    """The shape Mangum needs to recognise an API Gateway REST proxy event."""
    return (
        isinstance(event, dict)
        and isinstance(event.get("httpMethod"), str)
        and isinstance(event.get("path"), str)
        and "resource" in event
        and isinstance(event.get("requestContext"), dict)
    )


def lambda_handler(app: FastAPI) -> LambdaHandler:
    """Mangum around the app (lifespan off: it would run on every invocation), under the Powertools decorators."""
    from aws_lambda_powertools.logging import correlation_paths
    from mangum import Mangum

    from farm_erp.observability import metrics

    adapter = Mangum(app, lifespan="off")
    snapstart.register()  # the init that a SnapStart snapshot captures ends here

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
        if not _is_rest_proxy_event(event):
            logger.warning("malformed event")
            return {
                "statusCode": 400,
                "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"detail": "Malformed API Gateway event", "code": "malformed_event"}),
                "isBase64Encoded": False,
            }
        # Mangum types the same runtime object as its own Protocol with settable attributes; Powertools' class
        # has read-only properties, so the two types disagree although the object is the one Lambda passes.
        return dict(adapter(event, context))  # type: ignore[arg-type]

    wrapped: LambdaHandler = handler
    return wrapped


logging.getLogger("mangum").setLevel(logging.WARNING)
