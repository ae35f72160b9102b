"""The jury: three judges grade every answer of a run.

- :mod:`~layton_eval.jury.panel`: the pool, the panel and the no-self-judging rule;
- :mod:`~layton_eval.jury.send`: each judge's requests, sent as a child run of the evaluated run;
- :mod:`~layton_eval.jury.collect`: the judges' verdicts gathered into judge files and
  ``jury.jsonl``, with the judges' agreement.
"""
