"""The apps depend one way (README, "Organisation du code"): import-linter's layers contract, in
pyproject.toml, fails as soon as a module imports an app above its own — at the top of the file or
inside a function alike."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def contract_layers():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    [contract] = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return [[app.strip() for app in layer.split("|")] for layer in contract["layers"]]


def test_no_app_imports_an_app_above_it():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_every_app_has_a_layer_and_the_readme_draws_the_same_ones():
    layers = contract_layers()
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")} | {"promeneurs"}
    assert sorted(app for layer in layers for app in layer) == sorted(apps)
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Organisation du code", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    drawn = [
        [app.strip() for app in match.split("·")]
        for match in re.findall(r"^  ([a-z]+(?: · [a-z]+)*) {2,}", section, flags=re.MULTILINE)
    ]
    assert drawn == layers
