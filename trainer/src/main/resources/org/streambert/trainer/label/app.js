// The labelling page: one request at a time, the model's suggestion pre-filled. Offsets are Unicode code points
// (Array.from splits a string into code points), never JavaScript string indices.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);

  if ($('login')) { // the login page
    if (location.search.indexOf('failed') >= 0) { $('failed').hidden = false; }
    return;
  }

  let csrf = null;
  let req = null;        // the request shown
  let label = null;      // the chosen class
  let entities = [];     // [{type, start, end}] in code points
  let busy = false;

  function api(method, path, body) {
    const opts = {method: method, headers: {}, credentials: 'same-origin'};
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.headers['X-CSRF-Token'] = csrf;
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then((r) => {
      if (r.status === 401) { location.href = '/login'; throw new Error('logged out'); }
      return r.json().then((j) => { if (!r.ok) { throw new Error(j.error || ('HTTP ' + r.status)); } return j; });
    });
  }

  function say(text, error) {
    $('message').textContent = text;
    $('message').className = error ? 'error' : '';
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function renderText() {
    const box = $('text');
    box.textContent = '';
    const cps = Array.from(req.text);
    const pieces = [];
    let at = 0;
    req.words.forEach((w) => {
      if (w[0] > at) { pieces.push([at, w[0], 'g']); }
      pieces.push([w[0], w[1], 'w']);
      at = w[1];
    });
    if (at < cps.length) { pieces.push([at, cps.length, 'g']); }
    pieces.forEach((p) => {
      const span = el('span', p[2], cps.slice(p[0], p[1]).join(''));
      span.dataset.s = p[0];
      span.dataset.e = p[1];
      const k = entities.findIndex((x) => x.start <= p[0] && p[1] <= x.end);
      if (k >= 0) {
        const t = Math.max(0, req.types.indexOf(entities[k].type)) % 7;
        span.classList.add('ent', 't' + t);
        span.dataset.ent = k;
        if (entities[k].start === p[0]) { span.classList.add('first'); span.dataset.type = entities[k].type; }
        span.title = entities[k].type + ' (tap to remove)';
      }
      box.appendChild(span);
    });
  }

  function selectedWords() {
    const sel = document.getSelection();
    if (!sel || sel.isCollapsed || !$('text').contains(sel.anchorNode)) { return null; }
    let s = null;
    let e = null;
    $('text').querySelectorAll('span.w').forEach((w) => {
      if (sel.containsNode(w, true)) {
        s = s === null ? +w.dataset.s : Math.min(s, +w.dataset.s);
        e = e === null ? +w.dataset.e : Math.max(e, +w.dataset.e);
      }
    });
    return s === null ? null : [s, e];
  }

  function mark(type) {
    const range = selectedWords();
    if (!range) { say('Select one or more words first.', true); return; }
    entities = entities.filter((x) => x.end <= range[0] || x.start >= range[1]);
    entities.push({type: type, start: range[0], end: range[1]});
    entities.sort((a, b) => a.start - b.start);
    document.getSelection().removeAllRanges();
    renderText();
    say('');
  }

  function renderClasses() {
    const box = $('classes');
    box.querySelectorAll('label').forEach((l) => l.remove());
    req.classes.forEach((c, i) => {
      const l = el('label');
      const input = el('input');
      input.type = 'radio';
      input.name = 'class';
      input.value = c;
      input.checked = c === label;
      input.addEventListener('change', () => { label = c; });
      l.appendChild(input);
      l.appendChild(document.createTextNode(c));
      if (c === req.label) {
        l.classList.add('suggested');
        l.appendChild(el('small', null, req.score === null ? 'model' : 'model ' + req.score.toFixed(2)));
      }
      if (i < 9) { l.appendChild(el('kbd', null, String(i + 1))); }
      box.appendChild(l);
    });
    box.hidden = req.classes.length === 0;
  }

  function renderTypes() {
    const box = $('types');
    box.textContent = '';
    const spans = req.entities !== null || req.types.length > 0;
    req.types.forEach((t, i) => {
      const b = el('button', 'type', t);
      b.type = 'button';
      if (i < 9) { b.appendChild(el('kbd', null, String(i + 1))); }
      b.addEventListener('mousedown', (ev) => ev.preventDefault()); // keep the text selection
      b.addEventListener('click', () => mark(t));
      box.appendChild(b);
    });
    box.hidden = !spans;
    $('span-hint').hidden = !spans;
  }

  function show(r) {
    req = r;
    label = r.label;
    entities = r.entities === null ? [] : r.entities.map((x) => ({type: x.type, start: x.start, end: x.end}));
    $('model').textContent = 'asked by ' + (r.modelVersion || 'unknown model');
    $('double').hidden = !r.doubleLabelled;
    renderText();
    renderClasses();
    renderTypes();
    $('task').hidden = false;
    $('empty').hidden = true;
    say('');
  }

  function sameSpans(a, b) {
    return a.length === b.length && a.every((x, i) => x.type === b[i].type && x.start === b[i].start
      && x.end === b[i].end);
  }

  function send(path, body) {
    if (busy || !req) { return; }
    busy = true;
    document.querySelectorAll('.actions button').forEach((b) => { b.disabled = true; });
    api('POST', path, body).then((j) => { say(j.status); load(); })
      .catch((e) => say(e.message, true))
      .finally(() => {
        busy = false;
        document.querySelectorAll('.actions button').forEach((b) => { b.disabled = false; });
      });
  }

  function submit() {
    const suggested = req.entities === null ? [] : req.entities;
    const spans = req.entities === null && entities.length === 0 ? null : entities;
    const unchanged = label === req.label && sameSpans(entities, suggested);
    send('/api/answer', unchanged ? {requestId: req.id, kind: 'accept'}
      : {requestId: req.id, kind: 'correct', label: label, entities: spans});
  }

  function chart(p) {
    const svg = $('chart');
    const ns = 'http://www.w3.org/2000/svg';
    svg.textContent = '';
    const add = (tag, attrs, text) => {
      const e = document.createElementNS(ns, tag);
      Object.keys(attrs).forEach((k) => e.setAttribute(k, attrs[k]));
      if (text !== undefined) { e.textContent = text; }
      svg.appendChild(e);
      return e;
    };
    add('line', {x1: 30, y1: 85, x2: 315, y2: 85, class: 'axis'});
    add('line', {x1: 30, y1: 5, x2: 30, y2: 85, class: 'axis'});
    add('text', {x: 2, y: 10}, '1.0');
    add('text', {x: 2, y: 88}, '0.0');
    $('metric').textContent = p.metric ? '(' + p.metric + ')' : '';
    if (p.rounds.length === 0) { add('text', {x: 110, y: 50}, 'no rounds yet'); return; }
    const n = p.rounds.length;
    const pts = p.rounds.map((r, i) => [30 + (n === 1 ? 142 : i * 280 / (n - 1)), 85 - 80 * r.score]);
    add('polyline', {points: pts.map((q) => q[0].toFixed(1) + ',' + q[1].toFixed(1)).join(' '), class: 'line'});
    pts.forEach((q, i) => {
      const c = add('circle', {cx: q[0].toFixed(1), cy: q[1].toFixed(1), r: 3, class: 'dot'});
      const t = document.createElementNS(ns, 'title');
      t.textContent = p.rounds[i].round + ': ' + p.rounds[i].score.toFixed(3);
      c.appendChild(t);
    });
  }

  function progress(p) {
    const agreement = p.doubleLabelled === 0 ? 'no double-labelled items yet'
      : 'agreement ' + p.agreeing + '/' + p.doubleLabelled;
    $('stats').textContent = 'queue ' + p.open + ' · ' + p.labelsLastHour
      + (p.labelsLastHour === 1 ? ' label' : ' labels') + ' in the last hour · ' + agreement;
    chart(p);
  }

  let poll = null;
  function load() {
    clearTimeout(poll);
    api('GET', '/api/next').then((j) => {
      progress(j.progress);
      if (j.request) {
        show(j.request);
      } else {
        req = null;
        $('task').hidden = true;
        $('empty').hidden = false;
        poll = setTimeout(load, 5000);
      }
    }).catch((e) => { say(e.message, true); poll = setTimeout(load, 5000); });
  }

  $('text').addEventListener('click', (ev) => {
    const t = ev.target;
    if (t.dataset && t.dataset.ent !== undefined && document.getSelection().isCollapsed) {
      entities.splice(+t.dataset.ent, 1);
      renderText();
    }
  });
  $('submit').addEventListener('click', submit);
  $('skip').addEventListener('click', () => send('/api/skip', {requestId: req.id}));
  $('na').addEventListener('click', () => send('/api/answer', {requestId: req.id, kind: 'not_applicable'}));
  document.addEventListener('keydown', (ev) => {
    if (!req || ev.ctrlKey || ev.metaKey || ev.altKey || ev.target.tagName === 'INPUT' && ev.target.type !== 'radio') {
      return;
    }
    if (ev.key >= '1' && ev.key <= '9') {
      const i = ev.key.charCodeAt(0) - 49;
      if (selectedWords() && i < req.types.length) {
        mark(req.types[i]);
      } else if (i < req.classes.length) {
        label = req.classes[i];
        renderClasses();
      }
      ev.preventDefault();
    } else if (ev.key === 'Enter') {
      submit();
      ev.preventDefault();
    } else if (ev.key === 's' || ev.key === 'S') {
      send('/api/skip', {requestId: req.id});
    } else if (ev.key === 'n' || ev.key === 'N') {
      send('/api/answer', {requestId: req.id, kind: 'not_applicable'});
    } else if (ev.key === 'Escape') {
      document.getSelection().removeAllRanges();
    }
  });

  api('GET', '/api/session').then((s) => {
    csrf = s.csrf;
    $('logout-csrf').value = s.csrf;
    $('who').textContent = '(' + s.user + ')';
    load();
  }).catch((e) => say(e.message, true));
}());
