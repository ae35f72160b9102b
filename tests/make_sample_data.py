"""Regenerate the offline sample dataset shipped in ``layton_eval/data/sample``.

The sample holds 8 text riddles (split ``llm``) and 8 picture riddles (split ``vlm``) in the
schema of the layton-eval benchmark. All riddles, hints, solutions and pictures are original to
this project: the texts live in this script and the pictures are drawn with Pillow, so that running
the script twice produces byte-identical files.

Usage (from the project root)::

    .venv/bin/python tests/make_sample_data.py [OUTPUT_DIR]

This is a plain script, not a test module.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import math
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "layton_eval" / "data" / "sample"
KEYS = (
    "id",
    "category",
    "description",
    "img",
    "url",
    "picarats",
    "first_hint",
    "second_hint",
    "third_hint",
    "special_hint",
    "solution",
    "answer",
    "justification",
    "split",
)
JPEG_QUALITY = 70

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREY = (150, 150, 150)
PAPER = (250, 246, 232)
WOOD = (214, 170, 104)
MATCH_HEAD = (200, 40, 30)

# --------------------------------------------------------------------------------------------
# Text riddles (split "llm")
# --------------------------------------------------------------------------------------------

LLM_RIDDLES: list[dict] = [
    {
        "id": "S01-1",
        "category": "Write Answer",
        "picarats": 30.0,
        "description": (
            "The biscuit shop on Lantern Lane only sells its famous ginger biscuits in sealed "
            "tins of 4 and tins of 7.\n"
            "The shopkeeper never opens a tin, so some amounts simply can't be bought: you can "
            "leave with 11 biscuits (one tin of each), but never with exactly 5.\n\n"
            "What is the largest number of biscuits that is impossible to buy exactly?"
        ),
        "first_hint": (
            "Start by listing which small amounts you can make: 4, 7, 8, 11, 12, 14...\n"
            "Which ones are missing?"
        ),
        "second_hint": (
            "Once you can buy four amounts in a row, you can buy every larger amount too: "
            "just add one more tin of 4 to each of them."
        ),
        "third_hint": (
            "You can buy 18, 19, 20 and 21 biscuits.\nSo the answer must be smaller than 18."
        ),
        "special_hint": (
            "Check 17: take away 0, 7 or 14 biscuits and see whether what is left can be "
            "split into tins of 4."
        ),
        "solution": (
            "Well done!\n\n"
            "The answer is 17.\n"
            "17, 10 and 3 (what remains after zero, one or two tins of 7) are not multiples of "
            "4, so 17 can't be bought.\n"
            "But 18 = 4 + 7 + 7, 19 = 4 + 4 + 4 + 7, 20 = 4 x 5 and 21 = 7 x 3, and adding tins "
            "of 4 reaches every larger number."
        ),
        "answer": "17",
        "justification": (
            "17 minus 0, 7 or 14 leaves 17, 10 or 3, none a multiple of 4, so 17 is impossible. "
            "18 (4+7+7), 19 (4+4+4+7), 20 (5x4) and 21 (3x7) are possible, and adding tins of "
            "4 to these four consecutive amounts gives every larger amount."
        ),
    },
    {
        "id": "S02-1",
        "category": "Input",
        "picarats": 20.0,
        "description": (
            "The landlady of the Crooked Kettle inn is proud of her daughter, who helps her "
            "serve the guests.\n\n"
            '"Today I am exactly three times as old as my girl," she says. '
            '"But in twelve years I will only be twice her age."\n\n'
            "How old is the landlady today?"
        ),
        "first_hint": (
            "Both of them grow twelve years older, so the difference between their ages never "
            "changes."
        ),
        "second_hint": (
            "Today the landlady's age is three of her daughter's ages, so the difference between "
            "them is two of the daughter's ages."
        ),
        "third_hint": (
            "In twelve years the landlady is twice her daughter's age, so the difference is then "
            "exactly the daughter's age at that time.\n"
            "Compare the two differences."
        ),
        "special_hint": None,
        "solution": (
            "That's right!\n\n"
            "The landlady is 36 and her daughter is 12.\n"
            "In twelve years they will be 48 and 24, and 48 is twice 24."
        ),
        "answer": "36",
        "justification": (
            "Let the daughter be d, so the landlady is 3d. In twelve years: 3d + 12 = 2(d + 12), "
            "so d = 12 and the landlady is 36. Check: 36 = 3 x 12, and 48 = 2 x 24."
        ),
    },
    {
        "id": "S03-1",
        "category": "Multiple Choice",
        "picarats": 30.0,
        "description": (
            "A freshly baked pie has vanished from a windowsill, and three villagers were seen "
            "nearby. Exactly one of them took it.\n\n"
            'A. The baker says: "The florist took it."\n'
            'B. The florist says: "I didn\'t take it."\n'
            'C. The postman says: "I didn\'t take it."\n\n'
            "Only one of these three statements is true.\n"
            "Who took the pie? Choose A, B or C."
        ),
        "first_hint": (
            "Try each villager in turn as the culprit, and count how many statements are true "
            "in each case."
        ),
        "second_hint": (
            "The baker and the florist contradict each other: one of those two statements must "
            "be true and the other false."
        ),
        "third_hint": (
            "So the one true statement is either the baker's or the florist's.\n"
            "That tells you something about the postman's statement."
        ),
        "special_hint": (
            "The postman's statement has to be the false one.\n"
            'What does it mean if "I didn\'t take it" is a lie?'
        ),
        "solution": (
            "Case closed!\n\n"
            "The postman took the pie: answer C.\n"
            "If the postman is the culprit, only the florist tells the truth.\n"
            "If the baker or the florist were the culprit, two statements would be true."
        ),
        "answer": "C",
        "justification": (
            "If the baker took it, the florist and postman both speak truly (two true). If the "
            "florist took it, the baker and postman speak truly (two true). If the postman took "
            "it, only the florist's statement is true, which matches exactly one true statement."
        ),
    },
    {
        "id": "S04-1",
        "category": "Select",
        "picarats": 20.0,
        "description": (
            "A puzzle-loving sign painter was asked to paint five words on the shutters of a "
            "shop, but he insists that one of them doesn't belong with the others.\n\n"
            "LISTEN   SILENT   ENLIST   TINSEL   TONSIL\n\n"
            "Select the word that is the odd one out."
        ),
        "first_hint": "The meaning of the words won't help you here.\nLook at the letters.",
        "second_hint": "Each word has six letters. Count how often each letter appears.",
        "third_hint": (
            "Four of the words are made of exactly the same letters, just shuffled around."
        ),
        "special_hint": None,
        "solution": (
            "Spot on!\n\n"
            "TONSIL is the odd one out.\n"
            "LISTEN, SILENT, ENLIST and TINSEL all use the letters E, I, L, N, S and T, while "
            "TONSIL has an O instead of the E."
        ),
        "answer": "TONSIL",
        "justification": (
            "LISTEN, SILENT, ENLIST and TINSEL are anagrams of one another (letters E, I, L, N, "
            "S, T). TONSIL contains an O and no E, so it is not an anagram of the others."
        ),
    },
    {
        "id": "S05-1",
        "category": "Write Answer",
        "picarats": 25.0,
        "description": (
            "On a peculiar hillside street, the houses are not numbered one after another.\n"
            "Walking up the hill, you pass houses numbered:\n\n"
            "2, 3, 5, 9, 17, ...\n\n"
            "What number is on the next house?"
        ),
        "first_hint": "Look at how much each number grows compared with the one before it.",
        "second_hint": "The gaps between the numbers are 1, 2, 4 and 8.",
        "third_hint": (
            "Each gap is double the previous one.\n"
            "Another way to see it: each number is twice the previous one, minus 1."
        ),
        "special_hint": None,
        "solution": (
            "Excellent!\n\n"
            "The next house is number 33.\n"
            "The gaps double each time (1, 2, 4, 8, 16), and 17 + 16 = 33."
        ),
        "answer": "33",
        "justification": (
            "The differences are 1, 2, 4, 8, doubling each time, so the next difference is 16 "
            "and 17 + 16 = 33. Equivalently each term is twice the previous minus one: "
            "2 x 17 - 1 = 33."
        ),
    },
    {
        "id": "S06-1",
        "category": "Write Answer",
        "picarats": 40.0,
        "description": (
            "An old diary describes a single month of the year.\n"
            "In that month there were five Fridays and five Saturdays, but only four Thursdays "
            "and only four Sundays.\n\n"
            "On which day of the week did the month begin, and how many days did it have?"
        ),
        "first_hint": (
            "Every month has 28, 29, 30 or 31 days. The first 28 days contain each day of the "
            "week exactly four times."
        ),
        "second_hint": (
            "The days that appear five times are the extra days after the 28th.\n"
            "They follow one another in the week, starting with the same weekday as the 1st."
        ),
        "third_hint": (
            "The extra days must include Friday and Saturday, but not Thursday, which comes "
            "just before Friday, and not Sunday, which comes just after Saturday."
        ),
        "special_hint": (
            "Exactly two days appear five times, so the month has 28 + 2 days, and the first of "
            "these extra days is the weekday of the 1st."
        ),
        "solution": (
            "Superb!\n\n"
            "The month began on a Friday and had 30 days.\n"
            "Days 29 and 30 are a Friday and a Saturday, so those two weekdays occur five times "
            "and every other weekday occurs four times."
        ),
        "answer": "It began on a Friday and had 30 days.",
        "justification": (
            "The first 28 days contain every weekday four times; the remaining days (29th on) "
            "are consecutive weekdays starting with the weekday of the 1st. They must be exactly "
            "Friday and Saturday (not Thursday or Sunday), so there are two extra days: 30 days, "
            "starting on a Friday."
        ),
    },
    {
        "id": "S07-1",
        "category": "Input",
        "picarats": 30.0,
        "description": (
            "After a storm, the cellar of the museum is flooded.\n"
            "The caretaker has three pumps. Working alone, the big pump would empty the cellar "
            "in 4 hours, the middle pump in 6 hours and the little hand pump in 12 hours.\n\n"
            "If all three pumps work together from the start, how many hours will it take to "
            "empty the cellar?"
        ),
        "first_hint": "Think about what part of the cellar each pump empties in one hour.",
        "second_hint": (
            "In one hour the big pump empties a quarter of the cellar, the middle pump a sixth, "
            "and the hand pump a twelfth."
        ),
        "third_hint": (
            "Write the fractions in twelfths: 3/12 + 2/12 + 1/12.\nHow much is that together?"
        ),
        "special_hint": None,
        "solution": (
            "Splendid!\n\n"
            "It takes 2 hours.\n"
            "Together the pumps empty 3/12 + 2/12 + 1/12 = 6/12, half the cellar, every hour."
        ),
        "answer": None,
        "justification": None,
    },
    {
        "id": "S08-1",
        "category": "Strategy",
        "picarats": 35.0,
        "description": (
            "Ten coins lie on the table between you and a cunning card player.\n"
            "You take turns; on each turn a player must take either one or two coins.\n"
            "Whoever takes the last coin wins the game.\n\n"
            "You play first. How many coins should you take on your first turn to be sure of "
            "winning, however well your opponent plays?"
        ),
        "first_hint": "Think backwards from the end of the game.",
        "second_hint": (
            "If exactly three coins are left and it is your opponent's turn, you win: whether "
            "they take one or two, you take the rest."
        ),
        "third_hint": (
            "The same trick works with six or nine coins left on your opponent's turn: you can "
            "always answer so that each round removes three coins."
        ),
        "special_hint": (
            "You want to leave your opponent a multiple of three.\n"
            "Which multiple of three can you reach from ten?"
        ),
        "solution": (
            "You win!\n\n"
            "Take 1 coin, leaving 9.\n"
            "After that, whenever your opponent takes one coin you take two, and whenever they "
            "take two you take one. The pile goes 9, 6, 3, 0 after your turns, so you take the "
            "last coin."
        ),
        "answer": "1",
        "justification": (
            "Positions with a multiple of three coins are lost for the player to move, since "
            "the other can always complete each round to three. Taking 1 leaves 9, a multiple "
            "of three; taking 2 would leave 8, from which the opponent takes 2 to leave you 6."
        ),
    },
]

# --------------------------------------------------------------------------------------------
# Drawing helpers
# --------------------------------------------------------------------------------------------


def font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's built-in default font (scalable when FreeType is available)."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ValueError, OSError):  # very old Pillow or no FreeType
        return ImageFont.load_default()


def canvas(width: int, height: int, color: tuple[int, int, int] = WHITE):
    image = Image.new("RGB", (width, height), color)
    return image, ImageDraw.Draw(image)


def centered_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    fill: tuple[int, int, int] = BLACK,
) -> None:
    draw.text(xy, text, fill=fill, font=font(size), anchor="mm")


def jpeg_base64(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def clock_point(cx: float, cy: float, radius: float, degrees: float) -> tuple[float, float]:
    """Point at ``degrees`` clockwise from 12 o'clock."""
    angle = math.radians(degrees)
    return cx + radius * math.sin(angle), cy - radius * math.cos(angle)


