"""tests/forkserver.py gives a command what a new interpreter gives it: the same arguments, environment, working
directory, ``sys.path[0]``, a root logger nothing configured yet, exit status and output; and dbt the same
answer. Each probe runs both ways, through ``helpers.run`` (forked) and as a new process, and the two must agree."""

from __future__ import annotations

import os
import subprocess

import helpers
import pytest
from helpers import ROOT, dbt, python, run

PROBE = """
import json, logging, os, sys
print(json.dumps({
    "argv": sys.argv,
    "cwd": os.getcwd(),
    "setting": os.environ.get("FORKSERVER_PROBE"),
    "path0": sys.path[0],
    "name": __name__,
    "root_handlers": len(logging.getLogger().handlers),
    "stdin": sys.stdin.read(),
}))
print("to stderr", file=sys.stderr)
sys.exit(int(os.environ["FORKSERVER_PROBE"]))
"""


@pytest.fixture(autouse=True)
def _fork_server_on():
    if os.environ.get("FORKSERVER") == "0":
        pytest.skip("FORKSERVER=0: every command runs as a new interpreter, there is no fork server to check")


def _as_new_process(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False, stdin=subprocess.DEVNULL
    )


def test_a_script_sees_what_a_new_interpreter_sees(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    env = dict(os.environ, FORKSERVER_PROBE="3")
    command = python(str(script), "--flag", "value with spaces")
    forked = run(command, env, check=False)
    assert not helpers._FORKSERVERS["script"].unusable, "the fork server did not start: the probe ran as a new process"
    fresh = _as_new_process(command, env)
    assert (forked.returncode, forked.stdout, forked.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)
    assert forked.returncode == 3
    assert '"root_handlers": 0' in forked.stdout, forked.stdout


def test_dbt_answers_as_the_console_script(tmp_path):
    env = dict(os.environ, DBT_TARGET_PATH=str(tmp_path / "target"), DBT_LOG_PATH=str(tmp_path / "logs"))
    forked = run(dbt("--version"), env)
    assert not helpers._FORKSERVERS["dbt"].unusable, "the fork server did not start: dbt ran as a new process"
    fresh = _as_new_process(dbt("--version"), env)
    assert forked.returncode == fresh.returncode == 0
    assert forked.stdout == fresh.stdout, (forked.stdout, fresh.stdout)
    assert "postgres" in forked.stdout


def test_a_command_past_its_timeout_is_killed(tmp_path):
    script = tmp_path / "sleeps.py"
    script.write_text("import time\ntime.sleep(60)\n")
    try:
        run(python(str(script)), dict(os.environ), timeout=1)
    except subprocess.TimeoutExpired as expired:
        assert expired.timeout == 1
    else:
        raise AssertionError("a command past its timeout was not stopped")
    again = tmp_path / "quick.py"
    again.write_text("print('served')\n")
    assert run(python(str(again)), dict(os.environ)).stdout == "served\n"  # the server goes on serving
