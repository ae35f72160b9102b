"""What requests cost at batch prices (estimates before spending: :mod:`~layton_eval.estimates`).

Prices come from ``genai-prices`` (pydantic's maintained price database, pinned in
``pyproject.toml`` and read from its bundled snapshot: no network at run time). A price is
computed per request, so that tiers (long-context prices above a prompt size) apply: at
genai-prices' own batch price where it has one for the model, else at its list price times the
provider's batch share (:data:`BATCH_SHARES`, the one price fact layton keeps itself; its
sources are in docs/providers.md, "Batch prices"). A model genai-prices does not know has no
price, never a guess: the user can give one (``--price-in``/``--price-out``).

``genai_prices`` is imported inside the functions that use it, so that importing this module
stays cheap (``layton --help``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import typing as t
from dataclasses import dataclass

from pydantic import BaseModel, Field, computed_field

from layton_eval.neutral import TokenCounts

__all__ = [
    "ASSUMED_OUTPUT_TOKENS",
    "BATCH_SHARES",
    "BATCH_SHARES_AS_OF",
    "EstimateRecord",
    "Pricing",
    "Spend",
    "UserPrice",
    "pricing",
]

#: Output tokens per request assumed by estimates made before anything ran.
ASSUMED_OUTPUT_TOKENS = 1_000
#: Share of the list price each provider bills a Batch API request (docs/providers.md, "Batch
#: prices"). ``None``: batch prices are not a fixed share of the list price (Doubleword prices
#: each model and completion window on its own), so the price must be given.
BATCH_SHARES: dict[str, float | None] = {
    "openai": 0.5,
    "anthropic": 0.5,
    "gemini": 0.5,
    "mistral": 0.5,
    "together": 0.5,
    "groq": 0.5,
    "xai": 0.5,
    "doubleword": None,
}
#: When the batch shares were last checked against the providers' pages.
BATCH_SHARES_AS_OF = "2026-11-27"
#: genai-prices' id of the providers whose layton name differs.
_PRICES_PROVIDER = {"gemini": "google", "xai": "x-ai"}
_UNKNOWN = "price unknown: pass --price-in/--price-out USD per M tokens"


class UserPrice(BaseModel):
    """A batch price given by the user, in USD per million tokens (no tiers)."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)


class EstimateRecord(BaseModel):
    """The estimate shown before a batch was sent, kept on the batch to compare with what it
    cost (input tokens estimated, output tokens assumed)."""

    input_tokens: int
    output_tokens: int
    usd: float | None


