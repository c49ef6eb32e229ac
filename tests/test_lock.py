"""The locks (requirements/*.txt, made by `make lock`) match pyproject.toml's ranges.

`make install` and the Dockerfile install the locks, not pyproject.toml: a dependency added to or
narrowed in pyproject.toml without `make lock` would otherwise go unnoticed until production.
"""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)")


def pins(filename):
    """{name: version} of a lock; each pin carries at least one sha256 hash."""
    text = (ROOT / "requirements" / filename).read_text()
    found = {}
    # One requirement per logical line (continuations joined); comments start with #.
    for line in re.sub(r"\\\n", " ", text).splitlines():
        match = PIN.match(line)
        if not match:
            continue
        assert "--hash=sha256:" in line, f"{filename}: {match['name']} has no hash"
        found[canonicalize_name(match["name"])] = match["version"]
    return found


def unsatisfied(requirements, locked, extra=""):
    environment = {**default_environment(), "python_full_version": "3.11.0", "extra": extra}
    problems = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate(environment):
            continue
        version = locked.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name}: missing")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} outside {requirement.specifier}")
    return problems


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("lock.txt", ["dependencies"]), ("lock-test.txt", ["dependencies", "test"])],
)
def test_lock_satisfies_the_ranges_of_pyproject(lock, groups):
    locked = pins(lock)
    requirements = [
        *PROJECT["dependencies"],
        *(PROJECT["optional-dependencies"]["test"] if "test" in groups else []),
    ]
    assert unsatisfied(requirements, locked) == [], "run `make lock`"


def test_the_image_runs_the_versions_the_tests_ran():
    site, tests = pins("lock.txt"), pins("lock-test.txt")
    assert {
        name: (version, tests.get(name)) for name, version in site.items() if tests.get(name) != version
    } == {}
    # The test tools stay out of the production image.
    assert "pytest" not in site and "pytest" in tests
