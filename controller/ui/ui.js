/* zt-controller's web UI: one page, plain DOM, no libraries.  It talks to
 * /ui/api/ (doc/API.md): the admin API on behalf of the signed-in user,
 * with the session's CSRF token on every change.  Text from the server is
 * only ever set as text (textContent, value), never as HTML. */
'use strict';

const S = { csrf: '', name: '', address: '', timer: null };

/* ---- small helpers ---- */

function h(tag, attrs, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false) continue;
		if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
		else if (k === 'class') e.className = v;
		else if (k === 'value') e.value = v;
		else if (k === 'checked') e.checked = !!v;
		else e.setAttribute(k, v === true ? '' : v);
	}
	for (const c of kids.flat()) {
		if (c === null || c === undefined || c === false) continue;
		e.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return e;
}

const $ = (sel) => document.querySelector(sel);

function show(...nodes) {
	const m = $('#main');
	m.replaceChildren(...nodes);
}

let noticeTimer = null;
function notice(text, isError) {
	const n = $('#notice');
	n.textContent = text;
	n.className = isError ? 'error' : '';
	n.hidden = false;
	clearTimeout(noticeTimer);
	noticeTimer = setTimeout(() => { n.hidden = true; }, isError ? 8000 : 3000);
}

function when(ms) {
	if (!ms) return 'never';
	const d = new Date(ms), ago = (Date.now() - ms) / 1000;
	let rel;
	if (ago < 0) rel = 'in ' + span(-ago);
	else if (ago < 5) rel = 'just now';
	else rel = span(ago) + ' ago';
	return rel + ' (' + d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC)';
}

function span(s) {
	if (s < 60) return Math.round(s) + ' s';
	if (s < 3600) return Math.round(s / 60) + ' min';
	if (s < 86400) return Math.round(s / 3600) + ' h';
	return Math.round(s / 86400) + ' d';
}

class ApiError extends Error {
	constructor(status, body) {
		super((body && body.description) || ('HTTP ' + status));
		this.status = status;
		this.body = body || {};
	}
}

/* One request to /ui/api/...; JSON in and out.  A 401 goes to sign-in. */
async function api(method, path, body) {
	const opt = { method, headers: {}, credentials: 'same-origin', cache: 'no-store' };
	if (method !== 'GET') opt.headers['X-CSRF-Token'] = S.csrf;
	if (body !== undefined) {
		opt.headers['Content-Type'] = 'application/json';
		opt.body = JSON.stringify(body);
	}
	const r = await fetch('/ui/api' + path, opt);
	let j = null;
	try { j = await r.json(); } catch (e) { j = null; }
	if (r.status === 401 && path !== '/signin') {
		signinPage(j && j.noUsers);
		throw new ApiError(401, j);
	}
	if (!r.ok) throw new ApiError(r.status, j);
	return j;
}

/* Run fn; an error shows as a notice (and is returned). */
async function attempt(fn, okText) {
	try {
		const r = await fn();
		if (okText) notice(okText);
		return r;
	} catch (e) {
		if (!(e instanceof ApiError && e.status === 401)) notice(e.message, true);
		return undefined;
	}
}

function stopTimer() {
	if (S.timer) clearInterval(S.timer);
	S.timer = null;
}

/* ---- sign-in ---- */

function signinPage(noUsers) {
	stopTimer();
	$('#top').hidden = true;
	const err = h('p', { class: 'error-text', id: 'signin-error' });
	const name = h('input', { type: 'text', id: 'signin-name', autocomplete: 'username', required: true });
	const pw = h('input', { type: 'password', id: 'signin-password', autocomplete: 'current-password', required: true });
	const form = h('form', { class: 'card narrow', id: 'signin-form' },
		h('h1', {}, 'Sign in'),
		h('p', { class: 'muted' }, 'zt-controller administration'),
		noUsers ? h('p', { class: 'error-text' },
			'There is no administrator yet: on the controller run  zt-controller adduser NAME') : null,
		h('label', { for: 'signin-name' }, 'Name'), name,
		h('label', { for: 'signin-password' }, 'Password'), pw,
		err,
		h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'signin-submit' }, 'Sign in')));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		err.textContent = '';
		try {
			const j = await api('POST', '/signin', { name: name.value, password: pw.value });
			pw.value = '';
			signedIn(j);
			route();
		} catch (e) {
			err.textContent = e.message;
			pw.select();
		}
	});
	show(form);
	name.focus();
}

