"""A run's requests rendered for its provider and split into batches, with their estimate
(no HTTP): what ``send`` submits, and the whole answer of ``send --dry-run``."""

from __future__ import annotations

import typing as t

from pydantic import BaseModel

from layton_eval.batches._calls import impl_of
from layton_eval.errors import BatchError, RunError
from layton_eval.estimates import estimate_cost
from layton_eval.neutral import GenerationOptions, NeutralRequest
from layton_eval.pricing import EstimateRecord, UserPrice, pricing

if t.TYPE_CHECKING:
    from layton_eval.providers.base import Provider
    from layton_eval.runs.store import Run

__all__ = ["PlannedBatch", "SendPlan", "plan_requests", "plan_send"]


class PlannedBatch(BaseModel):
    custom_ids: list[str]
    requests: int
    bytes: int
    #: The batch's estimated tokens and cost (kept on the batch when it is sent).
    estimate: EstimateRecord | None = None


class SendPlan(BaseModel):
    """What ``send`` will submit (the whole answer of ``--dry-run``)."""

    run: str
    provider: str
    model: str
    endpoint: str
    completion_window: str
    purpose: str
    batches: list[PlannedBatch]
    requests: int
    bytes: int
    input_tokens: int
    assumed_output_tokens: int
    estimated_cost_usd: float | None
    price_source: str  # where the price comes from, or why it is unknown
    #: The provider can list batches (else an interrupted send cannot be looked up there).
    can_list: bool = True


def _chunks(
    items: list[tuple[str, dict[str, t.Any]]], sizes: list[int], provider: Provider
) -> list[list[int]]:
    """Indices of ``items`` grouped into as few batches as the provider's limits allow."""
    groups: list[list[int]] = [[]]
    used = 0
    for index, size in enumerate(sizes):
        if size > provider.max_bytes_per_batch:
            raise BatchError(
                f"request {items[index][0]} alone is {size:,} bytes, over {provider.name}'s "
                f"{provider.max_bytes_per_batch:,}-byte batch limit",
                provider=provider.name,
            )
        current = groups[-1]
        if current and (
            len(current) >= provider.max_requests_per_batch
            or used + size > provider.max_bytes_per_batch
        ):
            groups.append([])
            used = 0
        groups[-1].append(index)
        used += size
    return [group for group in groups if group]


def plan_send(
    run: Run,
    *,
    provider: str,
    model: str,
    completion_window: str = "24h",
    ids: list[str] | None = None,
    purpose: str = "initial",
    price: UserPrice | None = None,
) -> tuple[SendPlan, list[list[tuple[str, dict[str, t.Any]]]]]:
    """Render the run's requests for ``provider`` and split them into batches (no HTTP)."""
    wanted = set(ids) if ids is not None else None
    requests = [r for r in run.requests() if wanted is None or r.custom_id in wanted]
    return plan_requests(
        run.name,
        requests,
        GenerationOptions(model=model, **run.manifest.sampling.model_dump()),
        provider=provider,
        completion_window=completion_window,
        purpose=purpose,
        price=price or run.manifest.price,
    )


def plan_requests(
    label: str,
    requests: list[NeutralRequest],
    options: GenerationOptions,
    *,
    provider: str,
    completion_window: str = "24h",
    purpose: str = "initial",
    price: UserPrice | None = None,
) -> tuple[SendPlan, list[list[tuple[str, dict[str, t.Any]]]]]:
    """Native bodies of ``requests`` for ``provider``, grouped into batches, with the estimate
    (at ``price`` when the user gave one)."""
    impl = impl_of(provider)
    impl.validate_completion_window(completion_window)
    if not requests:
        raise RunError(f"run {label} has no request to send", run=label)
    items = [(request.custom_id, impl.build_body(request, options)) for request in requests]
    for custom_id, _ in items:
        impl.validate_custom_id(custom_id)
    sizes = [impl.request_size(body) for _, body in items]
    groups = _chunks(items, sizes, impl)
    estimates = [
        estimate_cost(provider, options.model, [requests[i] for i in group], price)
        for group in groups
    ]
    usd = [e.usd for e in estimates]
    plan = SendPlan(
        run=label,
        provider=provider,
        model=options.model,
        endpoint=impl.endpoint(options.model),
        completion_window=completion_window,
        purpose=purpose,
        batches=[
            PlannedBatch(
                custom_ids=[items[i][0] for i in group],
                requests=len(group),
                bytes=sum(sizes[i] for i in group),
                estimate=EstimateRecord(
                    input_tokens=e.input_tokens, output_tokens=e.output_tokens, usd=e.usd
                ),
            )
            for group, e in zip(groups, estimates, strict=True)
        ],
        requests=len(items),
        bytes=sum(sizes),
        input_tokens=sum(e.input_tokens for e in estimates),
        assumed_output_tokens=sum(e.output_tokens for e in estimates),
        estimated_cost_usd=None if None in usd else sum(u for u in usd if u is not None),
        can_list=impl.supports_listing,
        price_source=pricing(provider, options.model, price).source,
    )
    return plan, [[items[i] for i in group] for group in groups]
