"""The labelling page: one HTML document, its style and script inline, and its CSP.

Everything the page shows from data (riddles, model output, notes, file names) is put in with
``textContent`` by the script, or escaped here: nothing from data is ever parsed as HTML. The
Content-Security-Policy allows exactly the inline style and script of this document (by their
sha256), pictures as ``data:`` URLs and requests to this server; nothing else is loaded.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
import typing as t
from html import escape
from importlib import resources

from layton_eval.annotate.select import RULE
from layton_eval.next_step import fixes

__all__ = ["KEYS", "Page", "render"]

#: The keyboard, as the page's help lists it.
KEYS: tuple[tuple[str, str], ...] = (
    ("y / n", "the answer is correct / wrong; then the same for the justification"),
    ("s", "skip this item (it comes back in a later session)"),
    ("u", "undo: take back the last decision, or the last label"),
    ("t", "write a note (Esc to leave the note)"),
    ("Enter", "next item, once the judges are shown"),
    ("v", "show or hide the agreement view"),
    ("q", "finish the session"),
)


@dataclasses.dataclass(frozen=True)
class Page:
    """The document and the Content-Security-Policy that goes with it."""

    html: str
    csp: str


@functools.cache
def _asset(name: str) -> str:
    return (resources.files("layton_eval.annotate") / name).read_text(encoding="utf-8")


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _json_script(data: t.Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(*, token: str, context: dict[str, t.Any]) -> Page:
    """The page for one session; ``context`` holds what the header says (``split``,
    ``labels``, ``annotator``, ``source``, ``budget``)."""
    css, js = _asset("page.css"), _asset("page.js")
    csp = (
        f"default-src 'none'; script-src {_hash(js)}; style-src {_hash(css)}; img-src data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    config = _json_script({"token": token, **context})
    rule = "".join(f"<li>{escape(line)}</li>" for line in RULE[1:])
    keys = "".join(f"<dt><kbd>{escape(k)}</kbd></dt><dd>{escape(v)}</dd>" for k, v in KEYS)
    title = f"layton annotate · {context.get('split', '')}"
    html = _TEMPLATE.format(
        title=escape(title),
        command=escape(fixes.annotate_again()),
        css=css,
        js=js,
        config=config,
        rule_intro=escape(RULE[0]),
        rule=rule,
        keys=keys,
        split=escape(str(context.get("split", ""))),
        labels=escape(str(context.get("labels", ""))),
        annotator=escape(str(context.get("annotator", ""))),
        source=escape(str(context.get("source", ""))),
    )
    return Page(html=html, csp=csp)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title><style>{css}</style></head>
<body>
<header><div class="wrap bar">
<h1>{command} <span class="split">{split}</span></h1>
<p class="sub">as <b id="who">{annotator}</b> · labels written to <code id="file">{labels}</code>
· items: {source}</p>
<p id="progress" class="progress" aria-live="polite"></p>
<nav><button id="show-summary" type="button" title="v">Agreement view</button>
<button id="finish" type="button" title="q">Finish</button></nav>
</div></header>
<main class="wrap">
<p id="error" class="error" role="alert" hidden></p>
<section id="done" class="done" hidden><h2>The session has stopped</h2>
<p id="done-reason"></p><p>Every label is in <code>{labels}</code>. You can close this tab; run
<code>{command}</code> again to go on where you stopped.</p></section>
<section id="item" class="item" hidden>
<div class="cols">
<article class="riddle"><h2>Riddle <span id="riddle-id"></span>
<span id="category" class="chip"></span></h2>
<p id="description" class="text"></p><img id="picture" alt="" hidden>
<h3>Hints the model had</h3><ol id="hints" class="hints"></ol><p id="no-hints" class="muted">
None: the model saw the riddle only.</p>
<h3>Gold answer</h3><p id="gold-answer" class="gold text"></p>
<h3>Suggested justification</h3><p id="gold-justification" class="text"></p>
<details id="solution-box"><summary>Solution text</summary><p id="solution" class="text"></p>
</details></article>
<article class="answer"><h2>The model's answer</h2><p id="answer" class="big text"></p>
<h3>Its justification</h3><p id="justification" class="text"></p>
<div id="questions" class="questions">
<div class="q" id="q-answer"><span class="label">1. Is the answer correct?</span>
<button type="button" data-choice="yes">Yes <kbd>y</kbd></button>
<button type="button" data-choice="no">No <kbd>n</kbd></button><span class="picked"></span></div>
<div class="q" id="q-justification"><span class="label">2. Is the justification correct?
</span><button type="button" data-choice="yes">Yes <kbd>y</kbd></button>
<button type="button" data-choice="no">No <kbd>n</kbd></button><span class="picked"></span>
</div>
<p class="muted small">A wrong answer has no correct justification: <kbd>n</kbd> on the answer
labels both.</p>
<label class="notes">Notes <kbd>t</kbd>
<textarea id="notes" rows="2" maxlength="4000"
placeholder="Anything worth knowing about this item (optional)"></textarea></label>
<div class="actions"><button id="skip" type="button">Skip <kbd>s</kbd></button>
<button id="undo" type="button">Undo <kbd>u</kbd></button></div></div>
<div id="reveal" class="reveal" hidden>
<p id="your-label" class="yours"></p><p id="who-answered" class="muted"></p>
<table class="verdicts"><thead><tr><th>Judge</th><th>Answer</th><th>Justification</th>
<th>Both</th></tr></thead><tbody id="verdicts"></tbody></table>
<p id="jury-line"></p><p class="muted small">Why this item: <span id="reason"></span></p>
<p><button id="next" type="button" class="primary">Next item <kbd>Enter</kbd></button>
<button id="undo-label" type="button">Take back this label <kbd>u</kbd></button></p>
</div></article></div></section>
<section id="summary" class="summary" hidden><h2>Agreement view</h2>
<div id="summary-body"><p class="muted">Loading…</p></div></section>
<section class="help"><details><summary>How items are chosen</summary><p>{rule_intro}</p>
<ol>{rule}</ol></details><details><summary>Keyboard</summary><dl class="keys">{keys}</dl>
</details></section>
</main>
<script type="application/json" id="config">{config}</script>
<script>{js}</script></body></html>
"""