function signedIn(j) {
	S.csrf = j.csrf;
	S.name = j.name;
	if (j.address) S.address = j.address;
	$('#user-name').textContent = S.name;
	$('#ctl-address').textContent = S.address;
	$('#top').hidden = false;
}

/* ---- networks ---- */

/* "10.1.2.0/24" into a pool of its usable addresses and a route. */
function cidrPool(text) {
	const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text.trim());
	if (!m) throw new Error('pool: expected IPv4/bits, e.g. 10.147.17.0/24');
	const oct = m.slice(1, 5).map(Number), bits = Number(m[5]);
	if (oct.some((o) => o > 255) || bits < 8 || bits > 30) throw new Error('pool: bits must be 8-30');
	const ip = ((oct[0] << 24) | (oct[1] << 16) | (oct[2] << 8) | oct[3]) >>> 0;
	const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
	const net = (ip & mask) >>> 0, last = (net | (~mask >>> 0)) >>> 0;
	const s = (v) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
	return {
		ipAssignmentPools: [{ ipRangeStart: s(net + 1), ipRangeEnd: s(last - 1) }],
		routes: [{ target: s(net) + '/' + bits, via: null }],
		v4AssignMode: { zt: true },
	};
}

async function networksPage() {
	const ids = await api('GET', '/controller/network');
	const nets = await Promise.all(ids.map((id) => api('GET', '/controller/network/' + id)));
	/* The counts come from the controller's index (one member read each). */
	const counts = await Promise.all(ids.map((id) => api('GET', '/members/' + id + '?limit=1').catch(() => null)));
	const name = h('input', { type: 'text', id: 'new-net-name', placeholder: 'office' });
	const pool = h('input', { type: 'text', id: 'new-net-pool', placeholder: '10.147.17.0/24 (optional)' });
	const create = h('form', { class: 'card', id: 'new-net-form' },
		h('h2', {}, 'New network'),
		h('div', { class: 'row' },
			h('div', {}, h('label', { for: 'new-net-name' }, 'Name'), name),
			h('div', {}, h('label', { for: 'new-net-pool' }, 'IPv4 pool (members get addresses from it)'), pool),
			h('button', { type: 'submit', id: 'new-net-create' }, 'Create')));
	create.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		let body = { name: name.value.trim() };
		try {
			if (pool.value.trim()) Object.assign(body, cidrPool(pool.value));
		} catch (e) {
			notice(e.message, true);
			return;
		}
		const n = await attempt(() => api('POST', '/controller/network', body), 'Network created');
		if (n) location.hash = '#/net/' + n.id;
	});
	const rows = nets.map((n, i) => h('tr', { 'data-nwid': n.id },
		h('td', {}, h('a', { href: '#/net/' + n.id, class: 'mono net-link' }, n.id)),
		h('td', {}, n.name || h('span', { class: 'muted' }, '(no name)')),
		h('td', {}, counts[i] ? counts[i].authorized + ' / ' + counts[i].total : '?',
			counts[i] && counts[i].pending && counts[i].pending.length ? [' ', h('span', { class: 'badge warn' }, counts[i].pending.length + ' asking')] : null),
		h('td', {}, (n.ipAssignmentPools || []).map((p) => p.ipRangeStart + ' – ' + p.ipRangeEnd).join(', ')),
		h('td', {}, n.private === false ? h('span', { class: 'badge warn' }, 'public') : h('span', { class: 'badge' }, 'private'))));
	show(h('h1', {}, 'Networks'),
		h('div', { class: 'card' }, rows.length
			? h('table', { id: 'networks' }, h('thead', {}, h('tr', {}, h('th', {}, 'Network id'), h('th', {}, 'Name'), h('th', {}, 'Members (authorized / all)'), h('th', {}, 'IPv4 pools'), h('th', {}, 'Access'))),
				h('tbody', {}, rows))
			: h('p', { class: 'muted' }, 'No networks yet: create one below.')),
		create);
	name.focus();
}

/* ---- one network ---- */

function tabs(nwid, which) {
	const t = (id, label) => h('a', { href: '#/net/' + nwid + (id ? '/' + id : ''), class: which === id ? 'active' : '', id: 'tab-' + (id || 'members') }, label);
	return h('div', { class: 'tabs' }, t('', 'Members'), t('settings', 'Settings'), t('invites', 'Invites'), t('rules', 'Rules'));
}

function netHeader(net, which) {
	return [h('h1', {}, net.name || '(no name)', ' ', h('span', { class: 'mono muted' }, net.id)), tabs(net.id, which)];
}

