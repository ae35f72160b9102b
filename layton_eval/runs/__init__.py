"""Run folders: what a run is on disk, and the only code that writes there.

- :mod:`~layton_eval.runs.layout`: every file name inside a run folder, and run-name rules;
- :mod:`~layton_eval.runs.manifest`: ``run.json`` (the run, its batches, its state);
- :mod:`~layton_eval.runs.store`: atomic writes, the run lock, loading and listing runs;
- :mod:`~layton_eval.runs.outputs`: the merged outcome of every request (``outputs.jsonl``);
- :mod:`~layton_eval.runs.predictions`: the parsed answers and the original results file.
"""
