"""The explicit plug-in registry."""

from __future__ import annotations

import importlib

from agencies.base import AgencyPlugin, HandoffKind, Mechanism

_plugins: dict[str, AgencyPlugin] = {}


class RegistryError(Exception):
    pass


def register(plugin_cls: type[AgencyPlugin]) -> type[AgencyPlugin]:
    """Register a plug-in class (usable as a decorator).  Re-registering is a no-op."""
    for attr in ("code", "name", "kind"):
        if not getattr(plugin_cls, attr, None):
            raise RegistryError(f"plug-in {plugin_cls.__name__} does not set {attr}")
    existing = _plugins.get(plugin_cls.code)
    if existing is not None and type(existing) is not plugin_cls:
        raise RegistryError(f"two plug-ins use the code {plugin_cls.code!r}")
    for other in _plugins.values():
        if other.kind == plugin_cls.kind and other.code != plugin_cls.code:
            raise RegistryError(f"two plug-ins serve the agency kind {plugin_cls.kind!r}")
    _plugins[plugin_cls.code] = plugin_cls()
    return plugin_cls


def load(module_names) -> None:
    """Import the configured plug-in modules; each registers itself."""
    for name in module_names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise RegistryError(f"cannot load agency plug-in {name!r}: {exc}") from exc


def all_plugins() -> list[AgencyPlugin]:
    return sorted(_plugins.values(), key=lambda p: p.code)


def get(code: str) -> AgencyPlugin | None:
    return _plugins.get(code)


def for_kind(kind: str) -> AgencyPlugin | None:
    for plugin in _plugins.values():
        if plugin.kind == kind:
            return plugin
    return None


def mechanisms() -> list[tuple[Mechanism, AgencyPlugin]]:
    return [(p.mechanism, p) for p in all_plugins() if p.mechanism is not None]


def handoff_kinds() -> list[HandoffKind]:
    """Every handoff kind the loaded plug-ins declare, in plug-in order."""
    return [kind for plugin in all_plugins() for kind in plugin.handoff_kinds]


def handoff_kind(code: str) -> HandoffKind | None:
    return next((k for k in handoff_kinds() if k.code == code), None)