/* ---- tags and capabilities, by the names the rules give them ---- */

/* The network's tags as its rule script defines them (tagsByName), by
 * id: {name, dflt, enums: [[name, value]], flags: [[name, mask]]}. */
function tagDefs(net) {
	const defs = {};
	const byValue = (a, b) => a[1] - b[1];
	for (const [name, t] of Object.entries((net && net.tagsByName) || {}))
		defs[t.id] = { name, dflt: t.default, enums: Object.entries(t.enums || {}).sort(byValue), flags: Object.entries(t.flags || {}).sort(byValue) };
	return defs;
}

/* Capability names by id (capabilitiesByName). */
function capDefs(net) {
	const defs = {};
	for (const [name, c] of Object.entries((net && net.capabilitiesByName) || {})) defs[c.id] = name;
	return defs;
}

/* The flags value v is made of, by name (a flag that names several bits
 * before the single ones, and none whose bits are named already), and
 * the bits no flag names. */
function flagsOf(def, v) {
	const bits = (m) => { let c = 0; for (; m; m >>>= 1) c += m & 1; return c; };
	const wide = [...def.flags].sort((a, b) => bits(b[1]) - bits(a[1]) || a[1] - b[1]);
	let rest = v >>> 0;
	const names = [];
	for (const [n, m] of wide) {
		if (m && ((v & m) >>> 0) === m && ((rest & m) >>> 0) !== 0) { names.push(n); rest = (rest & ~m) >>> 0; }
	}
	return { names, rest };
}

/* A tag's value as the rules name it: an enum, the flags it is made of,
 * or else the number. */
function tagValueText(def, v) {
	if (!def) return String(v);
	const e = def.enums.find((x) => x[1] === v);
	if (e) return e[0];
	if (def.flags.length && v) {
		const f = flagsOf(def, v);
		if (f.names.length && !f.rest) return f.names.join('|');
	}
	return String(v);
}

function tagsText(tags, net) {
	const defs = tagDefs(net);
	return (tags || []).map((t) => {
		const d = defs[t[0]];
		return d ? d.name + '=' + tagValueText(d, t[1]) : t[0] + '=' + t[1];
	}).join(', ');
}

function capName(caps, id) {
	return caps[id] !== undefined ? caps[id] : 'capability ' + id;
}

/* id=value, id=value: the tags the rules do not define. */
function parseTags(text, defs) {
	if (!text.trim()) return [];
	return text.split(',').map((p) => {
		const m = /^\s*(\d+)\s*=\s*(\d+)\s*$/.exec(p);
		if (!m) throw new Error('other tags: expected id=value, id=value (numbers)');
		const id = Number(m[1]), v = Number(m[2]);
		if (id > 0xffffffff || v > 0xffffffff) throw new Error('other tags: ids and values are at most 4294967295');
		if (defs[id]) throw new Error('other tags: tag ' + id + ' is "' + defs[id].name + '": set it above');
		return [id, v];
	});
}

/* The editor of one tag the rules define: its enums in a select, its
 * flags as checkboxes (none ticked: not set), or else a number.  Returns
 * the field and a function giving the value, or undefined for "not set"
 * (the network's default applies). */
function tagField(id, d, cur) {
	const dflt = d.dflt === null || d.dflt === undefined ? 'none' : tagValueText(d, d.dflt);
	const label = h('label', { for: 'm-tag-' + id }, d.name, ' ', h('span', { class: 'mono' }, '(tag ' + id + ', default ' + dflt + ')'));
	if (d.enums.length) {
		const opts = [h('option', { value: '' }, 'not set (default: ' + dflt + ')')];
		for (const [n, v] of d.enums) opts.push(h('option', { value: String(v) }, n + ' (' + v + ')'));
		if (cur !== undefined && !d.enums.some((x) => x[1] === cur)) opts.push(h('option', { value: String(cur) }, tagValueText(d, cur)));
		const sel = h('select', { id: 'm-tag-' + id, class: 'm-tag', 'data-tag': id }, opts);
		sel.value = cur === undefined ? '' : String(cur);
		return { field: [label, sel], value: () => (sel.value === '' ? undefined : Number(sel.value)) };
	}
	if (d.flags.length) {
		const held = cur === undefined ? { names: [], rest: 0 } : flagsOf(d, cur);
		const boxes = d.flags.map(([n, m]) => [m, h('input', { type: 'checkbox', id: 'm-tag-' + id + '-' + n, 'data-tag': id, checked: held.names.includes(n) }), n]);
		const value = () => {
			let v = held.rest;
			for (const [m, box] of boxes) if (box.checked) v = (v | m) >>> 0;
			return boxes.some((b) => b[1].checked) || held.rest ? v : undefined;
		};
		label.append(' ', h('span', { class: 'muted' }, 'none ticked: not set'));
		return { field: [label, h('div', { class: 'checks', id: 'm-tag-' + id }, boxes.map(([, box, n]) => h('label', {}, box, ' ' + n)))], value };
	}
	const num = h('input', { type: 'number', id: 'm-tag-' + id, class: 'm-tag', 'data-tag': id, min: 0, max: 4294967295, value: cur === undefined ? '' : String(cur), placeholder: 'not set' });
	return { field: [label, num], value: () => (num.value === '' ? undefined : Number(num.value)) };
}

