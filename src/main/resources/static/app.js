// The messages page and inbox: plain browser JavaScript, no build step and no third-party code.
// Talks to the gateway's own API (routes/messages-page.camel.yaml, routes/chats.camel.yaml, routes/send-message.camel.yaml,
// routes/admin.camel.yaml) with the bearer token typed at sign-in, kept in sessionStorage (gone when the tab closes) and
// sent in the Authorization header only. docs/inbox.md describes the inbox.
'use strict';

const PROVIDER_COLORS = { meta: '#1877f2', waha: '#25d366', periskope: '#8e44ad', unipile: '#e67e22', evolution: '#607d8b' };
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
  const opts = Object.assign({}, options);
  opts.headers = Object.assign({}, opts.headers || {}, authHeaders());
  const r = await fetch(path, opts);
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (!r.ok) {
    const err = new Error((body && body.error) || ('HTTP ' + r.status));
    err.status = r.status;
    err.body = body;
    throw err;
  }
  return body;
}

function postJson(path, value, extraHeaders) {
  return api(path, { method: 'POST', headers: Object.assign({ 'Content-Type': 'application/json' }, extraHeaders || {}),
    body: JSON.stringify(value) });
}

function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

function toIso(localValue) { return localValue ? new Date(localValue).toISOString() : ''; }