def shape(
    draw: ImageDraw.ImageDraw,
    kind: str,
    cx: float,
    cy: float,
    size: float,
    fill: tuple[int, int, int],
) -> None:
    half = size / 2
    if kind == "circle":
        draw.ellipse((cx - half, cy - half, cx + half, cy + half), fill=fill, outline=BLACK)
    elif kind == "square":
        draw.rectangle((cx - half, cy - half, cx + half, cy + half), fill=fill, outline=BLACK)
    else:  # triangle
        points = [(cx, cy - half), (cx + half, cy + half), (cx - half, cy + half)]
        draw.polygon(points, fill=fill, outline=BLACK)


# --------------------------------------------------------------------------------------------
# Pictures (split "vlm")
# --------------------------------------------------------------------------------------------


def draw_square_grid() -> Image.Image:
    """A 4 x 3 grid of equal squares (20 squares of all sizes)."""
    cell, cols, rows, margin = 40, 4, 3, 20
    image, draw = canvas(cols * cell + 2 * margin, rows * cell + 2 * margin)
    for c in range(cols + 1):
        x = margin + c * cell
        draw.line((x, margin, x, margin + rows * cell), fill=BLACK, width=3)
    for r in range(rows + 1):
        y = margin + r * cell
        draw.line((margin, y, margin + cols * cell, y), fill=BLACK, width=3)
    return image


