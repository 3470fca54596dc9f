"""Schemathesis (4.x) against the app's own /openapi.json, with and without the admin token.

Every generated request must answer without a 5xx and as the document says (status listed, body
matching its schema, declared media type). Bounded: a few examples per operation, on the tiny
network of tests/netfixture.py, in-process (WSGI), so the module stays well under two minutes.
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.conftest import ADMIN_TOKEN, auth, module_data
from tests.netfixture import load_small_network

_data = module_data(load_small_network, name="_data")
EXAMPLES = int(os.environ.get("DAOAN_FUZZ_EXAMPLES", "5"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
SEEN: Counter[str] = Counter()
TIMES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def api_schema(app, _data):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    line = f"fuzz: {SEEN['requests']} requests, {SEEN['5xx']} answered 5xx"
    print(f"\n{line}")  # shown with -s (the terminal reporter's line can be lost at module teardown)
    if reporter is not None:
        reporter.write_line(line)
        slow = ", ".join(f"{label} {t:.1f} s" for label, t in TIMES.most_common(8))
        reporter.write_line(f"fuzz: slowest operations: {slow}")


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: every failure is reported as found
)


def _call(case, headers):
    response = case.call(headers=headers)
    SEEN["requests"] += 1
    if response.status_code >= 500:
        SEEN["5xx"] += 1
    case.validate_response(response, checks=CHECKS, headers=headers)


def _fuzz(api_schema, mode: GenerationMode, headers: dict[str, str] | None) -> list[str]:
    """Failures (one line each) of every operation fuzzed in `mode`."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @SETTINGS
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            _call(case, headers)

        started = time.perf_counter()
        try:
            run()
        except Unsatisfiable:
            pass  # negative mode: nothing to make invalid in an operation without parameters
        except Exception as exc:
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
        TIMES[operation.label] += time.perf_counter() - started
    return failures


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
@pytest.mark.parametrize("token", [None, ADMIN_TOKEN], ids=["anonymous", "admin"])
def test_no_server_error_and_as_documented(api_schema, mode, token):
    failures = _fuzz(api_schema, mode, auth(token) if token else None)
    assert not failures, "\n\n".join(failures)
