"""``layton annotate``: a local page to label models' answers, growing the calibration set.

- :mod:`~layton_eval.annotate.items`: what can be labelled (a run's judged answers, the
  calibration set's unlabelled rows, or another annotator's labels to check);
- :mod:`~layton_eval.annotate.select`: which item to show next, and why;
- :mod:`~layton_eval.annotate.labels`: the labels file (calibration schema, atomic writes);
- :mod:`~layton_eval.annotate.summary`: agreement between annotators, and humans vs. the jury;
- :mod:`~layton_eval.annotate.session`: one person's labelling session;
- :mod:`~layton_eval.annotate.server` and :mod:`~layton_eval.annotate.page`: the page, served
  on 127.0.0.1 by the standard library's HTTP server.
"""