SEGMENTS = {
    0: "abcdef",
    1: "bc",
    2: "abdeg",
    3: "abcdg",
    4: "bcfg",
    5: "acdfg",
    6: "acdefg",
    7: "abc",
    8: "abcdefg",
    9: "abcdfg",
}


def matchstick(
    draw: ImageDraw.ImageDraw, start: tuple[float, float], end: tuple[float, float]
) -> None:
    """A matchstick from ``start`` to ``end`` (head at ``end``), shortened at both ends."""
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    gap = 3
    a = (x1 + ux * gap, y1 + uy * gap)
    b = (x2 - ux * gap, y2 - uy * gap)
    draw.line((a, b), fill=WOOD, width=4)
    draw.ellipse((b[0] - 3, b[1] - 3, b[0] + 3, b[1] + 3), fill=MATCH_HEAD)


def match_digit(draw: ImageDraw.ImageDraw, digit: int, x0: float, y0: float, w: float) -> None:
    ends = {
        "a": ((x0, y0), (x0 + w, y0)),
        "b": ((x0 + w, y0 + w), (x0 + w, y0)),
        "c": ((x0 + w, y0 + 2 * w), (x0 + w, y0 + w)),
        "d": ((x0, y0 + 2 * w), (x0 + w, y0 + 2 * w)),
        "e": ((x0, y0 + 2 * w), (x0, y0 + w)),
        "f": ((x0, y0 + w), (x0, y0)),
        "g": ((x0, y0 + w), (x0 + w, y0 + w)),
    }
    for segment in SEGMENTS[digit]:
        matchstick(draw, *ends[segment])


