"""Run the project's commands (``dbt ...``, ``python some/script.py ...``) as forks of a process that has already
imported dbt, dlt and the libraries under them.

Why: the suite runs about 60 dbt commands and 150 Python scripts, and each new interpreter spent ~4 CPU-s (dbt)
or ~2 CPU-s (the ingest) importing the same libraries before doing any work: about a sixth of the suite's CPU on a
2-core machine. A fork of a process that imported them once starts with those modules in memory and nothing else.

What a command gets is what the terminal gives it: its own process (a fork: its own memory, PID, exit status), the
same entry point as the console script (``dbt`` runs ``dbt.cli.main:cli``, a script runs as ``__main__`` with its
folder first on ``sys.path``), the environment, working directory and arguments the test passed, stdin from
/dev/null, stdout and stderr captured, ``atexit`` handlers run at exit. What it does not get is a fresh import of
the preloaded libraries: so nothing of the project is preloaded (``ingest.config`` reads the environment when it
is imported; every project module is imported fresh, by the command itself), and only libraries that read no
settings at import time are (dbt reads its flags per invocation, dlt its configuration per pipeline).

The tests that interrupt or kill a command (Ctrl-C, SIGKILL, a full disk) start it as a real process
(``helpers.start_ingest``, ``breakage.py``), and ``FORKSERVER=0`` runs every command as a new interpreter.

``python tests/forkserver.py dbt|script``. Protocol: one JSON request per line on stdin ({"argv", "env", "cwd",
"stdout", "stderr"}); the server answers with a line {"pid"} when the command starts and {"returncode", "cpu"}
when it ends (the command's CPU seconds: TESTS_COMMAND_LOG=file makes tests/helpers.py write them there).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import runpy
import sys
import threading
import traceback

PRELOAD = {
    # dbt and the PostgreSQL adapter (dbt imports the adapter of the profile's type when it runs)
    "dbt": ("dbt.cli.main", "dbt.adapters.postgres", "dbt.parser.manifest", "dbt.task.build", "agate"),
    # the ingest: dlt, its SQL source and PostgreSQL destination, the drivers under them
    "script": (
        "dlt",
        "dlt.sources.sql_database",
        "dlt.sources.sql_database.helpers",
        "dlt.destinations.impl.postgres.postgres",
        "dlt.pipeline.pipeline",
        "dlt.normalize",
        "dlt.load",
        "sqlalchemy",
        "adbc_driver_manager",
        "adbc_driver_postgresql",
        "psycopg2",
    ),
}
"""What each server imports before it forks: one server runs dbt commands, another Python scripts, so that a
script never carries what importing dbt does to a process (snowplow_tracker, under dbt, configures the root
logger at import, and `logging.basicConfig` in a script would then do nothing). Not pyarrow, nor what imports it
(the Snowflake connector and adapter): importing pyarrow starts threads (its jemalloc's background thread among
them), and a process with threads must not fork."""


def _preload(kind: str) -> None:
    import importlib

    if kind == "dbt":
        # ingest/dbt_hint.py replaces dbt's Ctrl-C stack trace; it patches before dbt's modules bind fire_event.
        from ingest import dbt_hint

        dbt_hint._quiet_ctrl_c()
    for name in PRELOAD[kind]:
        with contextlib.suppress(ImportError):  # an optional library: the command imports (or misses) it itself
            importlib.import_module(name)


def _run_command(kind: str, request: dict) -> int:
    """In the forked child: become the command and run it; return its exit status."""
    fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(fd, 0)
    os.close(fd)
    for target, path in ((1, request["stdout"]), (2, request["stderr"])):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    argv = request["argv"]
    sys.argv = list(argv)
    sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))  # the script's folder (bin/ for dbt), as Python does
    try:
        if kind == "dbt":
            from ingest import dbt_hint

            dbt_hint.install()  # as at a real dbt's start-up (it checks that the program is dbt)
            from dbt.cli.main import cli

            cli(args=argv[1:], prog_name="dbt")
        else:
            runpy.run_path(argv[0], run_name="__main__")
        return 0
    except SystemExit as done:
        code = done.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    except BaseException:  # noqa: BLE001 - what the interpreter does with an uncaught exception
        traceback.print_exc()
        return 1


def _child(kind: str, request: dict) -> None:
    status = 1
    try:
        status = _run_command(kind, request)
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed stream: nothing more to write
                stream.flush()
        os._exit(status & 0xFF if status >= 0 else 1)


def main() -> None:
    kind = sys.argv[1]
    sys.path[0] = os.path.dirname(sys.executable)  # not tests/: its modules must not shadow a library's
    requests = os.fdopen(os.dup(0), "r")
    answers = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # anything the preload prints goes to the server's stderr, never into the protocol
    _preload(kind)
    if threading.active_count() != 1 or len(os.listdir("/proc/self/task")) != 1:
        print("forkserver: a preloaded library started a thread: forking would be unsafe", file=sys.stderr)
        sys.exit(3)
    answers.write('{"ready": true}\n')
    answers.flush()
    for line in requests:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            requests.close()
            answers.close()
            _child(kind, request)
        answers.write(json.dumps({"pid": pid}) + "\n")
        answers.flush()
        _, status, usage = os.wait4(pid, 0)
        cpu = round(usage.ru_utime + usage.ru_stime, 2)
        answers.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status), "cpu": cpu}) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