async function memberChange(nwid, addr, body, okText) {
	return attempt(() => api('POST', '/controller/network/' + nwid + '/member/' + addr, body), okText);
}

function memberDialog(nwid, net, m, done) {
	const name = h('input', { type: 'text', id: 'm-name', value: m.name || '' });
	const ips = h('input', { type: 'text', id: 'm-ips', value: (m.ipAssignments || []).join(', ') });
	const bridge = h('input', { type: 'checkbox', id: 'm-bridge', checked: m.activeBridge });
	const defs = tagDefs(net), caps = capDefs(net);
	const held = new Map((m.tags || []).map((t) => [t[0], t[1]]));
	const named = Object.keys(defs).map(Number).sort((a, b) => a - b).map((id) => [id, tagField(id, defs[id], held.get(id))]);
	const tags = h('input', { type: 'text', id: 'm-tags', value: tagsText((m.tags || []).filter((t) => !defs[t[0]])) });
	const capIds = [...new Set([...Object.keys(caps).map(Number), ...(m.capabilities || [])])].sort((a, b) => a - b);
	const capBoxes = capIds.map((id) => [id, h('input', { type: 'checkbox', id: 'm-cap-' + id, class: 'm-cap', checked: (m.capabilities || []).includes(id) })]);
	const err = h('p', { class: 'error-text' });
	const dlg = h('dialog', { id: 'member-dialog' },
		h('h2', {}, 'Member ', h('span', { class: 'mono' }, m.address)),
		h('label', { for: 'm-name' }, 'Name'), name,
		h('label', { for: 'm-ips' }, 'Addresses (comma separated; empty: from the pools)'), ips,
		h('label', {}, bridge, ' Bridge (may send frames from other MACs: a LAN bridged in)'),
		named.length ? h('h2', {}, 'Tags') : null,
		named.flatMap(([, f]) => f.field),
		h('label', { for: 'm-tags' }, named.length ? 'Other tags, not in the rules (id=value, …)' : 'Tags (id=value, …)'), tags,
		capBoxes.length ? [h('h2', {}, 'Capabilities'),
			h('div', { class: 'checks', id: 'm-caps' }, capBoxes.map(([id, box]) => h('label', {}, box, ' ' + capName(caps, id), ' ', h('span', { class: 'mono muted' }, '(' + id + ')'))))] : null,
		err,
		h('div', { class: 'actions' },
			h('button', { class: 'danger', onclick: async () => {
				if (!confirm('Delete member ' + m.address + '? It must ask to join again.')) return;
				const r = await attempt(() => api('DELETE', '/controller/network/' + nwid + '/member/' + m.address), 'Member deleted');
				if (r) { dlg.close(); done(); }
			} }, 'Delete'),
			h('span', { class: 'spacer' }),
			h('button', { class: 'secondary', onclick: () => dlg.close() }, 'Cancel'),
			h('button', { id: 'm-save', onclick: async () => {
				let body;
				try {
					const t = parseTags(tags.value, defs);
					for (const [id, f] of named) {
						const v = f.value();
						if (v !== undefined) {
							if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(defs[id].name + ': a value 0-4294967295');
							t.push([id, v]);
						}
					}
					body = { name: name.value.trim(), activeBridge: bridge.checked, tags: t.sort((a, b) => a[0] - b[0]),
						capabilities: capBoxes.filter(([, box]) => box.checked).map(([id]) => id),
						ipAssignments: ips.value.split(',').map((s) => s.trim()).filter((s) => s) };
				} catch (e) { err.textContent = e.message; return; }
				try {
					await api('POST', '/controller/network/' + nwid + '/member/' + m.address, body);
					dlg.close();
					notice('Member saved');
					done();
				} catch (e) { err.textContent = e.message; }
			} }, 'Save')));
	dlg.addEventListener('close', () => dlg.remove());
	document.body.append(dlg);
	dlg.showModal();
}