def draw_matchstick_equation() -> Image.Image:
    """The wrong equation 9 + 6 = 5 laid out with matchsticks."""
    w, top = 26, 18
    image, draw = canvas(232, 2 * w + 2 * top, PAPER)
    mid = top + w
    match_digit(draw, 9, 16, top, w)
    matchstick(draw, (58, mid), (84, mid))  # plus: horizontal
    matchstick(draw, (71, mid + 13), (71, mid - 13))  # plus: vertical
    match_digit(draw, 6, 100, top, w)
    matchstick(draw, (142, mid - 6), (168, mid - 6))  # equals: upper
    matchstick(draw, (142, mid + 6), (168, mid + 6))  # equals: lower
    match_digit(draw, 5, 190, top, w)
    return image


def star(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, outer: float, fill: tuple[int, int, int]
) -> None:
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else outer * 0.45
        points.append(clock_point(cx, cy, radius, i * 36))
    draw.polygon(points, fill=fill, outline=BLACK)


MAP_HOUSES = {
    "A": (0, 0),
    "B": (4, 2),
    "C": (1, 1),
    "D": (2, 4),
    "E": (3, 0),
    "F": (0, 3),
    "G": (4, 4),
}


def draw_village_map() -> Image.Image:
    """A 5 x 5 street grid, north pointing to the right of the picture."""
    step, origin = 36, 20
    image, draw = canvas(232, 184, (226, 238, 214))

    def at(col: int, row: int) -> tuple[int, int]:
        return origin + col * step, origin + row * step

    last = origin + 4 * step
    for k in range(5):
        draw.line((at(k, 0), (at(k, 0)[0], last)), fill=GREY, width=6)
        draw.line((at(0, k), (last, at(0, k)[1])), fill=GREY, width=6)
    for label, (col, row) in MAP_HOUSES.items():
        x, y = at(col, row)
        draw.rectangle((x - 9, y - 9, x + 9, y + 9), fill=(236, 200, 150), outline=BLACK)
        centered_text(draw, (x, y), label, 13)
    star(draw, *at(2, 2), 10, (240, 200, 20))
    # compass: the arrow marked N points to the right-hand side of the picture
    draw.line((186, 92, 222, 92), fill=BLACK, width=3)
    draw.polygon([(226, 92), (216, 86), (216, 98)], fill=BLACK)
    centered_text(draw, (218, 76), "N", 14)
    return image


