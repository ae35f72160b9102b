"""Cohen's kappa of two raters (stats/agreement.py), checked against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from layton_eval.stats.agreement import cohen_kappa


def _pairs(yes_yes: int, yes_no: int, no_yes: int, no_no: int) -> tuple[list[int], list[int]]:
    a = [1] * yes_yes + [1] * yes_no + [0] * no_yes + [0] * no_no
    b = [1] * yes_yes + [0] * yes_no + [1] * no_yes + [0] * no_no
    return a, b


def test_textbook_table():
    # 50 items: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no. p_o = 35/50 = 0.7;
    # p_a = 25/50, p_b = 30/50, p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = 0.2 / 0.5 = 0.4
    a, b = _pairs(20, 5, 10, 15)
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(b, a) == pytest.approx(0.4)


def test_perfect_chance_and_opposite_agreement():
    a, b = _pairs(3, 0, 0, 7)
    assert cohen_kappa(a, b) == pytest.approx(1.0)
    # agreement exactly at chance level: p_o = p_e = 0.5
    a, b = _pairs(1, 1, 1, 1)
    assert cohen_kappa(a, b) == pytest.approx(0.0)
    a, b = _pairs(0, 4, 6, 0)
    assert cohen_kappa(a, b) == pytest.approx(-0.923076923)  # p_o 0, p_e = 0.4*0.6+0.6*0.4


def test_equals_the_confusion_matrix_formula_on_random_ratings():
    rng = np.random.default_rng(3)
    a = rng.random(500) < 0.7
    b = np.where(rng.random(500) < 0.8, a, ~a)
    table = np.array([[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]]) / 500
    p_o = np.trace(table)
    p_e = float(table.sum(axis=1) @ table.sum(axis=0))
    assert cohen_kappa(a, b) == pytest.approx((p_o - p_e) / (1 - p_e), abs=1e-12)


def test_undefined_cases_are_none():
    assert cohen_kappa([], []) is None
    assert cohen_kappa([1, 1, 1], [True, True, True]) is None  # one class for everyone
    assert cohen_kappa([0, 0], [0, 0]) is None
    assert cohen_kappa([1, 1], [0, 0]) == pytest.approx(0.0)  # p_e = 0, p_o = 0


@pytest.mark.parametrize(
    ("a", "b"), [([1, 0], [1]), ([[1, 0]], [[1, 0]]), ([1, 2], [1, 0]), ([0.5], [1])]
)
def test_bad_input_is_a_value_error(a, b):
    with pytest.raises(ValueError):
        cohen_kappa(a, b)
