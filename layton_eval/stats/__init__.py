"""Statistics as plain numpy functions: arrays in, numbers out (no files, no providers).

:mod:`~layton_eval.stats.ppi` holds the jury values and the stratified-bootstrap PPI++ estimator,
:mod:`~layton_eval.stats.intervals` the published interval, rounding and ranks, and
:mod:`~layton_eval.stats.agreement` the judges' agreement. Any floor of the package may import
these modules; they import nothing of layton's but each other.
"""
