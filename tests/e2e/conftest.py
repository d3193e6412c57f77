# Fixtures for the end-to-end suite: brokers (per test and per module), kafkajs, time limits.
#
# Every fixture kills what it started, by PID, even when the test fails; a session hook kills
# any broker still registered as live. A failed test gets each of its brokers' log tails
# attached to its report.
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import broker as broker_mod  # noqa: E402
from harness import clients  # noqa: E402
from harness.broker import Broker  # noqa: E402

DEFAULT_TEST_TIMEOUT_S = 600


def _require() -> bool:
    """Under ctest a missing binary or toolchain is a failure, not a skip."""
    return os.environ.get("SLUICE_E2E_REQUIRE", "") not in ("", "0")


def _unavailable(reason: str):
    if _require():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


class BrokerFactory:
    """Makes started brokers in one directory; cleanup() kills all of them by PID."""

    def __init__(self, workdir: Path, default_overrides: dict | None = None):
        self.workdir = workdir
        self.default_overrides = dict(default_overrides or {})
        self.brokers: list[Broker] = []

    def __call__(self, name: str | None = None, overrides: dict | None = None,
                 start: bool = True) -> Broker:
        merged = dict(self.default_overrides)
        merged.update(overrides or {})
        b = Broker(self.workdir, name or f"broker{len(self.brokers)}", merged)
        self.brokers.append(b)
        if start:
            b.start()
        return b

    def cleanup(self) -> None:
        for b in self.brokers:
            b.force_cleanup()


def _check_binary() -> None:
    path = broker_mod.sluice_bin()
    if not os.access(path, os.X_OK):
        _unavailable(f"sluice binary not found at {path} (set SLUICE_BIN)")


def _module_overrides(request) -> dict:
    """A test module may set BROKER_OVERRIDES = {...} for every broker its fixtures start."""
    return dict(getattr(request.module, "BROKER_OVERRIDES", {}) or {})


@pytest.fixture
def broker_factory(request, tmp_path):
    _check_binary()
    f = BrokerFactory(tmp_path, _module_overrides(request))
    request.node._sluice_factories = getattr(request.node, "_sluice_factories", []) + [f]
    yield f
    f.cleanup()


@pytest.fixture
def broker(broker_factory):
    """A fresh broker for one test: own port, own data dir, killed afterwards."""
    return broker_factory("broker")


@pytest.fixture(scope="module")
def module_broker_factory(request, tmp_path_factory):
    _check_binary()
    name = request.module.__name__.rsplit(".", 1)[-1]
    f = BrokerFactory(tmp_path_factory.mktemp(name), _module_overrides(request))
    yield f
    f.cleanup()


@pytest.fixture(scope="module")
def module_broker(module_broker_factory):
    """One broker shared by the tests of a module (for tests that only add topics)."""
    return module_broker_factory("shared")


@pytest.fixture(scope="session")
def kafkajs():
    """tests/e2e/js with node_modules installed (npm ci on first use)."""
    ok, why = clients.kafkajs_available()
    if not ok:
        _unavailable(f"kafkajs unavailable: {why}")
    return clients.JS_DIR


@pytest.fixture(scope="session")
def kcat():
    if not os.access(clients.KCAT, os.X_OK):
        _unavailable("kcat not installed")
    return clients.KCAT


# ---------------------------------------------------------------------------------------------
# Per-test wall-clock limit: SIGALRM in the main thread fails the test instead of hanging CI.
# ---------------------------------------------------------------------------------------------


class TimeLimitExceeded(Exception):
    pass


@pytest.fixture(autouse=True)
def _time_limit(request):
    marker = request.node.get_closest_marker("timeout_s")
    limit = int(marker.args[0]) if marker else DEFAULT_TEST_TIMEOUT_S

    def on_alarm(signum, frame):
        raise TimeLimitExceeded(f"test exceeded its {limit} s limit")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------------------------------------
# Reporting and last-resort cleanup.
# ---------------------------------------------------------------------------------------------


def _brokers_of(item) -> list[Broker]:
    found: list[Broker] = []
    for f in getattr(item, "_sluice_factories", []):
        found.extend(f.brokers)
    for v in getattr(item, "funcargs", {}).values():
        if isinstance(v, Broker):
            found.append(v)
        elif isinstance(v, BrokerFactory):
            found.extend(v.brokers)
    unique: list[Broker] = []
    for b in found:
        if all(b is not u for u in unique):
            unique.append(b)
    return unique


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for b in _brokers_of(item):
            try:
                rep.sections.append((f"broker log: {b.name} (port {b.port})", b.log_tail()))
            except Exception as e:  # noqa: BLE001 - never hide the real failure
                rep.sections.append((f"broker log: {b.name}", f"unreadable: {e!r}"))


def pytest_sessionfinish(session, exitstatus):
    for b in list(broker_mod.LIVE_BROKERS):
        b.force_cleanup()
