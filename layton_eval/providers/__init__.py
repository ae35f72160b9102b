"""The provider registry: one module per provider, imported only when used.

:data:`NAMES` is the one list of providers in the package: settings, shell completion, the
report's colours and the tests derive theirs from it. Each provider lives in
``layton_eval.providers.<name>`` as the class named in
:data:`~layton_eval.choices.PROVIDER_CLASSES` (kept with the vocabularies, so that settings need
not import this package: no import circle). batchling and httpx cost most of a second to
import, so :func:`get_provider` imports one provider module on first use and ``PROVIDERS``
(built on first access) imports them all.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import typing as t

from layton_eval.choices import PROVIDER_CLASSES as _CLASSES
from layton_eval.choices import key_var
from layton_eval.errors import UsageError

if t.TYPE_CHECKING:
    from layton_eval.providers.base import Provider

__all__ = ["NAMES", "PROVIDERS", "get_provider", "key_var", "names"]

#: Every provider name, in display order.
NAMES: tuple[str, ...] = tuple(_CLASSES)

_instances: dict[str, Provider] = {}


def names() -> tuple[str, ...]:
    """Every provider name (cheap: imports nothing)."""
    return NAMES


def get_provider(name: str) -> Provider:
    """The provider called ``name``; :class:`UsageError` naming the known ones otherwise."""
    if name not in _CLASSES:
        known = ", ".join(NAMES)
        raise UsageError(f"unknown provider {name!r}; known providers: {known}")
    if name not in _instances:
        _adapters_only()
        module = importlib.import_module(f"layton_eval.providers.{name}")
        _instances[name] = getattr(module, _CLASSES[name])()
    return _instances[name]


def _adapters_only() -> None:
    """Make ``batchling.providers`` importable without running ``batchling/__init__.py``.

    layton uses only batchling's provider adapters (``batchling.providers.<name>``, which need
    httpx); the package's ``__init__`` imports its client-patching stack (``batchify``: aiohttp,
    about 0.25 s and 20 MB) that layton never calls. The package is registered unexecuted; the
    first attribute asked of it (``batchling.batchify``...) runs its ``__init__`` after all.
    """
    if "batchling" in sys.modules:
        return
    spec = importlib.util.find_spec("batchling")
    if spec is None or spec.loader is None:
        return  # not installed: the provider module's own import says so
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def whole(attr: str) -> t.Any:
        del package.__dict__["__getattr__"]
        loader.exec_module(package)
        return getattr(package, attr)

    package.__dict__["__getattr__"] = whole
    sys.modules["batchling"] = package


def __getattr__(attr: str) -> t.Any:
    # ``PROVIDERS`` is built on first access so that importing this package stays cheap.
    if attr == "PROVIDERS":
        return {name: get_provider(name) for name in NAMES}
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


if t.TYPE_CHECKING:
    PROVIDERS: dict[str, Provider]
