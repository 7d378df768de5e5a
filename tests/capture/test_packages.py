"""The fast package reading gives what ``importlib.metadata`` gives, on this real environment."""

from __future__ import annotations

from importlib import metadata

from runnotes.capture import packages

MODULES = {"numpy", "yaml", "typer", "sqlalchemy", "attr", "PIL", "json", "os", "nosuchmodule_x"}


def test_installed_matches_importlib_metadata() -> None:
    expected = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            expected.setdefault(name.lower(), dist.version)
    assert packages.installed() == dict(sorted(expected.items()))


def test_owners_match_packages_distributions() -> None:
    known = metadata.packages_distributions()
    expected = {m: set(known[m]) for m in MODULES if m in known}
    assert packages.owners(MODULES) == expected
    assert "yaml" in expected and "json" not in expected  # a module named apart, the stdlib