def draw_shape_crowd() -> Image.Image:
    """18 shapes: 6 circles, 7 squares, 5 triangles; six pieces of each colour."""
    kinds = ["circle"] * 6 + ["square"] * 7 + ["triangle"] * 5
    rng = random.Random(2024)
    rng.shuffle(kinds)
    colors = [(220, 60, 60), (60, 110, 220), (60, 170, 80)]
    cols, cell, margin = 6, 36, 8
    image, draw = canvas(cols * cell + 2 * margin, 3 * cell + 2 * margin)
    for index, kind in enumerate(kinds):
        row, col = divmod(index, cols)
        cx = margin + col * cell + cell / 2 + rng.randint(-5, 5)
        cy = margin + row * cell + cell / 2 + rng.randint(-5, 5)
        shape(draw, kind, cx, cy, 20, colors[(index * 2 + row) % 3])
    return image


CORNERS = ((0, 0), (1, 0), (1, 1), (0, 1))  # top-left, top-right, bottom-right, bottom-left


def dot_panel(
    draw: ImageDraw.ImageDraw,
    x0: float,
    y0: float,
    black: int | None,
    white: int | None,
    size: int = 40,
) -> None:
    draw.rectangle((x0, y0, x0 + size, y0 + size), outline=BLACK, width=2)
    inset, radius = 10, 5
    for corner, fill in ((black, BLACK), (white, WHITE)):
        if corner is None:
            continue
        fx, fy = CORNERS[corner]
        cx = x0 + inset + fx * (size - 2 * inset)
        cy = y0 + inset + fy * (size - 2 * inset)
        draw.ellipse(
            (cx - radius, cy - radius, cx + radius, cy + radius), fill=fill, outline=BLACK, width=2
        )


def draw_dot_sequence() -> Image.Image:
    """Four tiles of a sequence, a '?' tile, and four candidate tiles A-D."""
    image, draw = canvas(240, 144)
    size, gap, left, top = 40, 8, 4, 8
    sequence = [(0, 1), (1, 0), (2, 3), (3, 2)]  # (black corner, white corner)
    for index, (black, white) in enumerate(sequence):
        dot_panel(draw, left + index * (size + gap), top, black, white, size)
    qx = left + 4 * (size + gap)
    draw.rectangle((qx, top, qx + size, top + size), outline=BLACK, width=2)
    centered_text(draw, (qx + size / 2, top + size / 2), "?", 20)
    draw.line((8, 60, 232, 60), fill=GREY, width=1)
    options = [(0, 1), (1, 0), (0, 3), (2, 1)]  # A (correct), B, C, D
    for index, (black, white) in enumerate(options):
        x0 = 16 + index * (size + 16)
        dot_panel(draw, x0, 70, black, white, size)
        centered_text(draw, (x0 + size / 2, 128), "ABCD"[index], 14)
    return image


PIECE_COLORS = {"circle": (220, 60, 60), "square": (60, 110, 220), "triangle": (60, 170, 80)}


def balance(
    draw: ImageDraw.ImageDraw,
    x0: float,
    left: list[str],
    right: list[str] | None,
    base: float = 92,
) -> None:
    """A level balance (beam on a pivot, a plate at each end) in the 80 px column at ``x0``."""
    cx, beam_y, piece = x0 + 40, base - 34, 11
    draw.polygon([(cx, beam_y), (cx - 11, base), (cx + 11, base)], fill=GREY, outline=BLACK)
    draw.line((x0 + 8, base, x0 + 72, base), fill=BLACK, width=2)
    draw.line((x0 + 3, beam_y, x0 + 77, beam_y), fill=BLACK, width=4)
    for plate_x, items in ((x0 + 20, left), (x0 + 60, right)):
        plate_y = beam_y - 12
        draw.line((plate_x, beam_y, plate_x, plate_y), fill=BLACK, width=2)
        draw.line((plate_x - 17, plate_y, plate_x + 17, plate_y), fill=BLACK, width=3)
        if items is None:
            centered_text(draw, (plate_x, plate_y - 10), "?", 18)
            continue
        step = piece + 1
        first = plate_x - step * (len(items) - 1) / 2
        for k, kind in enumerate(items):
            shape(draw, kind, first + step * k, plate_y - 2 - piece / 2, piece, PIECE_COLORS[kind])


def draw_balances() -> Image.Image:
    image, draw = canvas(240, 104)
    balance(draw, 0, ["circle"], ["square", "square"])
    balance(draw, 80, ["square"], ["triangle", "triangle", "triangle"])
    balance(draw, 160, ["circle", "circle"], None)
    for x in (80, 160):
        draw.line((x, 10, x, 96), fill=(210, 210, 210), width=1)
    return image


