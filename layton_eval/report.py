"""The ``layton report`` page: one self-contained HTML file (inline CSS, JS and SVG, no network).

:func:`build_report` gathers the data (leaderboard of the calibration models and your runs, jury
mean per riddle category, each run's riddles, configuration and cost) into a :class:`ReportData`;
:func:`render_html` turns it into the page. Charts are SVG drawn here; every text that comes
from data (riddles, model outputs, names) goes through :func:`html.escape`.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import typing as t
import zlib
from fractions import Fraction
from html import escape
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from layton_eval import __version__
from layton_eval.evaluation import (
    UNKNOWN_CATEGORY,
    CategoryResult,
    LeaderboardRow,
    RunVerdicts,
    build_leaderboard,
    category_means,
    run_verdicts,
)
from layton_eval.report_page import render_page

if t.TYPE_CHECKING:
    from layton_eval.runs import Run
    from layton_eval.settings import Settings

__all__ = [
    "CostLine",
    "JudgeVerdict",
    "ModelCategories",
    "ReportData",
    "RiddleRow",
    "RunReport",
    "build_report",
    "render_html",
]
