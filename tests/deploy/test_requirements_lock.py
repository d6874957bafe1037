"""deploy/requirements.lock (what the image installs) pins every runtime dependency of
pyproject.toml at a version its specifier allows: a dependency added without regenerating
the lock (scripts/lock_requirements.sh) fails here, not in an image build."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "deploy" / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock line {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_lock_pins_every_runtime_dependency_within_its_specifier() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    problems = []
    for text in project["dependencies"]:
        requirement = Requirement(text)
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name} is not in deploy/requirements.lock")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement.name}=={pinned} does not satisfy {requirement}")
    assert not problems, "; ".join(problems) + " (run scripts/lock_requirements.sh)"


def test_image_lock_leaves_torch_to_the_train_extra() -> None:
    """Serving and the image's training (naive, LightGBM) run without torch; the LSTMs'
    training needs it, pinned where it is installed (another version downloads gigabytes)."""
    assert "torch" not in _pins()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not [r for r in project["dependencies"] if Requirement(r).name == "torch"]
    assert project["optional-dependencies"]["train"] == ["torch==2.13.0"]
    assert "tickercast[train]" in project["optional-dependencies"]["dev"]


def test_lock_has_what_the_images_python_needs() -> None:
    """The image's Python is Debian bookworm's 3.11.2: redis needs async-timeout below
    3.11.3, which a lock resolved on a newer host Python would leave out."""
    pins = _pins()
    assert "redis" in pins and "async-timeout" in pins
