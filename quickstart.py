"""Set up and run the whole project with nothing but Python 3.11+ and pip.

    python3 quickstart.py          # set up, ingest the demo source, dbt build, dbt docs generate + ERD
    python3 quickstart.py test     # set up, then the whole test suite (ruff, sqlfluff, dbt, pytest)

Setting up means: a virtual environment in .venv with the pinned requirements.txt (reinstalled only when
that file changes). Everything else runs inside it, exactly as a person would after
`. .venv/bin/activate`: `python ingest/run.py`, `dbt build`, `dbt docs generate`, `python -m pytest`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / ".requirements.sha256"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def setup() -> dict[str, str]:
    """Create .venv and install requirements.txt when it changed; return the environment to run in."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs on whatever python3 a user has
        sys.exit(f"Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        say(f"creating the virtual environment {VENV.relative_to(ROOT)}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        say("installing the pinned requirements (requirements.txt)")
        started = time.monotonic()
        subprocess.run(
            [
                str(BIN / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                str(REQUIREMENTS),
            ],
            check=True,
        )
        STAMP.write_text(wanted)
        say(f"installed in {time.monotonic() - started:.0f} s")
    _write_pth()
    env = dict(os.environ)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONHOME", None)
    return env


def _write_pth() -> None:
    """Put the checkout on the venv's path and load ingest/dbt_hint.py (dbt's 'server not running' hint)."""
    site_packages = subprocess.run(
        [str(BIN / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    pth = Path(site_packages) / "tpch_warehouse.pth"
    content = f"{ROOT}\nimport ingest.dbt_hint\n"
    if not pth.exists() or pth.read_text() != content:
        pth.write_text(content)


def step(env: dict[str, str], *command: str) -> None:
    say(" ".join(command))
    result = subprocess.run(list(command), cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}")


def main(argv: list[str]) -> None:
    what = argv[0] if argv else "run"
    if what not in ("run", "test"):
        sys.exit("usage: python3 quickstart.py [run|test]")
    env = setup()
    if what == "test":
        step(env, "python", "-m", "pytest", *argv[1:])
        return
    step(env, "python", "ingest/run.py")
    # dbt's unit tests read fixtures, not the data: the test suite runs them; a production build leaves them out.
    step(env, "dbt", "build", "--exclude-resource-type", "unit_test")
    step(env, "dbt", "docs", "generate")
    step(env, "python", "docs/erd.py")
    print(
        "\nDone: the demo source is landed in raw_tpch and the warehouse is built.\n"
        "Open the documentation site (overview, ERD of the star, owners, lineage):\n"
        "    . .venv/bin/activate && dbt docs serve        # then browse http://localhost:8080\n"
        "Ask the semantic layer:\n"
        "    mf query --metrics net_revenue --group-by metric_time__month,customer__market_segment\n"
        "Query the warehouse:\n"
        '    psql "$(.venv/bin/python ingest/db.py url warehouse)"',
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
