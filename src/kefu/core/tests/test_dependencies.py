"""Python dependencies are installed from locks: every release pinned, with its hashes, so
that a fresh install is the install that was tested (a new major release of a dependency
cannot slip in)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[4]


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (pinned version, number of hashes) from a ``--generate-hashes`` lock."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^ ;\\]+)", line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = list(project["dependencies"])
    if extra:
        names += project["optional-dependencies"][extra]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize(("lock", "extra"), [("base.txt", None), ("test.txt", "test")])
def test_every_declared_dependency_is_pinned_with_hashes_within_its_range(lock, extra):
    pins = locked(ROOT / "requirements" / lock)
    for requirement in declared(extra):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements/{lock}"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements/{lock} pins {name}=={version}, outside {requirement.specifier}"
        )
        assert hashes >= 1, f"{name} has no hash in requirements/{lock}"
    for name in ("setuptools", "wheel"):  # the build backend of the editable install
        assert name in pins


def test_the_test_lock_pins_the_same_releases_as_the_product_lock():
    base = locked(ROOT / "requirements" / "base.txt")
    test = locked(ROOT / "requirements" / "test.txt")
    assert {name: test[name][0] for name in base} == {name: v for name, (v, _h) in base.items()}


def test_both_readme_commands_install_from_the_locks_with_hashes_required():
    script = (ROOT / "scripts" / "_python.sh").read_text(encoding="utf-8")
    assert "--require-hashes" in script
    assert "requirements/base.txt" in script and "requirements/test.txt" in script
    for command in ("demo", "test"):
        assert ". scripts/_python.sh" in (ROOT / "scripts" / command).read_text()