NUMBER_GRID = ((1, 4, 7, 5), (3, 7, 3, 2), (3, 8, 3, 3), (1, 1, 4, 4))


def draw_number_grid() -> Image.Image:
    cell, margin = 40, 20
    image, draw = canvas(4 * cell + 2 * margin, 4 * cell + 2 * margin)
    start = (margin, margin, margin + cell, margin + cell)
    finish = (margin + 3 * cell, margin + 3 * cell, margin + 4 * cell, margin + 4 * cell)
    draw.rectangle(start, fill=(200, 230, 200))
    draw.rectangle(finish, fill=(240, 210, 200))
    for k in range(5):
        pos = margin + k * cell
        draw.line((pos, margin, pos, margin + 4 * cell), fill=BLACK, width=2)
        draw.line((margin, pos, margin + 4 * cell, pos), fill=BLACK, width=2)
    for row, values in enumerate(NUMBER_GRID):
        for col, value in enumerate(values):
            centre = (margin + col * cell + cell / 2, margin + row * cell + cell / 2)
            centered_text(draw, centre, str(value), 20)
    return image


def draw_mirror_clock() -> Image.Image:
    """A clock seen in a mirror: the real time is 9:30, so the image shows 2:30."""
    image, draw = canvas(168, 168, (205, 225, 235))
    cx = cy = 84
    draw.rectangle((4, 4, 163, 163), outline=(120, 140, 150), width=4)
    draw.ellipse((cx - 66, cy - 66, cx + 66, cy + 66), fill=WHITE, outline=BLACK, width=3)
    for hour in range(12):
        inner = 50 if hour == 0 else 56
        draw.line(
            (clock_point(cx, cy, inner, hour * 30), clock_point(cx, cy, 62, hour * 30)),
            fill=BLACK,
            width=5 if hour == 0 else 2,
        )
    hour_angle = 360 - (9 * 30 + 15)  # mirrored hour hand of 9:30
    draw.line(((cx, cy), clock_point(cx, cy, 34, hour_angle)), fill=BLACK, width=6)
    draw.line(((cx, cy), clock_point(cx, cy, 52, 180)), fill=BLACK, width=3)
    draw.ellipse((cx - 4, cy - 4, cx + 4, cy + 4), fill=BLACK)
    return image


# --------------------------------------------------------------------------------------------
# Picture riddles (split "vlm")
# --------------------------------------------------------------------------------------------