function memberRow(nwid, net, m, reload) {
	const auth = m.authorized, caps = capDefs(net);
	return h('tr', { 'data-address': m.address, class: 'member' },
		h('td', {}, h('span', { class: 'dot' + (m.online ? ' on' : ''), title: m.online ? 'online' : 'offline' }),
			h('span', { class: 'member-online' }, m.online ? 'online' : 'offline')),
		h('td', { class: 'mono' }, m.address),
		h('td', {}, m.name || h('span', { class: 'muted' }, '—'),
			m.activeBridge ? [' ', h('span', { class: 'badge' }, 'bridge')] : null),
		h('td', { class: 'mono' }, (m.ipAssignments || []).join(' ')),
		h('td', {}, auth ? h('span', { class: 'badge ok member-auth' }, 'authorized') : h('span', { class: 'badge bad member-auth' }, 'not authorized')),
		h('td', { class: 'muted' }, when(m.lastSeen), m.version ? ' · v' + m.version : '', m.path && m.path !== 'none' ? ' · ' + m.path : ''),
		h('td', { class: 'member-tags' }, tagsText(m.tags, net),
			(m.capabilities || []).flatMap((id) => [' ', h('span', { class: 'badge' }, capName(caps, id))])),
		h('td', {},
			h('button', { class: auth ? 'danger auth-toggle' : 'auth-toggle', onclick: async () => {
				const r = await memberChange(nwid, m.address, { authorized: !auth }, auth ? 'Deauthorized ' + m.address : 'Authorized ' + m.address);
				if (r) reload();
			} }, auth ? 'Deauthorize' : 'Authorize'), ' ',
			h('button', { class: 'secondary member-edit', onclick: () => memberDialog(nwid, net, m, reload) }, 'Edit')));
}

async function membersPage(nwid) {
	const net = await api('GET', '/controller/network/' + nwid);
	const q = h('input', { type: 'search', id: 'member-search', placeholder: 'Search address, name or IP', class: 'inline' });
	const counts = h('span', { class: 'muted', id: 'member-counts' });
	const pendingBox = h('div', { id: 'pending-box' });
	const body = h('tbody', { id: 'members' });
	const more = h('button', { class: 'secondary', id: 'members-more', hidden: true }, 'More');
	let next = null, seq = 0;
	const head = h('thead', {}, h('tr', {}, ['State', 'Address', 'Name', 'Addresses', 'Access', 'Last seen', 'Tags and capabilities', ''].map((t) => h('th', {}, t))));

	async function load(append) {
		const my = ++seq;
		let path = '/members/' + nwid + '?limit=50';
		if (q.value.trim()) path += '&q=' + encodeURIComponent(q.value.trim());
		if (append && next) path += '&after=' + next;
		const j = await attempt(() => api('GET', path));
		if (!j || my !== seq) return;
		const rows = j.members.map((m) => memberRow(nwid, net, m, () => load(false)));
		if (append) body.append(...rows); else body.replaceChildren(...rows);
		if (!append && !body.children.length)
			body.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, q.value ? 'No member matches.' : 'No members yet: make an invite, or authorize one that asks to join.')));
		next = j.next;
		more.hidden = !next;
		if (j.total !== undefined) counts.textContent = j.authorized + ' authorized of ' + j.total + ' members';
		if (j.pending) {
			pendingBox.replaceChildren(...(j.pending.length ? [h('div', { class: 'card' },
				h('h2', {}, 'Asking to join'),
				h('table', { id: 'pending' }, head.cloneNode(true), h('tbody', {}, j.pending.map((m) => memberRow(nwid, net, m, () => load(false))))))] : []));
		}
	}
	let debounce = null;
	q.addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(() => load(false), 250); });
	more.addEventListener('click', () => load(true));
	show(...netHeader(net, ''), pendingBox,
		h('div', { class: 'card' },
			h('div', { class: 'row' }, h('div', {}, q), counts),
			h('table', {}, head, body),
			h('div', { class: 'pager' }, more)));
	await load(false);
	/* Online state changes by itself: the first page is refreshed while
	 * nobody is typing or has a dialog open. */
	S.timer = setInterval(() => {
		if (!document.hidden && !$('#member-dialog') && !next && document.activeElement !== q) load(false);
	}, 10000);
}

