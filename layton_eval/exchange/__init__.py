"""Answers made elsewhere, and requests answered elsewhere.

- :mod:`~layton_eval.exchange.answers`: files of answers (the original scripts' interchange
  results file, an OpenAI Batch output file) read into the results a fetch reads;
- :mod:`~layton_eval.exchange.importing`: ``layton import``, a new run or answers brought into
  a run, as if fetched;
- :mod:`~layton_eval.exchange.export`: ``layton export``, a run's requests as an OpenAI Batch
  input file for an OpenAI-compatible engine (vLLM's ``run-batch`` on one's own GPU).
"""
