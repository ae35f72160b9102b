"""``layton report``: one self-contained HTML page (inline CSS, JS and SVG, no network).

:func:`~layton_eval.report.build.build_report` gathers the data (leaderboard of the calibration
models and your runs, jury mean per riddle category, each run's riddles, configuration and cost)
into a :class:`~layton_eval.report.model.ReportData`; :func:`~layton_eval.report.html.render_page`
turns it into the page.
"""
