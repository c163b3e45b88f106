// The messages page: plain browser JavaScript, no build step and no third-party code.
// Talks to the gateway's own API (routes/messages-page.camel.yaml, routes/admin.camel.yaml) with the bearer token
// typed in the header, kept in sessionStorage (gone when the tab closes).
'use strict';

const PROVIDER_COLORS = { meta: '#1877f2', waha: '#25d366', periskope: '#8e44ad', unipile: '#e67e22' };
const LIVE_MAX = 200;
const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => {
    if (v === undefined || v === null || v === false) return;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  });
  children.flat().forEach((c) => { if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c)); });
  return e;
}

function token() { return sessionStorage.getItem('gatewayToken') || ''; }
function authHeaders() { return token() ? { Authorization: 'Bearer ' + token() } : {}; }

async function api(path, options) {
  const r = await fetch(path, Object.assign({}, options, { headers: authHeaders() }));
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (!r.ok) throw new Error((body && body.error) || ('HTTP ' + r.status));
  return body;
}

function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

function toIso(localValue) { return localValue ? new Date(localValue).toISOString() : ''; }

// ---- views
function show(view) {
  document.querySelectorAll('.view').forEach((v) => { v.hidden = v.id !== 'view-' + view; });
  document.querySelectorAll('.tab').forEach((t) => t.classList.toggle('active', t.dataset.view === view
    || (view === 'conversation' && t.dataset.view === 'search')));
  if (view === 'dead') loadDeadLetters();
  if (view === 'search') drawChart();
}

// ---- search
async function search(ev) {
  if (ev) ev.preventDefault();
  const params = new URLSearchParams();
  const put = (k, v) => { if (v) params.set(k, v); };
  put('q', $('#q').value.trim()); put('chat', $('#chat').value.trim()); put('sender', $('#sender').value.trim());
  put('provider', $('#provider').value); put('from', toIso($('#from').value)); put('to', toIso($('#to').value));
  const tbody = $('#results tbody');
  try {
    const r = await api('/api/messages?' + params);
    $('#search-summary').textContent = r.total + ' message' + (r.total === 1 ? '' : 's');
    tbody.replaceChildren(...r.items.map(resultRow));
  } catch (e) {
    $('#search-summary').textContent = 'Search failed: ' + e.message;
    tbody.replaceChildren();
  }
  drawChart();
}

function direction(m) { return m.from_me ? '\u2192 out' : '\u2190 in'; }

function resultRow(m) {
  return el('tr', { 'data-id': m.id, onclick: () => openConversation(m) },
    el('td', {}, fmtTime(m.timestamp)),
    el('td', { class: 'p-' + m.provider }, m.provider),
    el('td', { title: m.chat_id }, m.chat_name || m.chat_id),
    el('td', { title: m.sender_id }, m.sender_name || m.sender_id),
    el('td', {}, direction(m), m.ai_reply ? [' ', el('span', { class: 'badge ai' }, 'AI')] : null),
    el('td', {}, m.type),
    el('td', { class: 'text' }, m.deleted ? '(deleted) ' : '', m.text || ''),
    el('td', {}, m.status || ''));
}

// ---- conversation
async function openConversation(m) {
  show('conversation');
  $('#conv-title').textContent = m.chat_name || m.chat_id;
  $('#conv-sub').textContent = m.provider + ' \u00b7 ' + m.account_id + ' \u00b7 ' + m.chat_id + ' (' + m.chat_type + ')';
  const box = $('#conversation');
  box.replaceChildren(el('p', {}, 'loading\u2026'));
  try {
    const p = new URLSearchParams({ provider: m.provider, account: m.account_id, chat: m.chat_id });
    const r = await api('/api/conversation?' + p);
    const replies = {};
    (r.replies || []).forEach((x) => { replies[x.inbound_message_id] = x; });
    box.replaceChildren(...r.items.map((x) => bubble(x, replies[x.message_id])));
    if (!r.items.length) box.replaceChildren(el('p', {}, 'no messages'));
  } catch (e) {
    box.replaceChildren(el('p', {}, 'Failed: ' + e.message));
  }
}

