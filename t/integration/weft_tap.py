"""Report pytest results as TAP on stdout, in place of pytest's own terminal
report.

Each test is one TAP line; failures carry their traceback as "# " lines.
"""
import sys

import pytest

_count = 0
_out = sys.stdout


def _emit(line):
    _out.write(line + "\n")
    _out.flush()


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # The terminal reporter's progress dots would corrupt the TAP stream.
    reporter = config.pluginmanager.getplugin("terminalreporter")
    if reporter is not None:
        config.pluginmanager.unregister(reporter)


def pytest_runtest_logreport(report):
    global _count
    name = report.nodeid.split("::", 1)[-1]
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _count += 1
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else "skipped"
            _emit("ok %d - %s # SKIP %s" % (_count, name, reason.replace("Skipped: ", "")))
        elif report.passed:
            _emit("ok %d - %s" % (_count, name))
        else:
            _emit("not ok %d - %s%s" % (_count, name, "" if report.when == "call" else " (setup)"))
            for line in str(report.longrepr).splitlines():
                _emit("#   " + line)
    elif report.when == "teardown" and report.failed:
        _count += 1
        _emit("not ok %d - %s (teardown)" % (_count, name))
        for line in str(report.longrepr).splitlines():
            _emit("#   " + line)


def pytest_collectreport(report):
    global _count
    if report.failed:
        _count += 1
        _emit("not ok %d - collecting %s" % (_count, report.nodeid))
        for line in str(report.longrepr).splitlines():
            _emit("#   " + line)


def pytest_sessionfinish(session, exitstatus):
    _emit("1..%d" % _count)
