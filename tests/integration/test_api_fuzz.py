"""A property-based fuzz run over the OpenAPI document against a real API process.

Schemathesis generates valid and invalid requests for every operation of `/openapi.json` (its
examples, coverage and fuzzing phases) and checks every answer: never a 5xx, every status code,
content type, header and body as documented, 405 with the right `Allow` for undeclared methods.
Bounded: a few examples per operation, derandomized, so a run takes the same path every time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from backend_fastapi.api.app import create_app
from backend_fastapi.settings import Settings
from tests.support.processes import service_env, start_api

# Examples per operation and phase: ~30 operations, a couple of minutes on a busy 2-core machine.
MAX_EXAMPLES = 20

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all", "deterministic": True},
        "checks": {
            # The API validates more than JSON Schema can say (cron expressions, CSS selectors,
            # regexes, the address guard, saved pipelines that must exist), so a request the
            # schema allows may rightly get a 422 or 404. Every other check stays on, among them
            # negative_data_rejection: a request that breaks the schema is never accepted.
            "positive_data_acceptance": {"enabled": False},
            # A body over MAX_REQUEST_BYTES (a list far past its maxItems) is refused before it is
            # read: 413 is a rejection too.
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429, "5xx"]
            },
        },
        "operations": [
            {
                # `/api/pipelines/preview` is also `/api/pipelines/{ref}` with ref=preview: GET, PUT
                # and DELETE answer there too (a pipeline may be named `preview`), so `Allow`
                # rightly names more methods than the document lists for this path.
                "include-path": "/api/pipelines/preview",
                "checks": {"allow_header_conformance": {"enabled": False}},
            }
        ],
    }
)
# The document the API process serves (test_the_served_document_is_the_one_fuzzed checks that).
APP_DOCUMENT = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]
schema = schemathesis.openapi.from_dict(APP_DOCUMENT, config=CONFIG)


@pytest.fixture(scope="module")
def api_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `dataops api` on a free port with a real SQLite file; `?wait=` kept short."""
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    env = service_env(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        WAIT_MAX_SECONDS="0.2",
        # An event stream with nothing to say ends at once rather than holding the run.
        EVENTS_IDLE_SECONDS="0.2",
        SQLITE_SYNCHRONOUS="NORMAL",
        # Sessions are stored (and their secrets sealed) rather than refused for want of a key.
        SECRET_KEY="fuzz-secret",
    )
    service, base = start_api(env, tmp)
    try:
        yield base
    finally:
        service.stop()
        assert "api.unhandled_error" not in service.log(), service.log()[-4000:]


def test_the_served_document_is_the_one_fuzzed(api_base: str) -> None:
    served = httpx.get(f"{api_base}/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.json() == APP_DOCUMENT


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The health checks judge the generators' speed and filtering, not the API.
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented_and_none_is_a_server_error(
    case: schemathesis.Case, api_base: str
) -> None:
    case.call_and_validate(base_url=api_base)