// ---- media (issue 20): the stored bytes through short-lived signed URLs (url inside media.stored and
// attachments[n].stored, signed by the API for this one object), so no token ever goes in a URL
function mediaKind(type, mime) {
  if (['image', 'sticker', 'audio', 'video', 'document'].includes(type)) return type;
  const top = (mime || '').split('/')[0];
  return ['image', 'audio', 'video'].includes(top) ? top : 'document';
}

function mediaItem(item, kind, pending) {
  const stored = item.stored;
  const name = item.filename || (stored && stored.sha256 ? kind + ' ' + stored.sha256.slice(0, 8) : kind);
  if (stored && stored.deleted_at) return el('div', { class: 'media-note' }, '[' + kind + ' deleted ' + fmtTime(stored.deleted_at) + ']');
  if (stored && stored.url) {
    if (kind === 'image' || kind === 'sticker') {
      return el('img', { class: 'media ' + kind, src: stored.url, loading: 'lazy', alt: item.caption || name });
    }
    if (kind === 'audio') return el('audio', { class: 'media', src: stored.url, controls: true, preload: 'none' });
    if (kind === 'video') return el('video', { class: 'media', src: stored.url, controls: true, preload: 'metadata' });
    return el('a', { class: 'media document', href: stored.url, download: item.filename || '' }, '\ud83d\udcc4 ' + name);
  }
  if (item.download_error) {
    return el('div', { class: 'media-note error' }, '[' + kind + ' not kept: ' + (item.download_error.reason || 'error')
      + (item.download_error.message ? ' \u00b7 ' + item.download_error.message : '') + ']');
  }
  return pending ? el('div', { class: 'media-note' }, '[' + kind + ' downloading\u2026]') : null;
}

function mediaView(m) {
  const pending = m.media_download === 'pending';
  const attachments = Array.isArray(m.attachments) && m.attachments.length ? m.attachments : null;
  const items = attachments || (m.media ? [m.media] : []);
  const views = items.map((x) => mediaItem(x || {}, attachments ? mediaKind(null, x && x.mime) : mediaKind(m.type, x && x.mime), pending))
    .filter((v) => v);
  return views.length ? el('div', { class: 'media-list' }, views) : null;
}

function bubble(m, reply) {
  const history = (m.status_history || []).map((s) => s.status + ' ' + fmtTime(s.timestamp)).join('\n');
  const reactions = (m.reactions || []).filter((x) => x.emoji);
  return el('div', { class: 'bubble' + (m.from_me ? ' out' : '') + (m.deleted ? ' deleted' : ''), 'data-id': m.id },
    m.chat_type !== 'direct' && !m.from_me ? el('div', { class: 'meta' }, m.sender_name || m.sender_id) : null,
    m.edited && m.original_text ? el('div', { class: 'orig' }, m.original_text) : null,
    mediaView(m),
    el('div', { class: 'body' }, m.deleted ? '(deleted) ' : '', m.text || (m.media || m.attachments ? '' : '[' + m.type + ']')),
    reactions.length ? el('div', { class: 'reactions' }, reactions.map((x) => x.emoji + ' ').join('')) : null,
    el('div', { class: 'meta', title: history },
      fmtTime(m.timestamp), ' \u00b7 ', m.status || '', m.edited ? ' \u00b7 edited' : '',
      m.ai_reply ? [' ', el('span', { class: 'badge ai' }, 'AI reply')] : null),
    reply && reply.state !== 'sent'
      ? el('div', { class: 'pending-reply' }, 'AI reply ' + reply.state + (reply.error ? ': ' + reply.error : '')) : null);
}

