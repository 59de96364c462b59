"""The provider registry: names to providers, and the failover order per market.

``get_provider("akshare")`` imports the vendor module only when asked, so a missing vendor
library (or a provider module not written yet) makes that provider *not available* rather
than breaking the import of :mod:`screener`. The failover order per market is
:data:`DEFAULT_ORDER`, or ``model/providers.yaml`` in the workspace (:func:`load_failover`);
``screener data update --provider a,b`` overrides it for one run.
The demo provider is used alone, and only in demo mode (it never writes to the real cache).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping, Sequence

from ...config.providers import DEFAULT_ORDER, MARKETS, load_failover
from ...errors import InputError, ProviderError
from .base import Provider

log = logging.getLogger(__name__)

#: provider name → (module under this package, class name)
PROVIDERS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "DemoProvider"),
    "akshare": ("akshare", "AkshareProvider"),
    "yfinance": ("yfinance", "YfinanceProvider"),
}


def get_provider(name: str, **kwargs) -> Provider:
    """A new instance of the provider called ``name`` (``demo``, ``akshare``, ``yfinance``).

    Raises :class:`InputError` for an unknown name and :class:`ProviderError` when the
    provider exists but cannot be loaded here (its module or vendor library is missing).
    """
    key = name.strip().lower()
    if key not in PROVIDERS:
        raise InputError(f"unknown provider {name!r}; choose from {', '.join(PROVIDERS)}")
    module_name, class_name = PROVIDERS[key]
    qualified = f"{__name__}.{module_name}"
    try:
        module = importlib.import_module(qualified)
        cls = getattr(module, class_name)
    except ImportError as exc:  # ModuleNotFoundError included: module or vendor library absent
        raise ProviderError(
            f"provider {key} is not available ({exc}); install its library or choose another "
            "with --provider",
            provider=key,
        ) from exc
    except AttributeError as exc:
        raise ProviderError(
            f"provider {key} is not available ({qualified} has no {class_name})", provider=key
        ) from exc
    return cls(**kwargs)


def demo_tickers() -> list[str]:
    """Every ticker the demo provider makes data for (stocks, benchmarks and ETFs)."""
    from .demo import profiles

    return list(profiles())


def is_available(name: str) -> bool:
    """Whether ``get_provider(name)`` would succeed."""
    try:
        get_provider(name)
    except ProviderError:
        return False
    return True


def parse_order(text: str | Sequence[str] | None) -> list[str] | None:
    """``"akshare,yfinance"`` (or a list of such) → ``["akshare", "yfinance"]``; None stays None."""
    if text is None:
        return None
    parts = [text] if isinstance(text, str) else list(text)
    names = [n.strip().lower() for part in parts for n in part.split(",") if n.strip()]
    for n in names:
        if n not in PROVIDERS:
            raise InputError(f"unknown provider {n!r}; choose from {', '.join(PROVIDERS)}")
    return names or None


def provider_order(
    market: str,
    *,
    demo: bool = False,
    override: Sequence[str] | None = None,
    order: Mapping[str, Sequence[str]] | None = None,
):
    """The provider names to try, in order, for ``market`` ("CN" or "US"): ``override``
    (``--provider``), else ``order`` (``model/providers.yaml``), else :data:`DEFAULT_ORDER`."""
    if demo:
        if override and any(n != "demo" for n in override):
            raise InputError("demo mode uses only the demo provider; drop --provider or --demo")
        return ["demo"]
    if override:
        if "demo" in override:
            raise InputError(
                "the demo provider writes only to the demo cache; run with --demo instead"
            )
        return list(override)
    return list((order if order is not None else DEFAULT_ORDER).get(market, ()))


def resolve_chains(
    *,
    demo: bool = False,
    override: Sequence[str] | None = None,
    order: Mapping[str, Sequence[str]] | None = None,
) -> tuple[dict[str, list[Provider]], dict[str, str]]:
    """Provider instances per market in failover order, and why any provider was left out.

    A provider that cannot serve a market (``markets``) is skipped for it; one that is not
    available is reported in the second mapping (name → reason) and skipped everywhere.
    """
    instances: dict[str, Provider] = {}
    unavailable: dict[str, str] = {}
    chains: dict[str, list[Provider]] = {}
    for market in MARKETS:
        chain = []
        for name in provider_order(market, demo=demo, override=override, order=order):
            if name in unavailable:
                continue
            if name not in instances:
                try:
                    instances[name] = get_provider(name)
                except ProviderError as exc:
                    log.warning("%s", exc)
                    unavailable[name] = str(exc)
                    continue
            if market in instances[name].markets:
                chain.append(instances[name])
        chains[market] = chain
    return chains, unavailable


__all__ = [
    "DEFAULT_ORDER",
    "PROVIDERS",
    "Provider",
    "demo_tickers",
    "get_provider",
    "is_available",
    "load_failover",
    "parse_order",
    "provider_order",
    "resolve_chains",
]
