(function () {
  'use strict';
  const config = JSON.parse(document.getElementById('config').textContent);
  const $ = (id) => document.getElementById(id);
  let state = null;      // the server's last answer
  let answer = null;     // the answer decision of the item on screen (before it is saved)
  let busy = false;      // a request is on its way: keys wait
  let summaryShown = false;

  function api(path, body) {
    const init = {method: body === undefined ? 'GET' : 'POST',
                  headers: {'X-Layton-Token': config.token}};
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then((response) => response.json().then((data) => {
      if (!response.ok) {
        const error = new Error(data.error || ('HTTP ' + response.status));
        error.status = response.status;
        throw error;
      }
      return data;
    }), () => {
      throw new Error('The labelling server is not running (it stopped or was interrupted). ' +
                      'Your labels are kept: start layton annotate again to go on.');
    });
  }

  function call(path, body) {
    if (busy) { return Promise.resolve(); }
    busy = true;
    return api(path, body).then((data) => { showError(''); render(data); })
      .catch((error) => {
        showError(error.message);
        if (error.status === 409) {  // the page was behind: show what is on screen now
          return api('/api/state').then(render).catch(() => undefined);
        }
        return undefined;
      })
      .finally(() => { busy = false; });
  }

  function showError(message) {
    $('error').textContent = message;
    $('error').hidden = !message;
  }

  function setText(id, text) { $(id).textContent = text || ''; }

  function mark(value) {
    const span = document.createElement('span');
    span.className = value ? 'ok' : 'ko';
    span.textContent = value ? '✓ correct' : '✗ wrong';
    return span;
  }

  function renderProgress(progress) {
    const parts = [progress.session + ' labelled in this session'];
    if (progress.budget) { parts.push('budget ' + progress.budget); }
    parts.push(progress.left.toLocaleString('en') + ' left to label');
    if (progress.skipped) { parts.push(progress.skipped + ' skipped'); }
    setText('progress', parts.join(' · '));
  }

  function renderItem(item) {
    setText('riddle-id', item.riddle_id);
    setText('category', item.category || 'no category');
    setText('description', item.description);
    const picture = $('picture');
    picture.hidden = !item.image;
    if (item.image) { picture.src = item.image; picture.alt = 'picture of riddle ' + item.riddle_id; }
    else { picture.removeAttribute('src'); }
    const hints = $('hints');
    hints.replaceChildren();
    item.hints.forEach((hint) => {
      const li = document.createElement('li');
      li.textContent = hint.label + ': ' + hint.text;
      hints.appendChild(li);
    });
    $('no-hints').hidden = item.hints.length > 0;
    setText('gold-answer', item.gold_answer || 'no gold answer for this riddle');
    setText('gold-justification', item.gold_justification || '(none)');
    setText('solution', item.solution || '(none)');
    $('solution-box').hidden = !item.solution;
    setText('answer', item.answer);
    // the answer as the model wrote it: large only when it is a short line, never a "heading"
    const text = item.answer || '';
    $('answer').classList.toggle('big', text.length <= 80 && !text.includes('\n'));
    setText('justification', item.justification || '(no justification)');
  }

  function renderQuestions(labelled) {
    const qa = $('q-answer'), qj = $('q-justification');
    qa.classList.toggle('active', !labelled && answer === null);
    qj.classList.toggle('active', !labelled && answer === true);
    qj.classList.toggle('off', answer === false);
    const picked = (q, value) => {
      const span = q.querySelector('.picked');
      span.textContent = value === null ? '' : (value ? 'yes' : 'no');
      span.className = 'picked' + (value === null ? '' : (value ? ' yes' : ' no'));
    };
    const human = labelled && state.reveal ? state.reveal.human : null;
    picked(qa, human ? human.answer : answer);
    picked(qj, human ? human.justification : (answer === false ? false : null));
    $('questions').classList.toggle('decided', labelled);
    const off = labelled || state.done;
    document.querySelectorAll('#questions button').forEach((b) => { b.disabled = off; });
    $('notes').disabled = state.done;
    $('undo').disabled = off || (answer === null && !state.can_undo);
  }

  function renderReveal(reveal) {
    const human = reveal.human;
    setText('your-label', 'Your label: answer ' + (human.answer ? '✓' : '✗') +
            ', justification ' + (human.justification ? '✓' : '✗') +
            ' → both ' + (human.both ? 'correct' : 'wrong') + '. Saved.');
    setText('who-answered', 'Answer by ' + reveal.provider + ' / ' + reveal.model +
            ' (' + reveal.source + ')');
    const body = $('verdicts');
    body.replaceChildren();
    reveal.verdicts.forEach((v) => {
      const tr = document.createElement('tr');
      const name = document.createElement('td');
      name.textContent = v.judge;
      tr.appendChild(name);
      [v.answer, v.justification, v.both].forEach((value) => {
        const td = document.createElement('td');
        td.appendChild(mark(value));
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    const agrees = reveal.jury_agrees;
    const line = $('jury-line');
    line.replaceChildren();
    const strong = document.createElement('b');
    strong.textContent = 'Jury value ' + reveal.jury_label + ': ';
    const verdict = document.createElement('span');
    verdict.className = agrees === null ? 'mid' : (agrees ? 'ok' : 'ko');
    verdict.textContent = agrees === null ? 'no majority' :
      (agrees ? 'the majority agrees with you' : 'the majority disagrees with you');
    line.append(strong, verdict);
    setText('reason', reveal.reason);
  }

  function render(data) {
    state = data;
    renderProgress(data.progress);
    $('done').hidden = !data.done;
    setText('done-reason', data.stopped ? 'It stopped because ' + data.stopped + '.' : '');
    $('finish').disabled = data.done;
    const item = data.item;
    $('item').hidden = !item;
    if (item) {
      const id = item.key;
      if ($('item').dataset.key !== id) {  // another item on screen: start afresh
        $('item').dataset.key = id;
        renderItem(item);
        answer = null;
        $('notes').value = data.notes || '';
        window.scrollTo(0, 0);
      }
      const revealed = $('reveal').hidden === false;
      if (data.labelled) { answer = data.reveal.human.answer; renderReveal(data.reveal); }
      $('reveal').hidden = !data.labelled;
      if (data.labelled && !revealed) { $('reveal').scrollIntoView({block: 'nearest'}); }
      $('next').disabled = data.done;
      $('undo-label').disabled = data.done;
      renderQuestions(data.labelled);
    }
    if (data.done) { showSummary(true); }
  }

  function key() { return state && state.item ? state.item.key : null; }

  function decide(value) {
    if (!state || !state.item || state.labelled || state.done || busy) { return; }
    if (answer === null && value) { answer = true; renderQuestions(false); return; }
    const first = answer === null ? value : answer;
    const second = answer === null ? false : value;
    answer = first;
    renderQuestions(false);
    call('/api/label', {key: key(), answer: first, justification: second,
                        notes: $('notes').value});
  }

  function next() {
    if (state && state.labelled && !state.done) {
      call('/api/next', {key: key(), notes: $('notes').value});
    }
  }

  function skip() {
    if (state && state.item && !state.labelled && !state.done) {
      call('/api/skip', {key: key()});
    }
  }

  function undo() {
    if (!state || state.done || busy) { return; }
    if (!state.labelled && answer !== null) { answer = null; renderQuestions(false); return; }
    if (state.can_undo) { $('item').dataset.key = ''; call('/api/undo', {}); }
  }

  function finish() {
    if (state && !state.done) { call('/api/finish', {}); }
  }

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) { td.className = className; }
    row.appendChild(td);
  }

  function table(head, rows) {
    const t = document.createElement('table');
    const tr = document.createElement('tr');
    head.forEach((h) => { const th = document.createElement('th'); th.textContent = h; tr.appendChild(th); });
    const thead = document.createElement('thead');
    thead.appendChild(tr);
    const tbody = document.createElement('tbody');
    rows.forEach((values) => {
      const row = document.createElement('tr');
      values.forEach((v) => cell(row, v === null || v === undefined ? '–' : String(v),
                                 typeof v === 'number' ? 'num' : ''));
      tbody.appendChild(row);
    });
    t.append(thead, tbody);
    return t;
  }

  const pct = (x) => (x === null || x === undefined) ? null : (100 * x).toFixed(1) + '%';
  const k = (x) => (x === null || x === undefined) ? null : x.toFixed(2);

  function paragraph(text) { const p = document.createElement('p'); p.textContent = text; return p; }
  function heading(text) { const h = document.createElement('h3'); h.textContent = text; return h; }

  function renderSummary(s) {
    const body = $('summary-body');
    body.replaceChildren();
    const who = Object.entries(s.by_annotator).map(([name, n]) => name + ': ' + n).join(', ');
    body.appendChild(paragraph(s.labels + ' label(s) in the file' + (who ? ' (' + who + ')' : '') + '.'));
    body.appendChild(heading('Humans and the jury'));
    body.appendChild(paragraph(s.jury_items ? 'The jury majority gives the human\'s both_correct label on ' +
      pct(s.jury_agreement) + ' of ' + s.jury_items + ' labelled item(s) (Cohen\'s kappa ' +
      (k(s.jury_kappa) || 'undefined') + ').' : 'No labelled item yet.'));
    if (s.bins.length) {
      body.appendChild(table(['Jury value', 'Labelled items', 'Humans say correct'],
        s.bins.map((b) => [b.label, b.items, pct(b.human_correct)])));
    }
    if (s.judges.length) {
      body.appendChild(table(['Judge', 'Items', 'Agrees with humans', "Cohen's kappa"],
        s.judges.map((j) => [j.judge, j.items, pct(j.agreement), k(j.kappa)])));
    }
    body.appendChild(heading('Annotators'));
    body.appendChild(s.pairs.length ? table(
      ['Annotators', 'Common items', 'Same both_correct', 'kappa answer', 'kappa justification', 'kappa both'],
      s.pairs.map((p) => [p.first + ' / ' + p.second, p.items, pct(p.both_agreement),
                          k(p.answer_kappa), k(p.justification_kappa), k(p.both_kappa)]))
      : paragraph('No item labelled by two annotators (use --recheck FILE to label another annotator\'s items).'));
    body.appendChild(heading('Where humans and the jury disagree (' + s.disagreements.length + ')'));
    if (s.disagreements.length) {
      body.appendChild(table(['Riddle', 'Model', 'Annotator', 'Human A / J', 'Jury', 'Notes'],
        s.disagreements.map((d) => [d.riddle_id, d.provider + ' / ' + d.model, d.annotator,
          (d.human_answer ? '✓' : '✗') + ' / ' + (d.human_justification ? '✓' : '✗'),
          d.jury_label, d.notes])));
    }
  }

  function showSummary(show) {
    summaryShown = show;
    $('summary').hidden = !show;
    $('show-summary').textContent = show ? 'Hide agreement view' : 'Agreement view';
    if (show && state && state.summary) { renderSummary(state.summary); }
    else if (show) {
      api('/api/summary').then(renderSummary).catch((error) => {
        $('summary-body').replaceChildren(paragraph(error.message));
      });
    }
  }

  document.querySelectorAll('#q-answer button, #q-justification button').forEach((b) => {
    b.addEventListener('click', () => decide(b.dataset.choice === 'yes'));
  });
  $('skip').addEventListener('click', skip);
  $('undo').addEventListener('click', undo);
  $('undo-label').addEventListener('click', undo);
  $('next').addEventListener('click', next);
  $('finish').addEventListener('click', finish);
  $('show-summary').addEventListener('click', () => showSummary(!summaryShown));

  // a clicked button gives the focus back, so that Enter and space stay the page's keys
  document.addEventListener('click', (event) => {
    const button = event.target.closest && event.target.closest('button');
    if (button) { button.blur(); }
  });

  document.addEventListener('keydown', (event) => {
    const target = event.target;
    if (target && (target.tagName === 'TEXTAREA' || target.tagName === 'INPUT')) {
      if (event.key === 'Escape') { target.blur(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    const actions = {
      y: () => decide(true), n: () => decide(false), s: skip, u: undo, q: finish,
      t: () => $('notes').focus(), v: () => showSummary(!summaryShown),
      Enter: next, ' ': next,
    };
    const action = actions[event.key];
    if (action) { event.preventDefault(); action(); }
  });

  call('/api/state');
})();