function poolsText(net) {
	return (net.ipAssignmentPools || []).map((p) => p.ipRangeStart + '-' + p.ipRangeEnd).join('\n');
}

function routesText(net) {
	return (net.routes || []).map((r) => r.target + (r.via ? ' via ' + r.via : '')).join('\n');
}

function lines(text) {
	return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

async function settingsPage(nwid) {
	const net = await api('GET', '/controller/network/' + nwid);
	const f = {
		name: h('input', { type: 'text', id: 's-name', value: net.name || '' }),
		priv: h('input', { type: 'checkbox', id: 's-private', checked: net.private !== false }),
		pools: h('textarea', { id: 's-pools', rows: 3, placeholder: '10.147.17.1-10.147.17.254' }, poolsText(net)),
		routes: h('textarea', { id: 's-routes', rows: 3, placeholder: '10.147.17.0/24\n192.168.1.0/24 via 10.147.17.5' }, routesText(net)),
		v4: h('input', { type: 'checkbox', id: 's-v4', checked: net.v4AssignMode && net.v4AssignMode.zt }),
		domain: h('input', { type: 'text', id: 's-domain', value: (net.dns && net.dns.domain) || '' }),
		servers: h('input', { type: 'text', id: 's-servers', value: ((net.dns && net.dns.servers) || []).join(', ') }),
		mtu: h('input', { type: 'number', id: 's-mtu', value: net.mtu }),
		mcast: h('input', { type: 'number', id: 's-mcast', value: net.multicastLimit }),
		bcast: h('input', { type: 'checkbox', id: 's-bcast', checked: net.enableBroadcast }),
	};
	const err = h('p', { class: 'error-text', id: 's-error' });
	const save = async () => {
		err.textContent = '';
		let body;
		try {
			body = {
				name: f.name.value.trim(), private: f.priv.checked,
				ipAssignmentPools: lines(f.pools.value).map((l) => {
					const m = /^(\S+)\s*-\s*(\S+)$/.exec(l);
					if (!m) throw new Error('IP pools: one "first-last" range a line, not "' + l + '"');
					return { ipRangeStart: m[1], ipRangeEnd: m[2] };
				}),
				routes: lines(f.routes.value).map((l) => {
					const m = /^(\S+)(?:\s+via\s+(\S+))?$/.exec(l);
					if (!m) throw new Error('routes: one "target [via gateway]" a line, not "' + l + '"');
					return { target: m[1], via: m[2] || null };
				}),
				v4AssignMode: { zt: f.v4.checked },
				dns: { domain: f.domain.value.trim(), servers: f.servers.value.split(',').map((s) => s.trim()).filter((s) => s) },
				mtu: Number(f.mtu.value), multicastLimit: Number(f.mcast.value), enableBroadcast: f.bcast.checked,
			};
		} catch (e) { err.textContent = e.message; return; }
		try {
			await api('POST', '/controller/network/' + nwid, body);
			notice('Settings saved: members get them now');
			route();
		} catch (e) { err.textContent = e.message; }
	};
	show(...netHeader(net, 'settings'),
		h('div', { class: 'card', id: 'settings' },
			h('label', { for: 's-name' }, 'Name'), f.name,
			h('label', {}, f.priv, ' Private (members need to be authorized)'),
			h('h2', {}, 'IP pools and routes'),
			h('label', { for: 's-pools' }, 'IPv4/IPv6 pools, one "first-last" range a line'), f.pools,
			h('label', {}, f.v4, ' Assign IPv4 addresses from the pools'),
			h('label', { for: 's-routes' }, 'Routes, one "target [via gateway]" a line'), f.routes,
			h('h2', {}, 'DNS'),
			h('div', { class: 'row' },
				h('div', {}, h('label', { for: 's-domain' }, 'Domain (members resolve NAME.domain)'), f.domain),
				h('div', {}, h('label', { for: 's-servers' }, 'Servers (comma separated)'), f.servers)),
			h('h2', {}, 'Ethernet'),
			h('div', { class: 'row' },
				h('div', {}, h('label', { for: 's-mtu' }, 'MTU'), f.mtu),
				h('div', {}, h('label', { for: 's-mcast' }, 'Multicast limit'), f.mcast),
				h('div', {}, h('label', {}, f.bcast, ' Broadcast'))),
			err,
			h('div', { class: 'actions' }, h('button', { id: 's-save', onclick: save }, 'Save'))),
		h('div', { class: 'card' },
			h('h2', {}, 'Delete this network'),
			h('p', { class: 'muted' }, 'Its members, invites and settings go; members are told at once.'),
			h('button', { class: 'danger', id: 's-delete', onclick: async () => {
				if (!confirm('Delete network ' + nwid + ' (' + (net.name || 'no name') + ') and all its members?')) return;
				const r = await attempt(() => api('DELETE', '/controller/network/' + nwid), 'Network deleted');
				if (r) location.hash = '#/';
			} }, 'Delete network')));
}

async function invitesPage(nwid) {
	const net = await api('GET', '/controller/network/' + nwid);
	const list = await api('GET', '/controller/network/' + nwid + '/invite');
	const uses = h('input', { type: 'number', id: 'inv-uses', value: 1, min: 1 });
	const hours = h('input', { type: 'number', id: 'inv-hours', value: 24, min: 1 });
	const out = h('div', { id: 'invite-out' });
	const form = h('form', { class: 'card' },
		h('h2', {}, 'New invite'),
		h('p', { class: 'muted' }, 'A member that joins with the code is authorized at once; the code carries this controller\'s roots.'),
		h('div', { class: 'row' },
			h('div', {}, h('label', { for: 'inv-uses' }, 'Uses'), uses),
			h('div', {}, h('label', { for: 'inv-hours' }, 'Valid for (hours)'), hours),
			h('button', { type: 'submit', id: 'invite-create' }, 'Create invite')),
		out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const j = await attempt(() => api('POST', '/invite/' + nwid, { uses: Number(uses.value), ttl: Math.round(Number(hours.value) * 3600) }), 'Invite created');
		if (!j) return;
		const code = h('code', { id: 'invite-command', class: 'mono' }, j.command);
		out.replaceChildren(...[h('label', {}, 'Run this on the new member (shown once):'),
			h('div', { class: 'cmd' }, code, h('button', { type: 'button', class: 'secondary', id: 'invite-copy', onclick: async () => {
				try { await navigator.clipboard.writeText(j.command); notice('Copied'); } catch (e) {
					const r = document.createRange(); r.selectNodeContents(code);
					getSelection().removeAllRanges(); getSelection().addRange(r);
					notice('Selected: press Ctrl+C to copy');
				}
			} }, 'Copy')),
			j.roots ? null : h('p', { class: 'error-text' }, 'The controller has no roots file: the code carries none, so only members that have roots can use it.')].filter((n) => n));
		refresh();
	});
	const body = h('tbody', { id: 'invites' });
	const fill = (items) => body.replaceChildren(...(items.length ? items.map((i) => {
		const state = i.usesLeft <= 0 ? h('span', { class: 'badge' }, 'used up') : i.expires <= Date.now() ? h('span', { class: 'badge' }, 'expired') : h('span', { class: 'badge ok' }, 'valid');
		return h('tr', { 'data-invite': i.id },
			h('td', { class: 'mono' }, i.id.slice(0, 12) + '…'),
			h('td', {}, state), h('td', {}, String(i.usesLeft)),
			h('td', {}, when(i.created)), h('td', {}, when(i.expires)),
			h('td', {}, h('button', { class: 'danger', onclick: async () => {
				const r = await attempt(() => api('DELETE', '/controller/network/' + nwid + '/invite/' + i.id), 'Invite revoked');
				if (r) refresh();
			} }, 'Revoke')));
	}) : [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No invites.'))]));
	const refresh = async () => { const l = await attempt(() => api('GET', '/controller/network/' + nwid + '/invite')); if (l) fill(l); };
	fill(list);
	show(...netHeader(net, 'invites'), form,
		h('div', { class: 'card' }, h('h2', {}, 'Invites'),
			h('table', {}, h('thead', {}, h('tr', {}, ['Id', 'State', 'Uses left', 'Created', 'Expires', ''].map((t) => h('th', {}, t)))), body)));
}

async function rulesPage(nwid) {
	const net = await api('GET', '/controller/network/' + nwid);
	const ta = h('textarea', { id: 'rules-source', spellcheck: 'false', rows: 18 }, net.rulesSource || '');
	const gutter = h('div', { class: 'gutter', id: 'rules-gutter' });
	const err = h('p', { class: 'error-text', id: 'rules-error' });
	let badLine = 0;
	const numbers = () => {
		const n = Math.max(ta.value.split('\n').length, 1);
		gutter.replaceChildren(...Array.from({ length: n }, (_, i) => h('span', { class: i + 1 === badLine ? 'bad' : '' }, String(i + 1) + '\n')));
		gutter.scrollTop = ta.scrollTop;
	};
	ta.addEventListener('input', () => { badLine = 0; err.textContent = ''; numbers(); });
	ta.addEventListener('scroll', () => { gutter.scrollTop = ta.scrollTop; });
	const save = async () => {
		err.textContent = '';
		try {
			await api('POST', '/controller/network/' + nwid, { rulesSource: ta.value });
			badLine = 0;
			numbers();
			notice('Rules compiled and saved: members get them now');
		} catch (e) {
			if (e.body && e.body.line) {
				badLine = e.body.line;
				err.textContent = 'Line ' + e.body.line + ', column ' + e.body.column + ': ' + e.message.replace(/^field 'rulesSource': line \d+ column \d+: /, '');
				const ls = ta.value.split('\n');
				let start = 0;
				for (let i = 0; i < badLine - 1 && i < ls.length; i++) start += ls[i].length + 1;
				ta.focus();
				ta.setSelectionRange(start, start + (ls[badLine - 1] || '').length);
				numbers();
			} else {
				err.textContent = e.message;
			}
		}
	};
	show(...netHeader(net, 'rules'),
		h('div', { class: 'card' },
			h('p', { class: 'muted' }, 'The rule script (doc/rules.md). Saving compiles it; an error is shown at its line and nothing changes.'),
			h('div', { class: 'editor' }, gutter, ta), err,
			h('div', { class: 'actions' }, h('button', { id: 'rules-save', onclick: save }, 'Compile and save'))));
	numbers();
}

/* ---- audit ---- */

async function auditPage(before) {
	const j = await api('GET', '/controller/audit?limit=50' + (before ? '&before=' + before : ''));
	const rows = j.entries.map((e) => h('tr', { 'data-audit': e.id },
		h('td', { class: 'muted' }, when(e.time)),
		h('td', { class: 'audit-who' }, e.who),
		h('td', {}, e.action),
		h('td', { class: 'mono' }, e.object),
		h('td', {}, h('details', {}, h('summary', {}, 'before / after'),
			h('pre', {}, 'before: ' + JSON.stringify(e.old, null, 1)),
			h('pre', {}, 'after: ' + JSON.stringify(e.new, null, 1))))));
	show(h('h1', {}, 'Audit trail'),
		h('div', { class: 'card' },
			h('table', { id: 'audit' }, h('thead', {}, h('tr', {}, ['When', 'Who', 'Action', 'Object', 'Change'].map((t) => h('th', {}, t)))),
				h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'Nothing yet.')))),
			h('div', { class: 'pager' },
				before ? h('a', { href: '#/audit' }, 'Newest') : null,
				j.next ? h('a', { href: '#/audit/' + j.next, id: 'audit-older' }, 'Older') : null)));
}