class Spend(BaseModel):
    """Tokens used and what they cost: at batch prices, at standard prices, the saving, and
    the estimate made before sending (``None``: unknown, or no estimate was recorded)."""

    input_tokens: int = 0
    output_tokens: int = Field(default=0, description="Output tokens, reasoning included.")
    reasoning_tokens: int = 0
    batch_usd: float | None = Field(default=0.0, description="At batch prices.")
    standard_usd: float | None = Field(
        default=0.0, description="The same tokens at standard (non-batch) list prices."
    )
    estimated_usd: float | None = Field(
        default=None, description="The estimate before sending, at batch prices."
    )
    estimated_input_tokens: int | None = None
    estimated_output_tokens: int | None = Field(
        default=None, description="Output tokens the estimate assumed."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def saving_usd(self) -> float | None:
        """What batching saved: standard minus batch cost."""
        if self.batch_usd is None or self.standard_usd is None:
            return None
        return self.standard_usd - self.batch_usd

    @classmethod
    def total(cls, parts: t.Iterable[Spend]) -> Spend:
        """The sum of ``parts``; a cost is unknown when any part's is, and the estimate is
        known only when every part has one."""
        parts = list(parts)

        def known(values: list[float | None]) -> float | None:
            return None if any(v is None for v in values) else sum(v or 0.0 for v in values)

        estimates = [p for p in parts if p.estimated_usd is not None]
        complete = bool(parts) and len(estimates) == len(parts)
        return cls(
            input_tokens=sum(p.input_tokens for p in parts),
            output_tokens=sum(p.output_tokens for p in parts),
            reasoning_tokens=sum(p.reasoning_tokens for p in parts),
            batch_usd=known([p.batch_usd for p in parts]),
            standard_usd=known([p.standard_usd for p in parts]),
            estimated_usd=known([p.estimated_usd for p in parts]) if complete else None,
            estimated_input_tokens=(
                sum(p.estimated_input_tokens or 0 for p in parts) if complete else None
            ),
            estimated_output_tokens=(
                sum(p.estimated_output_tokens or 0 for p in parts) if complete else None
            ),
        )


@dataclass(frozen=True)
class Pricing:
    """How the requests of one (provider, model) are priced.

    ``source`` names where the price comes from, or says why it is unknown (then
    :meth:`request_cost` gives ``None``). ``listed``: genai-prices has the model's batch price
    (``share`` is then not used for the batch cost).
    """

    provider: str | None
    model: str | None
    known: bool
    source: str
    share: float = 1.0
    user: UserPrice | None = None
    listed: bool = False

    def request_cost(self, usage: TokenCounts, when: dt.datetime | None = None) -> float | None:
        """USD of one request's usage at batch prices (``None``: price unknown)."""
        if not self.known:
            return None
        if self.user is not None:
            return (
                usage.input_tokens * self.user.input + usage.output_tokens * self.user.output
            ) / 1e6
        assert self.provider and self.model
        cost = _rates(self.provider, self.model, _day(when), self.listed).cost(usage)
        return cost if self.listed else cost * self.share

    def cost(self, usages: t.Iterable[tuple[TokenCounts, dt.datetime | None]]) -> float | None:
        """USD of many requests, each priced on its own (``None``: price unknown)."""
        if not self.known:
            return None
        if self.user is not None:
            return sum(self.request_cost(usage, when) or 0.0 for usage, when in usages)
        assert self.provider and self.model
        provider, model, listed = self.provider, self.model, self.listed
        share = 1.0 if listed else self.share
        total = 0.0
        for usage, when in usages:  # tens of thousands at a fetch: no call per request
            total += _rates(provider, model, _day(when), listed).cost(usage) * share
        return total

    def costs(
        self, usages: t.Iterable[tuple[TokenCounts, dt.datetime | None]]
    ) -> tuple[float | None, float | None]:
        """USD of many requests at batch prices and at standard prices (``None``: unknown)."""
        if not self.listed:
            batch = self.cost(usages)
            return batch, self.standard(batch)
        assert self.provider and self.model
        rates: dict[dt.date, tuple[_ListRates, _ListRates]] = {}  # by day: batch, list
        batch_usd = standard_usd = 0.0
        for usage, when in usages:
            day = _day(when)
            if day not in rates:
                rates[day] = (_rates(self.provider, self.model, day, True),
                              _rates(self.provider, self.model, day, False))  # fmt: skip
            at_batch, at_list = rates[day]
            batch_usd += at_batch.cost(usage)
            standard_usd += at_list.cost(usage)
        return batch_usd, standard_usd

    def standard(self, batch_usd: float | None) -> float | None:
        """What tokens that cost ``batch_usd`` at batch prices cost at standard prices, where
        the batch price is a share of the list price: the batch cost over the provider's batch
        share (``None`` when either is unknown; a price the user gave is a batch price, divided
        by the same share). A batch price of genai-prices' own needs the tokens: :meth:`costs`.
        """
        share = self.share if self.user is None else BATCH_SHARES.get(self.provider or "")
        if batch_usd is None or not share or (self.listed and self.user is None):
            return None
        return batch_usd / share


def _day(when: dt.datetime | None) -> dt.date:
    return (when or dt.datetime.now(dt.UTC)).date()


@dataclass(frozen=True)
class _ListRates:
    """A model's list prices on one day, in USD per token, by tier: tier ``k`` holds the
    requests whose input tokens are above ``starts[k - 1]`` (tier 0: at most ``starts[0]``);
    ``cached``: of input tokens read from a cache (genai-prices' input rate if it has none)."""

    starts: tuple[int, ...]
    input: tuple[float, ...]
    output: tuple[float, ...]
    cached: tuple[float, ...]

    def cost(self, usage: TokenCounts) -> float:
        """List-price USD of one request: every token at its tier's rate (genai-prices prices
        a whole request at the tier its input tokens, cache reads included, reach)."""
        inp, cached = usage.input_tokens, usage.cache_read_tokens
        tier = bisect.bisect_left(self.starts, inp)  # starts strictly below the input
        return ((inp - cached) * self.input[tier] + cached * self.cached[tier]
                + usage.output_tokens * self.output[tier])  # fmt: skip


#: genai-prices' request context of a Batch API request.
_BATCH_CONTEXT = {"processing": "batch"}
_MILLION = 1_000_000


@functools.lru_cache(maxsize=256)
def _rates(provider: str, model: str, day: dt.date, batch: bool = False) -> _ListRates:
    """``model``'s prices at ``provider`` on ``day`` (genai-prices): list prices, or with
    ``batch`` its batch prices; read once: asking genai-prices for each request took ~0.15 ms,
    7 s for a batch of 50,000.

    Raises ``LookupError`` when ``provider``'s price list does not have the model (with
    ``batch``: does not have a batch price of it).
    """
    from genai_prices import Usage as PriceUsage
    from genai_prices import calc_price
    from genai_prices.types import TieredPrices

    when = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
    found = calc_price(PriceUsage(input_tokens=0, output_tokens=0), model,
                       provider_id=_PRICES_PROVIDER.get(provider, provider),
                       genai_request_timestamp=when,
                       price_context=_BATCH_CONTEXT if batch else None)  # fmt: skip
    if not any(found.model is known for known in found.provider.models):
        # genai-prices fell back to another provider's list (Vertex serves Claude): not this one
        raise LookupError(f"{model} is not in {provider}'s price list")
    if batch and not _batch_variant(found.model.price_variants or (), when):
        raise LookupError(f"{provider}'s price list has no batch price of {model}")
    price = found.model_price
    tiered = [value for value in (price.input_mtok, price.output_mtok, price.cache_read_mtok)
              if isinstance(value, TieredPrices)]  # fmt: skip
    starts = tuple(sorted({tier.start for value in tiered for tier in value.tiers}))

    def usd(inp: int, out: int = 0, cached: int = 0) -> float:
        usage = PriceUsage(input_tokens=inp, output_tokens=out, cache_read_tokens=cached)
        return float(price.calc_price(usage)["total_price"])

    rates: tuple[list[float], list[float], list[float]] = ([], [], [])  # in, out, cached
    for tier in range(len(starts) + 1):
        # a request of this tier: just above the previous start (tier 0: its largest request)
        at = starts[tier - 1] + 1 if tier else (starts[0] if starts else _MILLION)
        base = usd(at)
        rates[0].append(base / (at or 1))
        rates[1].append((usd(at, _MILLION) - base) / _MILLION)
        rates[2].append(usd(at, cached=at) / (at or 1))
    return _ListRates(starts, tuple(rates[0]), tuple(rates[1]), tuple(rates[2]))


def _batch_variant(variants: t.Iterable[t.Any], when: dt.datetime) -> bool:
    """Some price variant applies to batch requests on ``when`` and sets a token price (as
    genai-prices matches them: every condition of the variant holds in the context)."""
    return any(
        all(_BATCH_CONTEXT.get(key) == value for key, value in variant.when.items())
        and (variant.constraint is None or variant.constraint.active(when))
        and (variant.prices.input_mtok is not None or variant.prices.output_mtok is not None)
        for variant in variants
    )


def pricing(provider: str | None, model: str | None, user: UserPrice | None = None) -> Pricing:
    """How requests to ``model`` at ``provider`` are priced (a user's price wins)."""
    if user is not None:
        source = f"your batch price: ${user.input:g} in / ${user.output:g} out per M tokens"
        return Pricing(provider, model, known=True, source=source, user=user)
    if not provider or not model:
        return Pricing(provider, model, known=False, source="price unknown until a model is chosen")
    bare = model.removeprefix("models/")
    share = BATCH_SHARES.get(provider)
    if provider not in BATCH_SHARES:
        why = f"{provider} is not a provider layton knows the prices of"
        return Pricing(provider, bare, known=False, source=f"{_UNKNOWN} ({why})")
    day = _day(None)
    try:
        _rates(provider, bare, day)
    except LookupError:
        return Pricing(provider, bare, known=False, source=f"{_UNKNOWN} ({bare} is not in "
                       f"genai-prices {_prices_version()})")  # fmt: skip
    try:
        _rates(provider, bare, day, True)
    except LookupError:
        pass
    else:
        source = f"genai-prices {_prices_version()} batch price"
        return Pricing(provider, bare, known=True, source=source, listed=True)
    if share is None:
        why = f"{provider}'s batch prices are not a fixed share of its list prices"
        return Pricing(provider, bare, known=False, source=f"{_UNKNOWN} ({why})")
    source = f"genai-prices {_prices_version()} list price x {share:g}, {provider}'s batch share"
    return Pricing(provider, bare, known=True, source=source, share=share)


@functools.cache
def _prices_version() -> str:
    from importlib.metadata import version

    return version("genai-prices")
