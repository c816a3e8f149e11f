"""Every shell command shown in README.md and docs/*.md works as written.

The commands of each ```sh / ```bash / ```console block are run in order, as written, in a
temporary working directory with ``KEFU_DATA_DIR`` pointing at a temporary copy of a fresh
SQLite database: a block that runs ``kefu migrate`` is a new installation and starts from a
database with nothing but the migrations' rows; every other block starts from the demo data
(``kefu demo --no-serve`` at 1 %), which is what the README's first command gives and what
the examples' names (``cmsuper``, ``hq``) refer to. A command that is not a ``kefu`` command,
or that runs until stopped, is listed in ``NOT_RUN`` with the reason; the test fails on a
documented command that is neither run nor listed, on a listed one the docs no longer show,
and on every command that does not exit 0.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHELL_BLOCKS = {"sh", "bash", "console", "shell", "shell-session", "zsh"}
# createadmin asks for the password on a terminal, else reads this (its --help says so)
ADMIN_PASSWORD = "documented-commands-1"


@dataclass(frozen=True)
class NotRun:
    reason: str
    # run instead: the documented arguments with --help, and each documented --option must be
    # in the help it prints; None: nothing stands in
    help_check: bool = False


NOT_RUN: dict[str, NotRun] = {
    "./scripts/demo": NotRun(
        "installs kefu into a virtualenv and serves until stopped; tests/install/"
        "test_first_command.py runs it in a temporary copy as the README says"
    ),
    "./scripts/test": NotRun("runs the whole suite, this test included"),
    "python3.11 -m venv /opt/kefu/venv": NotRun(
        "creates a virtualenv outside the temporary directory; tests/install creates and "
        "installs one"
    ),
    "/opt/kefu/venv/bin/pip install /path/to/kefu": NotRun(
        "installs from a path the reader fills in; tests/install installs kefu from a copy"
    ),
    "/opt/kefu/venv/bin/kefu serve --bind 127.0.0.1:8000": NotRun(
        "serves until stopped; tests/install serves and stops it", help_check=True
    ),
    "/opt/kefu/venv/bin/kefu worker": NotRun(
        "runs until stopped; tests/install starts and stops it", help_check=True
    ),
    "kefu fetch_mail --once": NotRun(
        "reads the mailbox of imap.example.cn; tickets/tests/test_email_intake.py reads a real "
        "in-memory IMAP server",
        help_check=True,
    ),
    "./scripts/lock": NotRun("rewrites the lock files from the package index (network)"),
    "./scripts/lock --upgrade-package django": NotRun(
        "rewrites the lock files from the package index (network)"
    ),
    "./scripts/lock --upgrade": NotRun("rewrites the lock files from the package index (network)"),
    ".venv/bin/python bench/sla/bench_sweep.py --database "
    "postgres://postgres@127.0.0.1:5432/kefu_bench_sweep1m --tickets 1000000": NotRun(
        "loads a million orders into PostgreSQL (tens of minutes)", help_check=True
    ),
    ".venv/bin/python bench/sla/bench_sweep.py --database "
    "postgres://postgres@127.0.0.1:5432/kefu_bench_sweep --tickets 2000000 --reuse": NotRun(
        "loads two million orders into PostgreSQL (tens of minutes)", help_check=True
    ),
}


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str

    @property
    def words(self) -> list[str]:
        return shlex.split(self.text)

    @property
    def is_export(self) -> bool:
        return self.words[0] == "export"

    @property
    def is_kefu(self) -> bool:
        words = [w for w in self.words if not re.match(r"^[A-Z_]+=", w)]
        return bool(words) and (words[0] == "kefu" or words[0].endswith("/bin/kefu"))

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}: {self.text}"


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def shell_blocks(path: Path) -> list[list[Command]]:
    """The commands of each shell block: continuation lines joined, comments and, in a
    console block, the output dropped."""
    blocks: list[list[Command]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = str(path.relative_to(ROOT))
    index = 0
    while index < len(lines):
        fence = re.match(r"^\s*```\s*([\w-]*)", lines[index])
        index += 1
        if not fence:
            continue
        language = fence.group(1)
        block: list[Command] = []
        pending, start = "", 0
        while index < len(lines) and not lines[index].strip().startswith("```"):
            line, number = lines[index], index + 1
            index += 1
            if language not in SHELL_BLOCKS:
                continue
            if language in {"console", "shell-session"} and not pending:
                if not line.startswith("$ "):
                    continue  # output
                line = line[2:]
            if not pending:
                start = number
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            # the words as written, quoted again only where the shell needs it
            text = shlex.join(shlex.split(pending + line, comments=True))
            pending = ""
            if text:
                block.append(Command(doc, start, text))
        index += 1
        if block:
            blocks.append(block)
    return blocks


def all_blocks() -> list[list[Command]]:
    return [block for path in documents() for block in shell_blocks(path)]


def test_every_documented_command_is_run_or_has_a_reason():
    commands = [command for block in all_blocks() for command in block]
    assert commands, "no shell block found in README.md and docs/"
    unlisted = [str(c) for c in commands if not (c.is_kefu or c.is_export or c.text in NOT_RUN)]
    assert unlisted == [], "documented commands neither run nor listed in NOT_RUN"
    stale = set(NOT_RUN) - {c.text for c in commands}
    assert stale == set(), "NOT_RUN lists commands the docs no longer show"


def kefu_env(data_dir: Path, home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "KEFU_", "DATABASE_URL", "REDIS_URL", "DEMO_"))
    }
    env.update(KEFU_DATA_DIR=str(data_dir), HOME=str(home), KEFU_ADMIN_PASSWORD=ADMIN_PASSWORD)
    return env


def run(argv: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def databases(tmp_path_factory) -> dict[str, Path]:
    """Two data directories to copy: freshly migrated, and the same with the demo data."""
    base = tmp_path_factory.mktemp("documented")
    fresh, demo = base / "fresh", base / "demo"
    kefu = [sys.executable, "-m", "kefu"]
    result = run([*kefu, "migrate", "-v", "0"], cwd=base, env=kefu_env(fresh, base))
    assert result.returncode == 0, result.stderr
    shutil.copytree(fresh, demo)
    env = {**kefu_env(demo, base), "DEMO_PERCENT": "1"}
    result = run([*kefu, "demo", "--no-serve"], cwd=base, env=env)
    assert result.returncode == 0, result.stderr
    return {"fresh": fresh, "demo": demo}


def argv_for(command: Command, env: dict[str, str]) -> list[str]:
    words = command.words
    while re.match(r"^[A-Z_]+=", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    if words[0] == "kefu" or words[0].endswith("/bin/kefu"):
        return [sys.executable, "-m", "kefu", *words[1:]]
    if words[0].endswith("/python") or words[0].startswith("python"):
        return [sys.executable, *words[1:]]
    return words


def check_help(command: Command, cwd: Path, env: dict[str, str]) -> str | None:
    argv = argv_for(command, env)
    if argv[0] == sys.executable and argv[1:2] != ["-m"]:
        cwd = ROOT  # a script of the repository, run from its root as documented
    result = run([*argv, "--help"], cwd=cwd, env=env)
    if result.returncode != 0:
        return f"{command}\n  --help exited {result.returncode}: {result.stderr[-600:]}"
    options = [w.partition("=")[0] for w in command.words if w.startswith("--")]
    missing = [o for o in options if o not in result.stdout]
    if missing:
        return f"{command}\n  --help does not list {', '.join(missing)}"
    return None


def run_block(number: int, block: list[Command], databases, tmp_path: Path) -> list[str]:
    """Run one block's commands in order; what went wrong, one entry per command."""
    failures: list[str] = []
    start = "fresh" if any(c.is_kefu and "migrate" in c.words for c in block) else "demo"
    data_dir = tmp_path / f"block{number}" / "data"
    cwd = tmp_path / f"block{number}" / "work"
    shutil.copytree(databases[start], data_dir)
    cwd.mkdir()
    env = kefu_env(data_dir, tmp_path / "home")
    for command in block:
        if command.is_export:
            for assignment in command.words[1:]:
                name, _, value = assignment.partition("=")
                # the temporary data directory stands in for the documented one
                if name != "KEFU_DATA_DIR":
                    env[name] = value
            continue
        listed = NOT_RUN.get(command.text)
        if listed is not None:
            failure = check_help(command, cwd, dict(env)) if listed.help_check else None
            failures += [failure] if failure else []
            continue
        command_env = dict(env)
        result = run(argv_for(command, command_env), cwd=cwd, env=command_env)
        if result.returncode != 0:
            failures.append(
                f"{command}\n  exited {result.returncode}: "
                f"{(result.stderr or result.stdout)[-800:]}"
            )
    return failures


def test_every_documented_command_works_as_written(databases, tmp_path):
    blocks = all_blocks()
    assert sum(c.is_kefu and c.text not in NOT_RUN for b in blocks for c in b) > 10
    # blocks are independent (each has its own copy of the database): two at a time
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(
            lambda item: run_block(item[0], item[1], databases, tmp_path), enumerate(blocks)
        )
        failures = [failure for found in results for failure in found]
    assert failures == [], "\n".join(failures)
