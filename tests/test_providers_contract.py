"""The provider checklist of docs/architecture.md, checked for every name in the registry.

A provider is one class behind one interface: its module defines one ``Provider`` subclass,
subclasses nothing of batchling's (the adapter is held), overrides only the hooks named in
``ProviderHooks``, and has its emulator, batch price share and documentation rows.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from layton_eval.pricing import BATCH_SHARES
from layton_eval.providers import NAMES, get_provider
from layton_eval.providers.base import Provider
from layton_eval.providers.hooks import ProviderHooks
from tests.fakes import EMULATORS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _hooks() -> set[str]:
    """The hooks ProviderHooks names: its methods (facts are plain class attributes)."""
    return {
        name
        for name, value in vars(ProviderHooks).items()
        if callable(value) and not name.startswith("_")
    }


def _hook_table() -> set[str]:
    """The hooks listed in the table of docs/architecture.md, "Provider hooks"."""
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Provider hooks", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))


def test_the_hooks_are_named_in_one_table() -> None:
    assert _hook_table() == _hooks() | {"download_to"}


@pytest.mark.parametrize("name", NAMES)
def test_a_provider_is_one_class_behind_one_interface(name: str) -> None:
    module = importlib.import_module(f"layton_eval.providers.{name}")
    provider = get_provider(name)
    own = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__
    ]
    assert [cls for cls in own if issubclass(cls, Provider)] == [type(provider)]
    for cls in own:  # batchling's adapter is held, never subclassed
        assert not any(base.__module__.startswith("batchling") for base in cls.__mro__), cls
    assert provider.adapter_class.__module__ == f"batchling.providers.{name}"
    overridable = _hooks() | {"download_to"}
    for cls in type(provider).__mro__:
        if cls in (Provider, ProviderHooks) or not issubclass(cls, Provider):
            continue
        methods = {k for k, v in vars(cls).items() if callable(v) and not k.startswith("__")}
        lifecycle = set(vars(Provider)) | set(vars(ProviderHooks))
        assert methods & lifecycle <= overridable, (cls, methods & lifecycle - overridable)


@pytest.mark.parametrize("name", NAMES)
def test_every_file_of_the_checklist_knows_the_provider(name: str) -> None:
    assert name in EMULATORS and name in BATCH_SHARES
    providers_md = (DOCS / "providers.md").read_text(encoding="utf-8")
    host = get_provider(name).base_url.removeprefix("https://")
    assert f"| {name} | {host} |" in providers_md  # the providers table
    statuses = providers_md.split("### Statuses", 1)[1].split("\n### ", 1)[0]
    assert re.search(rf"^\| [^|]*\b{name}\b[^|]* \| ", statuses, re.M)  # the statuses table