// ---- chart: messages per minute per provider, stacked bars in inline SVG
async function drawChart() {
  const svg = $('#chart');
  let r;
  try { r = await api('/api/stats/messages-per-minute?minutes=60'); } catch (e) { return; }
  const W = Math.max(300, Math.round(svg.getBoundingClientRect().width) || 720), H = 120, top = 12, bottom = 18, left = 30;
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  const n = r.minutes.length;
  const max = Math.max(1, ...r.minutes.map((m) => Object.values(m.counts).reduce((a, b) => a + b, 0)));
  const bw = (W - left) / n;
  const y = (v) => (H - bottom) - v * (H - bottom - top) / max;
  const ns = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const parts = [s('line', { x1: left, y1: H - bottom, x2: W, y2: H - bottom, stroke: '#bbb' }),
    s('text', { x: 2, y: top + 4, 'font-size': 10, fill: '#666' }, String(max)),
    s('text', { x: 2, y: H - bottom, 'font-size': 10, fill: '#666' }, '0'),
    s('text', { x: left, y: H - 4, 'font-size': 10, fill: '#666' }, fmtTime(r.from)),
    s('text', { x: W - 4, y: H - 4, 'font-size': 10, fill: '#666', 'text-anchor': 'end' }, fmtTime(r.to))];
  r.minutes.forEach((m, i) => {
    let acc = 0;
    r.providers.forEach((p) => {
      const c = m.counts[p] || 0;
      if (!c) return;
      const rect = s('rect', { x: left + i * bw + 1, y: y(acc + c), width: Math.max(1, bw - 2),
        height: y(acc) - y(acc + c), fill: PROVIDER_COLORS[p] || '#888', 'data-provider': p, 'data-count': c });
      rect.append(s('title', {}, fmtTime(m.time) + ' ' + p + ': ' + c));
      parts.push(rect);
      acc += c;
    });
  });
  svg.replaceChildren(...parts);
  $('#chart-legend').replaceChildren(...r.providers.map((p) =>
    el('span', { style: 'color:' + (PROVIDER_COLORS[p] || '#888') }, '\u25a0 ' + p)));
}

// ---- live view: SSE read with fetch, so the token travels in the Authorization header (not in the URL)
let live = null;
let liveCount = 0;

function setLiveStatus(text, on) {
  const b = $('#live-status');
  b.textContent = text;
  b.classList.toggle('on', !!on);
}

async function connectLive() {
  if (live) live.abort();
  if (!token()) { setLiveStatus('off'); return; }
  const ctrl = new AbortController();
  live = ctrl;
  setLiveStatus('connecting');
  try {
    const r = await fetch('/events/messages', { headers: Object.assign({ Accept: 'text/event-stream' }, authHeaders()), signal: ctrl.signal });
    if (!r.ok) { setLiveStatus('HTTP ' + r.status); if (r.status === 401 || r.status === 404) return; throw new Error('HTTP ' + r.status); }
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value.replace(/\r\n/g, '\n');
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        handleEvent(buf.slice(0, i));
        buf = buf.slice(i + 2);
      }
    }
  } catch (e) {
    if (ctrl.signal.aborted) return;
  }
  if (live === ctrl) { setLiveStatus('reconnecting'); setTimeout(() => { if (live === ctrl) connectLive(); }, 2000); }
}

function handleEvent(block) {
  let name = 'message';
  const data = [];
  block.split('\n').forEach((line) => {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  });
  if (name === 'ready') { setLiveStatus('connected', true); return; }
  if (name !== 'message' || !data.length) return;
  const m = JSON.parse(data.join('\n'));
  liveCount++;
  $('#live-count').textContent = liveCount + ' received since the page opened';
  const list = $('#live-list');
  list.prepend(el('div', { class: 'live-item' + (m.from_me ? ' out' : ''), 'data-id': m.id, onclick: () => openConversation(m) },
    el('div', { class: 'meta' }, fmtTime(m.timestamp), ' \u00b7 ', el('span', { class: 'p-' + m.provider }, m.provider),
      ' \u00b7 ', m.chat_name || m.chat_id, ' \u00b7 ', m.sender_name || m.sender_id, ' \u00b7 ', direction(m), ' \u00b7 ', m.type,
      m.ai_reply ? [' ', el('span', { class: 'badge ai' }, 'AI')] : null),
    el('div', { class: 'text' }, m.text || '[' + m.type + ']',
      m.media_download === 'pending' ? el('span', { class: 'muted' }, ' \u00b7 media downloading\u2026') : null)));
  while (list.children.length > LIVE_MAX) list.lastChild.remove();
}