// ---- views
function show(view) {
  if (!token() && view !== 'signin') view = 'signin';
  document.querySelectorAll('.view').forEach((v) => { v.hidden = v.id !== 'view-' + view; });
  document.querySelectorAll('.tab').forEach((t) => t.classList.toggle('active', t.dataset.view === view
    || (view === 'conversation' && t.dataset.view === 'search')));
  if (view === 'dead') loadDeadLetters();
  if (view === 'search') drawChart();
  if (view === 'inbox' && !inbox.loaded) loadChats();
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

// delivery status as WhatsApp shows it: one tick sent, two delivered, two blue read
const TICKS = { queued: '\u231b', pending: '\u231b', sending: '\u231b', sent: '\u2713', delivered: '\u2713\u2713',
  read: '\u2713\u2713', played: '\u2713\u2713', failed: '\u2717', unknown: '?' };
function tick(status) {
  return el('span', { class: 'tick ' + (status || ''), title: status || '' }, (TICKS[status] || '') + ' ');
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
      fmtTime(m.timestamp), ' \u00b7 ', m.from_me ? tick(m.status) : null, el('span', { class: 'status' }, m.status || ''),
      m.edited ? ' \u00b7 edited' : '', m.operator ? ' \u00b7 ' + m.operator : '',
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
  if (!data.length) return;
  let m;
  try { m = JSON.parse(data.join('\n')); } catch (e) { return; }
  inboxEvent(name, m);
  if (name !== 'message' && name !== 'reply') return;
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


// ---- inbox: chats newest first (GET /api/chats), one conversation, a reply box (POST /api/messages), mark as read,
// take over / hand back (POST /api/chats/{id}/owner), kept current by the live stream's events
const inbox = { loaded: false, chats: new Map(), next: null, open: null, me: null, templates: null, templatesFor: null,
  readTimer: null };

function chatParams(after) {
  const p = new URLSearchParams({ size: '50' });
  const put = (k, v) => { if (v) p.set(k, v); };
  put('q', $('#inbox-q').value.trim()); put('provider', $('#inbox-provider').value);
  put('owner', $('#inbox-owner').value); if ($('#inbox-unread').checked) p.set('unread', 'true');
  put('after', after);
  return p;
}

async function loadChats(more) {
  if (!token()) return;
  const list = $('#chat-list');
  try {
    const r = await api('/api/chats?' + chatParams(more ? inbox.next : null));
    if (!more) { inbox.chats.clear(); list.replaceChildren(); }
    r.items.forEach((c) => { inbox.chats.set(c.id, c); list.append(chatItem(c)); });
    inbox.next = r.next;
    inbox.loaded = true;
    $('#chat-more').hidden = !r.next;
    if (!inbox.chats.size) list.replaceChildren(el('p', { class: 'muted' }, 'no chats'));
    updateTotal();
  } catch (e) {
    list.replaceChildren(el('p', { class: 'error' }, 'Chats failed: ' + e.message));
  }
}

function ownerOf(c) { return c.owner || 'app'; }

function chatItem(c) {
  const unread = c.unread_count || 0;
  return el('div', { class: 'chat-item' + (unread ? ' unread' : '') + (inbox.open === c.id ? ' open' : ''),
    'data-id': c.id, style: 'border-left-color:' + (PROVIDER_COLORS[c.provider] || '#888'), onclick: () => openChat(c.id) },
  el('div', { class: 'chat-line' },
    el('span', { class: 'chat-name' }, c.chat_name || c.chat_id),
    el('span', { class: 'unread-badge', 'data-count': unread, hidden: !unread }, String(unread))),
  c.last_message_preview ? el('div', { class: 'chat-preview' }, c.last_message_preview) : null,
  el('div', { class: 'chat-line muted' },
    el('span', { class: 'p-' + c.provider }, c.provider),
    ' \u00b7 ', c.last_message_from_me ? '\u2192 ' : '\u2190 ', fmtTime(c.last_message_at),
    el('span', { class: 'owner-badge owner-' + ownerOf(c) }, ownerOf(c) + (c.owner_operator ? ' \u00b7 ' + c.owner_operator : ''))));
}

function redrawChat(id) {
  const c = inbox.chats.get(id);
  const old = document.querySelector('#chat-list .chat-item[data-id="' + CSS.escape(id) + '"]');
  if (c && old) old.replaceWith(chatItem(c));
  if (c && inbox.open === id) drawChatHead(c);
  updateTotal();
}

function updateTotal() {
  let n = 0;
  inbox.chats.forEach((c) => { n += c.unread_count || 0; });
  $('#inbox-total').textContent = n ? String(n) : '';
}

function windowText(c) {
  if (!c.window_enforced) {
    return c.provider === 'meta'
      ? 'The window check is off here (gateway.send.window.enabled); Meta still enforces its 24-hour window.'
      : 'No 24-hour window: only Meta enforces a customer service window; ' + c.provider + ' sends any time.';
  }
  if (!c.window_open_until) return 'Customer service window closed: the customer never wrote. Meta accepts only templates.';
  const until = new Date(c.window_open_until);
  if (until > new Date()) return 'Customer service window open until ' + fmtTime(c.window_open_until) + ' (enforced by Meta).';
  return 'Customer service window closed since ' + fmtTime(c.window_open_until) + ': Meta accepts only approved templates.';
}

function windowClosed(c) {
  return !!c.window_enforced && (!c.window_open_until || new Date(c.window_open_until) <= new Date());
}

function drawChatHead(c) {
  $('#inbox-title').textContent = c.chat_name || c.chat_id;
  const chip = $('#inbox-provider-name');
  chip.textContent = c.provider + ' \u00b7 ' + c.account_id + ' \u00b7 ' + c.chat_id;
  chip.style.borderColor = PROVIDER_COLORS[c.provider] || '#888';
  const owner = ownerOf(c);
  const badge = $('#inbox-owner-badge');
  badge.textContent = 'owner: ' + owner + (c.owner_operator ? ' (' + c.owner_operator + ')' : '');
  badge.className = 'owner-badge owner-' + owner;
  $('#take-over').hidden = owner === 'human';
  $('#hand-back').hidden = owner === 'app';
  const closed = windowClosed(c);
  const w = $('#inbox-window');
  w.textContent = windowText(c);
  w.classList.toggle('closed', closed);
  $('#reply-text').disabled = closed;
  $('#reply-buttons').disabled = closed;
  $('#reply-send').disabled = closed;
  $('#templates').hidden = !closed;
  // drawn once per opened chat: a redraw (read, owner, a live event) keeps what the agent typed in the variables
  if (closed && inbox.templatesFor !== c.id) { inbox.templatesFor = c.id; loadTemplates(c); }
  if (inbox.me && inbox.me.can_send === false) {
    $('#reply-result').textContent = 'This token can read but not send: sign in with API_SEND_TOKEN or an operator token.';
  }
}

async function openChat(id) {
  const c = inbox.chats.get(id);
  if (!c) return;
  inbox.open = id;
  inbox.templatesFor = null;
  document.querySelectorAll('#chat-list .chat-item').forEach((x) => x.classList.toggle('open', x.dataset.id === id));
  $('#inbox-empty').hidden = true;
  $('#inbox-chat').hidden = false;
  $('#reply-result').textContent = '';
  $('#owner-result').textContent = '';
  drawChatHead(c);
  const box = $('#inbox-messages');
  box.replaceChildren(el('p', {}, 'loading\u2026'));
  try {
    const p = new URLSearchParams({ provider: c.provider, account: c.account_id, chat: c.chat_id });
    const r = await api('/api/conversation?' + p);
    if (inbox.open !== id) return;
    const replies = {};
    (r.replies || []).forEach((x) => { replies[x.inbound_message_id] = x; });
    box.replaceChildren(...r.items.map((x) => bubble(x, replies[x.message_id])));
    if (!r.items.length) box.replaceChildren(el('p', { class: 'muted' }, 'no messages'));
    box.scrollTop = box.scrollHeight;
  } catch (e) {
    box.replaceChildren(el('p', { class: 'error' }, 'Failed: ' + e.message));
  }
  if (c.unread_count) markRead(id);
}

async function markRead(id) {
  try {
    const r = await api('/api/chats/' + encodeURIComponent(id) + '/read', { method: 'POST' });
    const c = inbox.chats.get(id);
    if (c) { c.unread_count = r.unread_count || 0; c.last_read_at = r.last_read_at; redrawChat(id); }
  } catch (e) {
    $('#reply-result').textContent = 'Not marked read (' + id + '): ' + e.message;
  }
}

// a message for the open chat: added, or put in place of the bubble with the same id
function upsertBubble(m) {
  const box = $('#inbox-messages');
  const b = bubble(m);
  const old = box.querySelector('.bubble[data-id="' + CSS.escape(m.id) + '"]');
  if (old) { old.replaceWith(b); return; }
  const empty = box.querySelector('p');
  if (empty) empty.remove();
  box.append(b);
  box.scrollTop = box.scrollHeight;
}

function chatKeyOf(m) { return m.provider + ':' + m.account_id + ':' + m.chat_id; }

let reloadTimer = null;
function reloadChatsSoon() {
  if (reloadTimer) return;
  reloadTimer = setTimeout(() => { reloadTimer = null; loadChats(); }, 500);
}

function inboxEvent(type, d) {
  if (!inbox.loaded) return;
  if (type === 'message' || type === 'reply') {
    const key = chatKeyOf(d);
    const c = inbox.chats.get(key);
    if (!c) { reloadChatsSoon(); return; }
    if (!c.last_message_at || d.timestamp >= c.last_message_at) {
      c.last_message_at = d.timestamp;
      c.last_message_from_me = !!d.from_me;
      c.last_message_preview = d.text || '[' + d.type + ']';
    }
    if (!d.from_me && !d.history) {
      c.last_inbound_at = d.timestamp;
      if (c.window_enforced) c.window_open_until = new Date(new Date(d.timestamp).getTime() + windowHours(c)).toISOString();
      if (inbox.open === key && !document.hidden) {
        clearTimeout(inbox.readTimer);
        inbox.readTimer = setTimeout(() => markRead(key), 300);
      } else {
        c.unread_count = (c.unread_count || 0) + 1;
      }
    }
    const item = document.querySelector('#chat-list .chat-item[data-id="' + CSS.escape(key) + '"]');
    if (item) $('#chat-list').prepend(item);
    redrawChat(key);
    if (inbox.open === key) upsertBubble(d);
  } else if (type === 'status') {
    const b = document.querySelector('#inbox-messages .bubble[data-id="' + CSS.escape(d.id) + '"]');
    if (b) {
      const t = b.querySelector('.tick');
      if (t) t.replaceWith(tick(d.status));
      const s = b.querySelector('.status');
      if (s) s.textContent = d.status;
    }
  } else if (type === 'unread') {
    const c = inbox.chats.get(d.chat_key);
    if (c) { c.unread_count = d.unread_count || 0; c.last_read_at = d.last_read_at; redrawChat(d.chat_key); }
  } else if (type === 'owner') {
    const c = inbox.chats.get(d.chat_key);
    if (c) { c.owner = d.owner; c.owner_operator = d.operator || null; c.owner_by = d.by; redrawChat(d.chat_key); }
  }
}

// the window's length as the server computed it (open_until - last_inbound_at), 24 h when it cannot tell
function windowHours(c) {
  const until = Date.parse(c.window_open_until || ''), last = Date.parse(c.last_inbound_at || '');
  return isNaN(until) || isNaN(last) ? 24 * 3600 * 1000 : until - last;
}

function newKey() {
  return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/-/g, '');
}

// The Idempotency-Key of a request not yet accepted: clicking again after an error (a 503 may follow an accepted
// outbox entry) re-sends the same request under the same key, so it goes out once. A 2xx answer or another request
// (an edit, another chat) takes a new key.
const pendingSend = { body: null, key: null };

async function sendToChat(c, request) {
  const body = Object.assign({ provider: c.provider, account_id: c.account_id, chat_id: c.chat_id }, request);
  const json = JSON.stringify(body);
  if (pendingSend.body !== json) { pendingSend.body = json; pendingSend.key = newKey(); }
  const r = await postJson('/api/messages', body, { 'Idempotency-Key': pendingSend.key });
  pendingSend.body = null;
  if (inbox.open === c.id && !$('#inbox-messages .bubble[data-id="' + CSS.escape(r.id) + '"]')) {
    upsertBubble({ id: r.id, provider: c.provider, account_id: c.account_id, chat_id: c.chat_id, chat_type: c.chat_type,
      from_me: true, type: request.type, text: request.text || ('[' + request.type + (request.name ? ' ' + request.name : '') + ']'),
      timestamp: new Date().toISOString(), status: r.state, operator: inbox.me && inbox.me.operator });
  }
  return r;
}

function slug(title, i) {
  const s = title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
  return (s || 'b') + '_' + (i + 1);
}

async function sendReply(ev) {
  ev.preventDefault();
  const c = inbox.chats.get(inbox.open);
  const text = $('#reply-text').value.trim();
  if (!c || !text) return;
  const titles = $('#reply-buttons').value.split(',').map((x) => x.trim()).filter((x) => x);
  const request = titles.length
    ? { type: 'buttons', text, buttons: titles.slice(0, 3).map((t, i) => ({ id: slug(t, i), title: t.slice(0, 20) })) }
    : { type: 'text', text };
  $('#reply-send').disabled = true;
  try {
    const r = await sendToChat(c, request);
    $('#reply-text').value = '';
    $('#reply-buttons').value = '';
    $('#reply-result').textContent = 'Sent: ' + r.state;
  } catch (e) {
    $('#reply-result').textContent = 'Not sent: ' + e.message;
  } finally {
    $('#reply-send').disabled = windowClosed(c);
  }
}

// ---- templates (Meta): offered when the window is closed; body variables {{1}}, {{2}} get a field each
async function loadTemplates(c) {
  const select = $('#template-select');
  const params = $('#template-params');
  if (c.provider !== 'meta') { $('#templates').hidden = true; return; }
  if (!inbox.templates) {
    try {
      inbox.templates = await api('/api/templates?' + new URLSearchParams({ provider: c.provider, account: c.account_id }));
    } catch (e) {
      select.replaceChildren();
      params.textContent = e.status === 404 ? 'No templates: set WHATSAPP_WABA_ID on the gateway.' : 'Templates failed: ' + e.message;
      $('#template-send').disabled = true;
      return;
    }
  }
  const items = inbox.templates.items || [];
  select.replaceChildren(...items.map((t, i) => el('option', { value: String(i) }, t.name + ' (' + t.language + ', ' + (t.category || '').toLowerCase() + ')')));
  $('#template-send').disabled = !items.length;
  if (!items.length) params.textContent = 'No approved templates.';
  else drawTemplateParams();
}

function templateBody(t) {
  const body = (t.components || []).find((x) => (x.type || '').toUpperCase() === 'BODY');
  return body ? body.text || '' : '';
}

function drawTemplateParams() {
  const t = (inbox.templates.items || [])[Number($('#template-select').value)];
  if (!t) return;
  const text = templateBody(t);
  const vars = [...new Set((text.match(/\{\{\s*(\d+)\s*\}\}/g) || []).map((v) => v.replace(/\D/g, '')))].sort((a, b) => a - b);
  $('#template-params').replaceChildren(el('span', { class: 'template-text' }, text),
    ...vars.map((n) => el('input', { class: 'template-var', 'data-n': n, placeholder: '{{' + n + '}}' })));
}

async function sendTemplate() {
  const c = inbox.chats.get(inbox.open);
  const t = (inbox.templates && inbox.templates.items || [])[Number($('#template-select').value)];
  if (!c || !t) return;
  const values = [...document.querySelectorAll('#template-params .template-var')].map((x) => x.value);
  const request = { type: 'template', name: t.name, language: t.language };
  if (values.length) request.components = [{ type: 'body', parameters: values.map((v) => ({ type: 'text', text: v })) }];
  try {
    const r = await sendToChat(c, request);
    $('#reply-result').textContent = 'Template ' + t.name + ' sent: ' + r.state;
  } catch (e) {
    $('#reply-result').textContent = 'Template not sent: ' + e.message;
  }
}

// ---- take over / hand back
async function setOwner(owner) {
  const c = inbox.chats.get(inbox.open);
  if (!c) return;
  try {
    const r = await postJson('/api/chats/' + encodeURIComponent(c.id) + '/owner', { owner, reason: 'inbox' });
    c.owner = r.owner;
    c.owner_operator = inbox.me && inbox.me.operator;
    $('#owner-result').textContent = r.changed ? 'owner now ' + r.owner : 'owner was already ' + r.owner;
    redrawChat(c.id);
  } catch (e) {
    $('#owner-result').textContent = 'Owner not changed: ' + e.message;
  }
}

// ---- sign-in: GET /api/me says who the token is (until it exists, GET /api/chats?size=1 says whether it reads)
async function whoAmI() {
  try {
    return await api('/api/me');
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  await api('/api/chats?size=1');
  return { operator: null, can_read: true, can_send: null, can_admin: null };
}

async function signIn(value) {
  sessionStorage.setItem('gatewayToken', value);
  try {
    inbox.me = await whoAmI();
  } catch (e) {
    sessionStorage.removeItem('gatewayToken');
    inbox.me = null;
    signedOut(e.status === 401 ? 'That token was refused (401).'
      : e.status === 404 ? 'The page API is off: no MESSAGES_PAGE_TOKEN, ADMIN_TOKEN or operator is set on the gateway.'
        : 'Sign-in failed: ' + e.message);
    return false;
  }
  $('#token').value = value;
  $('#whoami').hidden = false;
  $('#whoami').textContent = inbox.me.operator ? 'signed in as ' + inbox.me.operator : 'signed in (shared token)';
  $('#sign-out').hidden = false;
  inbox.loaded = false;
  inbox.templates = null;
  connectLive();
  return true;
}

function signedOut(message) {
  if (live) { live.abort(); live = null; }
  setLiveStatus('off');
  $('#whoami').hidden = true;
  $('#sign-out').hidden = true;
  $('#signin-error').textContent = message || '';
  show('signin');
}

// ---- wiring
document.querySelectorAll('.tab').forEach((t) => t.addEventListener('click', () => show(t.dataset.view)));
$('#search-form').addEventListener('submit', search);
$('#dead-form').addEventListener('submit', loadDeadLetters);
$('#conv-back').addEventListener('click', () => show('search'));
$('#token-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (await signIn($('#token').value.trim())) {
    search();
    if (!$('#view-signin').hidden) show('inbox'); else if (!$('#view-inbox').hidden) loadChats();
  }
});
$('#signin-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (await signIn($('#signin-token').value.trim())) { $('#signin-token').value = ''; show('inbox'); search(); }
});
$('#sign-out').addEventListener('click', () => {
  sessionStorage.removeItem('gatewayToken');
  $('#token').value = '';
  inbox.me = null;
  signedOut('Signed out.');
});
$('#inbox-filter').addEventListener('submit', (ev) => { ev.preventDefault(); loadChats(); });
['#inbox-provider', '#inbox-owner', '#inbox-unread'].forEach((s) => $(s).addEventListener('change', () => loadChats()));
let qTimer = null;
$('#inbox-q').addEventListener('input', () => { clearTimeout(qTimer); qTimer = setTimeout(() => loadChats(), 300); });
$('#chat-more').addEventListener('click', () => loadChats(true));
$('#reply-form').addEventListener('submit', sendReply);
$('#template-select').addEventListener('change', drawTemplateParams);
$('#template-send').addEventListener('click', sendTemplate);
$('#take-over').addEventListener('click', () => setOwner('human'));
$('#hand-back').addEventListener('click', () => setOwner('app'));
if (token()) {
  signIn(token()).then((ok) => { if (ok) { show('inbox'); search(); } });
} else {
  show('signin');
}
setInterval(() => { if (!$('#view-search').hidden && token()) drawChart(); }, 30000);
