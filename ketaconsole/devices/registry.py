"""Finds drivers through the ``ketaconsole.drivers`` entry-point group.

A driver that fails to import, or that is not a :class:`~ketaconsole.sdk.Driver`, is
logged and listed as broken with its error; it never stops the console. Discovery always
takes a plugin policy (``allowed``): a plugin the policy does not permit is listed as
not allowed and its entry point is never imported; the console's own drivers always load.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from ketaconsole.sdk import Driver

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ketaconsole.drivers"
BUILT_IN_DISTRIBUTION = "ketaconsole"

PluginPolicy = Callable[[str | None, str | None], bool]
"""Whether a plugin from a distribution (name, version) may be imported."""


def built_ins_only(_distribution: str | None, _version: str | None) -> bool:
    """The policy that permits no plugin: only the console's own drivers load."""
    return False


@dataclass(frozen=True, slots=True)
class BrokenDriver:
    """An installed driver that could not be loaded, and why."""

    name: str
    distribution: str | None
    error: str


@dataclass(frozen=True, slots=True)
class UnapprovedPlugin:
    """An installed driver plugin that is not on the clinic's allow-list (never imported)."""

    name: str
    distribution: str | None
    version: str | None


class UnknownDriverError(LookupError):
    """A driver slug that no installed driver has."""


@dataclass(frozen=True, slots=True)
class InstalledDriver:
    """A loaded driver and the distribution that installed it."""

    driver: Driver
    distribution: str | None
    version: str | None


class DriverRegistry:
    """The drivers installed in this environment."""

    def __init__(self, installed: dict[str, InstalledDriver],
                 broken: list[BrokenDriver],
                 not_allowed: list[UnapprovedPlugin] | None = None) -> None:
        self._installed = installed
        self.broken = broken
        self.not_allowed = not_allowed or []

    @classmethod
    def discover(cls, *, allowed: PluginPolicy) -> DriverRegistry:
        """The built-in drivers and the plugins ``allowed`` permits; no other is imported.

        The policy is required, so no caller can get a registry that ignores it: the
        console and its commands pass the clinic's allow-list (``clinic_registry``),
        tools that need only the console's own drivers pass :func:`built_ins_only`.
        """
        installed: dict[str, InstalledDriver] = {}
        broken: list[BrokenDriver] = []
        not_allowed: list[UnapprovedPlugin] = []
        for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
            dist_name, dist_version = _distribution(point)
            if dist_name != BUILT_IN_DISTRIBUTION and not allowed(dist_name, dist_version):
                not_allowed.append(UnapprovedPlugin(point.name, dist_name, dist_version))
                continue
            try:
                loaded = point.load()
            except Exception as exc:  # any failure in a plugin's import is the plugin's
                log.info("driver %s could not be loaded: %s", point.name, exc)
                broken.append(BrokenDriver(point.name, dist_name, f"{type(exc).__name__}: {exc}"))
                continue
            if not isinstance(loaded, Driver):
                broken.append(BrokenDriver(point.name, dist_name,
                                           "entry point is not a ketaconsole.sdk.Driver"))
                continue
            if loaded.info.slug in installed:
                broken.append(BrokenDriver(point.name, dist_name,
                                           f"slug {loaded.info.slug} is already taken"))
                continue
            installed[loaded.info.slug] = InstalledDriver(loaded, dist_name, dist_version)
        return cls(installed, broken, not_allowed)

    @property
    def slugs(self) -> list[str]:
        return sorted(self._installed)

    def installed(self) -> list[InstalledDriver]:
        return [self._installed[s] for s in self.slugs]

    def get(self, slug: str) -> Driver:
        try:
            return self._installed[slug].driver
        except KeyError:
            for plugin in self.not_allowed:
                if plugin.name == slug:
                    raise UnknownDriverError(
                        f"driver {slug!r} comes from plugin {plugin.distribution} "
                        f"{plugin.version}, which is not on the clinic's allow-list; an "
                        f"admin approves it with 'ketaconsole plugins allow "
                        f"{plugin.distribution} {plugin.version}'") from None
            known = ", ".join(self.slugs) or "none installed"
            raise UnknownDriverError(
                f"no driver {slug!r}; installed drivers: {known} "
                "(see 'ketaconsole drivers')") from None


def _distribution(point: EntryPoint) -> tuple[str | None, str | None]:
    dist = point.dist
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version