/* ---- routing ---- */

async function route() {
	stopTimer();
	const parts = location.hash.replace(/^#\/?/, '').split('/');
	for (const a of document.querySelectorAll('header nav a')) a.classList.remove('active');
	try {
		if (parts[0] === 'net' && /^[0-9a-f]{16}$/.test(parts[1] || '')) {
			$('#nav-networks').classList.add('active');
			const page = { settings: settingsPage, invites: invitesPage, rules: rulesPage }[parts[2]] || membersPage;
			await page(parts[1]);
		} else if (parts[0] === 'audit') {
			$('#nav-audit').classList.add('active');
			await auditPage(parts[1]);
		} else {
			$('#nav-networks').classList.add('active');
			await networksPage();
		}
	} catch (e) {
		if (e instanceof ApiError && e.status === 401) return;
		show(h('div', { class: 'card' }, h('h1', {}, 'Cannot show this page'), h('p', { class: 'error-text' }, e.message),
			h('a', { href: '#/' }, 'Back to the networks')));
	}
}

async function start() {
	$('#signout').addEventListener('click', async () => {
		await attempt(() => api('POST', '/signout'));
		S.csrf = '';
		signinPage(false);
	});
	window.addEventListener('hashchange', route);
	try {
		signedIn(await api('GET', '/session'));
		await route();
	} catch (e) {
		if (!(e instanceof ApiError && e.status === 401)) show(h('p', { class: 'error-text' }, e.message));
	}
}

document.addEventListener('DOMContentLoaded', start);