VLM_RIDDLES: list[dict] = [
    {
        "id": "V01-1",
        "category": "Input",
        "picarats": 20.0,
        "draw": draw_square_grid,
        "description": (
            "A carpenter has nailed thin strips of wood together to make the window frame in "
            "the picture.\n\n"
            "How many squares of any size can you find in the frame?"
        ),
        "first_hint": "Don't stop at the small squares. Bigger squares are hiding too.",
        "second_hint": (
            "Count the squares size by size: first the small ones, then those two small squares "
            "wide, then those three wide."
        ),
        "third_hint": (
            "The frame is 4 small squares wide and 3 tall.\n"
            "A square two small squares wide can start in 3 places along a row and 2 places "
            "down a column."
        ),
        "special_hint": (
            "There are 12 small squares and 6 squares two wide.\n"
            "Now count the squares three wide. There is no room for a square four wide."
        ),
        "solution": (
            "Well spotted!\n\n"
            "There are 20 squares.\n"
            "12 small ones, 6 that are two squares wide and 2 that are three squares wide."
        ),
        "answer": "20",
        "justification": (
            "The frame is a 4 x 3 grid of unit squares. Unit squares: 4 x 3 = 12; 2 x 2 "
            "squares: 3 x 2 = 6; 3 x 3 squares: 2 x 1 = 2. Total 12 + 6 + 2 = 20."
        ),
    },
    {
        "id": "V02-1",
        "category": "Matchstick",
        "picarats": 35.0,
        "draw": draw_matchstick_equation,
        "description": (
            "Someone has laid out a sum with matchsticks on the tavern table, but it is wrong.\n\n"
            "Move exactly one matchstick to make the sum correct.\n"
            "Every digit must look like a digit on a digital clock, and the equals sign must "
            "stay as it is.\n\n"
            "What is the corrected sum?"
        ),
        "first_hint": (
            "Read the sum first: it says 9 + 6 = 5.\n"
            "Which digits can become other digits by adding or removing a single match?"
        ),
        "second_hint": (
            "Removing one match from a 9 can turn it into a 3 or a 5.\n"
            "Adding one match to a 5 can turn it into a 6 or a 9."
        ),
        "third_hint": (
            "Try taking a match from the first number and giving it to the answer on the right."
        ),
        "special_hint": None,
        "solution": (
            "Brilliant!\n\n"
            "Take the upper-left match from the 9 to make a 3, and put it on the upper right "
            "of the 5 to make a 9.\n"
            "The sum now reads 3 + 6 = 9."
        ),
        "answer": "3 + 6 = 9",
        "justification": (
            "The picture shows 9 + 6 = 5. Moving the top-left vertical match of the 9 (making "
            "it a 3) to the top-right of the 5 (making it a 9) gives 3 + 6 = 9, which is true."
        ),
    },
    {
        "id": "V03-1",
        "category": "Circle Answer",
        "picarats": 30.0,
        "draw": draw_village_map,
        "description": (
            "A messenger left a note with this map of the village:\n\n"
            '"Start at the fountain, marked with a star. Walk one block north, then two '
            'blocks east, then one block south. My house is where you stop."\n\n'
            "Circle the messenger's house. Which letter is it?"
        ),
        "first_hint": "Before you start walking, check which way north is on this map.",
        "second_hint": (
            "The little arrow marked N shows where north is.\n"
            "On this map, north is not at the top of the page!"
        ),
        "third_hint": (
            "North points to the right of the picture, so east points towards the bottom, "
            "south to the left and west to the top."
        ),
        "special_hint": (
            "From the star: one block to the right, then two blocks down, then one block to "
            "the left."
        ),
        "solution": (
            "You found it!\n\n"
            "The messenger lives in house D.\n"
            "North is to the right on this map, so you walk one block right, two blocks down "
            "and one block left, ending at D.\n"
            "If you assumed north was up, you ended at house B."
        ),
        "answer": "D",
        "justification": (
            "The compass arrow N points to the right of the map, so east is down and south is "
            "left. From the star (centre): 1 block right, 2 blocks down, 1 block left reaches "
            "the bottom-middle intersection, which is house D."
        ),
    },
    {
        "id": "V04-1",
        "category": "Multiple Choice",
        "picarats": 25.0,
        "draw": draw_shape_crowd,
        "description": (
            "A toymaker has spilt a box of wooden pieces on his workbench.\n\n"
            "Which kind of piece is there the most of?\n\n"
            "A. Circles\n"
            "B. Squares\n"
            "C. Triangles\n"
            "D. There are equal numbers of all three"
        ),
        "first_hint": "Don't let the colours distract you. Only the shapes matter.",
        "second_hint": (
            "There are exactly six red, six blue and six green pieces, so counting colours "
            "tells you nothing."
        ),
        "third_hint": (
            "Count row by row and keep a tally for each shape.\nThere are 18 pieces in all."
        ),
        "special_hint": None,
        "solution": (
            "Correct!\n\nThe answer is B.\nThere are 7 squares, 6 circles and 5 triangles."
        ),
        "answer": None,
        "justification": None,
    },
    {
        "id": "V05-1",
        "category": "Select",
        "picarats": 30.0,
        "draw": draw_dot_sequence,
        "description": (
            "The top row of the picture shows four tiles of a sequence, followed by a missing "
            "tile.\n\n"
            "Select the tile from A, B, C and D that comes next in the sequence."
        ),
        "first_hint": "Follow the black dot and the white dot separately.",
        "second_hint": "The black dot moves one corner clockwise from tile to tile.",
        "third_hint": "The white dot also moves one corner each time, but in the other direction.",
        "special_hint": (
            "The black dot goes top-left, top-right, bottom-right, bottom-left...\n"
            "The white dot goes top-right, top-left, bottom-left, bottom-right..."
        ),
        "solution": (
            "Exactly right!\n\n"
            "The answer is A.\n"
            "The black dot moves clockwise and returns to the top-left corner, while the white "
            "dot moves anticlockwise and returns to the top-right corner."
        ),
        "answer": "A",
        "justification": (
            "The black dot moves one corner clockwise each step (TL, TR, BR, BL, so next TL); "
            "the white dot moves one corner anticlockwise (TR, TL, BL, BR, so next TR). Only "
            "tile A has black top-left and white top-right."
        ),
    },
    {
        "id": "V06-1",
        "category": "Input",
        "picarats": 25.0,
        "draw": draw_balances,
        "description": (
            "The first two balances in the picture are perfectly level.\n"
            "All pieces of the same shape weigh the same.\n\n"
            "How many triangles must be placed on the empty pan of the third balance to make "
            "it level?"
        ),
        "first_hint": "Work out what one circle weighs in squares.",
        "second_hint": (
            "One circle balances two squares, and one square balances three triangles."
        ),
        "third_hint": "So one circle weighs the same as 2 x 3 triangles.",
        "special_hint": None,
        "solution": (
            "Perfectly balanced!\n\n"
            "You need 12 triangles.\n"
            "One circle = two squares = six triangles, so two circles = twelve triangles."
        ),
        "answer": "12",
        "justification": (
            "From the first balance, 1 circle = 2 squares; from the second, 1 square = 3 "
            "triangles. So 1 circle = 6 triangles and the 2 circles on the third balance need "
            "12 triangles."
        ),
    },
    {
        "id": "V07-1",
        "category": "Write Answer",
        "picarats": 40.0,
        "draw": draw_number_grid,
        "description": (
            "A treasure hunter crosses a tiled floor from the green tile in the top-left corner "
            "to the pink tile in the bottom-right corner.\n"
            "She may only step to the tile on the right or to the tile below, and she collects "
            "as many coins as the number written on each tile she stands on, including the "
            "first and last tiles.\n\n"
            "What is the largest number of coins she can collect?"
        ),
        "first_hint": (
            "Every route takes exactly three steps right and three steps down, and visits seven "
            "tiles."
        ),
        "second_hint": (
            "Always choosing the bigger neighbouring tile does not give the best total here.\n"
            "Look further ahead."
        ),
        "third_hint": (
            "For each tile, work out the best total you can have when you arrive there: it is "
            "the tile's number plus the better of the totals above it and to its left."
        ),
        "special_hint": (
            "The 8 in the third row is worth going down for.\n"
            "Find the best way to reach it, and the best way on from it."
        ),
        "solution": (
            "Rich indeed!\n\n"
            "The best haul is 31 coins.\n"
            "Go right to 4, down to 7, down to 8, right to 3, down to 4 and right to 4: "
            "1 + 4 + 7 + 8 + 3 + 4 + 4 = 31.\n"
            "Greedily following the top row only gives 26."
        ),
        "answer": "31",
        "justification": (
            "The grid rows are 1 4 7 5 / 3 7 3 2 / 3 8 3 3 / 1 1 4 4. The best route is right, "
            "down, down, right, down, right: 1 + 4 + 7 + 8 + 3 + 4 + 4 = 31; every other route "
            "collects at most 30."
        ),
    },
    {
        "id": "V08-1",
        "category": "Write Answer",
        "picarats": 30.0,
        "draw": draw_mirror_clock,
        "description": (
            "The professor glances up and sees the clock on the wall behind him, reflected in "
            "the mirror in front of him. The picture shows what he sees in the mirror.\n"
            "The thick mark at the top is 12 o'clock.\n\n"
            "What time is it really?"
        ),
        "first_hint": "A mirror swaps left and right, but not top and bottom.",
        "second_hint": (
            "In the mirror the hour hand points between 2 and 3, and the minute hand points "
            "straight down."
        ),
        "third_hint": (
            "Swap left and right: a hand pointing between 2 and 3 really points between 9 and 10."
        ),
        "special_hint": None,
        "solution": (
            "Right on time!\n\n"
            "It is really half past nine, 9:30.\n"
            "The reflection looks like 2:30, but mirrored back the hour hand sits halfway "
            "between 9 and 10, and the minute hand stays on the 6."
        ),
        "answer": "9:30",
        "justification": (
            "The mirror image shows the hour hand halfway between 2 and 3 and the minute hand "
            "on 6 (apparently 2:30). Mirroring left-right puts the hour hand halfway between 9 "
            "and 10 with the minute hand still on 6, so the real time is 9:30."
        ),
    },
]


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def build_row(riddle: dict, split: str, img: str | None) -> dict:
    row = {key: riddle.get(key) for key in KEYS}
    row["img"] = img
    row["url"] = None
    row["split"] = split
    return row


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=True) + "\n")


def build_rows() -> tuple[list[dict], list[dict]]:
    llm = [build_row(riddle, "llm", None) for riddle in LLM_RIDDLES]
    vlm = []
    for riddle in VLM_RIDDLES:
        draw_picture: Callable[[], Image.Image] = riddle["draw"]
        vlm.append(build_row(riddle, "vlm", jpeg_base64(draw_picture())))
    return llm, vlm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "out_dir",
        nargs="?",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output folder (default: {DEFAULT_OUT})",
    )
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    llm, vlm = build_rows()
    write_jsonl(args.out_dir / "layton_eval_llm.jsonl", llm)
    write_jsonl(args.out_dir / "layton_eval_vlm.jsonl", vlm)
    print(f"wrote {len(llm)} llm and {len(vlm)} vlm riddles to {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