// ---- dead letters (admin API)
async function loadDeadLetters(ev) {
  if (ev) ev.preventDefault();
  const p = new URLSearchParams();
  if ($('#dead-provider').value) p.set('provider', $('#dead-provider').value);
  if ($('#dead-reason').value.trim()) p.set('reason', $('#dead-reason').value.trim());
  if ($('#dead-error').value.trim()) p.set('error', $('#dead-error').value.trim());
  const tbody = $('#dead-list tbody');
  try {
    const r = await api('/admin/dead-letters?' + p);
    tbody.replaceChildren(...r.items.map(deadRow));
    if (!$('#dead-result').dataset.keep) $('#dead-result').textContent = r.total + ' dead letter' + (r.total === 1 ? '' : 's');
    delete $('#dead-result').dataset.keep;
  } catch (e) {
    $('#dead-result').textContent = 'Failed: ' + e.message;
    tbody.replaceChildren();
  }
}

function deadRow(d) {
  const replay = el('button', { class: 'replay', type: 'button', onclick: () => replayDeadLetter(d.id) }, 'Replay');
  const del = el('button', { class: 'delete', type: 'button' }, 'Delete');
  del.addEventListener('click', () => {
    if (del.dataset.armed) deleteDeadLetter(d.id);
    else { del.dataset.armed = '1'; del.textContent = 'Confirm delete'; }
  });
  return el('tr', { 'data-id': d.id },
    el('td', {}, fmtTime(d.received_at)),
    el('td', { class: 'p-' + d.provider }, d.provider || ''),
    el('td', {}, d.route_id || ''),
    el('td', {}, d.reason || ''),
    el('td', { class: 'error' }, d.error || ''),
    el('td', { class: 'replays' }, d.replays ? d.replays + ' \u00b7 ' + (d.replay_outcome || '') : ''),
    el('td', {}, replay, del));
}

async function replayDeadLetter(id) {
  const out = $('#dead-result');
  try {
    const r = await api('/admin/dead-letters/' + encodeURIComponent(id) + '/replay', { method: 'POST' });
    out.textContent = r.error ? 'Replay of ' + id + ' failed again: ' + r.error : 'Replayed ' + id + ': ' + r.outcome;
  } catch (e) {
    out.textContent = 'Replay of ' + id + ' failed: ' + e.message;
  }
  out.dataset.keep = '1';
  loadDeadLetters();
}

async function deleteDeadLetter(id) {
  const out = $('#dead-result');
  try {
    await api('/admin/dead-letters/' + encodeURIComponent(id), { method: 'DELETE' });
    out.textContent = 'Deleted ' + id;
  } catch (e) {
    out.textContent = 'Delete of ' + id + ' failed: ' + e.message;
  }
  out.dataset.keep = '1';
  loadDeadLetters();
}

// ---- wiring
document.querySelectorAll('.tab').forEach((t) => t.addEventListener('click', () => show(t.dataset.view)));
$('#search-form').addEventListener('submit', search);
$('#dead-form').addEventListener('submit', loadDeadLetters);
$('#conv-back').addEventListener('click', () => show('search'));
$('#token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem('gatewayToken', $('#token').value.trim());
  connectLive();
  search();
});
if (token()) { $('#token').value = token(); connectLive(); search(); }
setInterval(() => { if (!$('#view-search').hidden && token()) drawChart(); }, 30000);
