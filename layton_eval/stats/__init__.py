"""Statistics as plain numpy functions: arrays in, numbers out (no files, no providers).

:mod:`~layton_eval.stats.ppi` holds the jury values, their bins and the PPI++ estimator,
:mod:`~layton_eval.stats.draws` the exact count draws (riddles per bin, label sums per bin),
:mod:`~layton_eval.stats.bootstrap` the stratified bootstrap (published, labels and full
intervals),
:mod:`~layton_eval.stats.compare` the paired comparison (paired bootstrap, McNemar, Holm, the
detectable difference), :mod:`~layton_eval.stats.intervals` the published interval, rounding,
ranks and the Wilson interval, :mod:`~layton_eval.stats.agreement` the judges' agreement
with each other and with humans, and :mod:`~layton_eval.stats.homogeneity` the tests that a rate
is the same in every group. Any floor of the package may import these modules; they import
nothing of layton's but each other.
"""
