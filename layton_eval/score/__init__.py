"""The score: human-calibrated PPI++ on the jury's verdicts, the leaderboard, comparisons.

- :mod:`~layton_eval.score.calibration`: the human-labelled calibration set (``ppi_{split}``);
- :mod:`~layton_eval.score.judge_files`: judge files read for scoring (yours, or a run's);
- :mod:`~layton_eval.score.verdicts`: a panel's verdicts as a riddles x judges matrix;
- :mod:`~layton_eval.score.coverage`: jury bins, and the one rule for uncalibrated values;
- :mod:`~layton_eval.score.score`: one model's score with its interval;
- :mod:`~layton_eval.score.leaderboard`: every calibration model (and your runs), ranked;
- :mod:`~layton_eval.score.comparable`: whether a run used the official prompt files;
- :mod:`~layton_eval.score.subjects`, :mod:`~layton_eval.score.compare`: ``layton compare``;
- :mod:`~layton_eval.score.judges`: the judges against the human labels.

The numerical work is in :mod:`layton_eval.stats`.
"""
