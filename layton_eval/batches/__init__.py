"""The durable batch lifecycle of a run: send -> status -> fetch, recorded in ``run.json``.

Every step is written down before and after it talks to a provider, so a killed process never
orphans a paid batch and never causes one to be submitted twice:

1. :mod:`~layton_eval.batches.send` records each batch's *intent* (ids, provider, model, size)
   under the run lock, then submits it, then records the batch id. A crash in between leaves the
   intent in the ``submitting`` phase; ``send`` then refuses to resubmit and
   :mod:`~layton_eval.batches.reconcile` asks the provider's batch list (matched by layton's
   metadata, else by size and time) which batch was accepted.
2. :mod:`~layton_eval.batches.status` asks the provider where each unfinished batch stands and
   records the answer (once, or until every batch is finished).
3. :mod:`~layton_eval.batches.fetch` downloads the results of finished batches and merges them
   into the run's outputs (see :mod:`layton_eval.runs.outputs`).

Judge child runs (``<run>/jury/<judge>/``) go through exactly the same functions. Only this
package and :mod:`layton_eval.providers` talk to providers.
"""
