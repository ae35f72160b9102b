"""The score: human-calibrated PPI++ on the jury's verdicts, and the leaderboard.

- :mod:`~layton_eval.score.calibration`: the human-labelled calibration set (``ppi_{split}``);
- :mod:`~layton_eval.score.judge_files`: judge files read for scoring (yours, or a run's);
- :mod:`~layton_eval.score.verdicts`: a panel's verdicts as a riddles x judges matrix;
- :mod:`~layton_eval.score.score`: one model's score with its interval;
- :mod:`~layton_eval.score.leaderboard`: every calibration model (and your runs), ranked.

The numerical work is in :mod:`layton_eval.stats`.
"""
