// The browser client: plain ES modules, no framework. It uses exactly the public APIs a deployed stack has:
// Cognito's InitiateAuth (USER_PASSWORD_AUTH), the Products HTTP API, the Users REST API and the Chat
// WebSocket API, with the CORS settings the template gives them. config.json says where they are
// (`make run` serves one for the local stack; README, "The browser client", for a deployed one).

const $ = (selector) => document.querySelector(selector);
// form.name and form.id are the form's own properties, so fields are looked up by name.
const field = (form, name) => form.elements.namedItem(name);
let config;
let idToken = null;
let nextProducts = null;
let socket = null;

function status(text, isError = false) {
  $('#status').textContent = text;
  $('#status').className = isError ? 'error' : '';
}

/** An RFC 7807 problem as one line a person can read: title, detail and each field's messages. */
async function describe(response) {
  if (response.status === 412) {
    return 'Someone else changed this since you loaded it (412). Reload it, then make your change again.';
  }
  let problem = {};
  try { problem = await response.json(); } catch { /* not JSON: the status says enough */ }
  const fields = Object.entries(problem.errors ?? {}).map(([field, messages]) => `${field}: ${messages.join(' ')}`);
  return [`${problem.title ?? response.statusText} (${response.status})`, problem.detail, ...fields].filter(Boolean).join(' — ');
}

async function call(baseUrl, path, { method = 'GET', body, etag, idempotencyKey } = {}) {
  const headers = { Authorization: `Bearer ${idToken}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (etag) headers['If-Match'] = etag;
  if (idempotencyKey) headers['Idempotency-Key'] = `"${idempotencyKey}"`;
  return fetch(baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

// A create carries an Idempotency-Key, one per click, and is retried with it while the service answers 503
// (unavailable) or 409 (the first try still running), after the Retry-After it names: at most one resource is made,
// and a create whose answer was lost is answered by the retry.
async function create(baseUrl, path, body) {
  const idempotencyKey = crypto.randomUUID();
  for (let attempt = 1; ; attempt++) {
    const response = await call(baseUrl, path, { method: 'POST', body, idempotencyKey });
    if (![503, 409].includes(response.status) || attempt === 3 || !response.headers.has('Retry-After')) return response;
    const seconds = Math.min(Number(response.headers.get('Retry-After')) || 1, 10);
    status(`The service is busy; retrying in ${seconds} s…`);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

// ------------------------------------------------------------------------------------------- sign-in
async function signIn(email, password) {
  const response = await fetch(config.cognitoEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
    body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: config.clientId, AuthParameters: { USERNAME: email, PASSWORD: password } }),
  });
  const answer = await response.json();
  if (!response.ok || !answer.AuthenticationResult?.IdToken) {
    throw new Error(answer.message ?? 'Sign-in failed.');
  }
  return answer.AuthenticationResult.IdToken;
}

function claims(token) {
  const payload = token.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))));
}

// ------------------------------------------------------------------------------------------- products
function productRow(product) {
  const row = document.createElement('tr');
  row.dataset.id = product.id;
  const cells = [[product.name], [`${product.price} ${product.currency}`], [product.tags.join(', '), 'wide'], [product.version, 'wide']];
  for (const [text, className] of cells) {
    const cell = document.createElement('td');
    cell.textContent = text;
    if (className) cell.className = className;
    row.append(cell);
  }
  const edit = document.createElement('button');
  edit.textContent = 'Edit';
  edit.addEventListener('click', () => editProduct(product.id));
  const actions = document.createElement('td');
  actions.append(edit);
  row.append(actions);
  return row;
}

async function loadProducts(more = false) {
  const query = `?limit=20${more && nextProducts ? `&nextToken=${encodeURIComponent(nextProducts)}` : ''}`;
  const response = await fetch(`${config.productsUrl}/products${query}`);
  if (!response.ok) return status(await describe(response), true);
  const page = await response.json();
  if (!more) $('#products').replaceChildren();
  const shown = new Set([...$('#products').rows].map((row) => row.dataset.id));
  $('#products').append(...page.items.filter((product) => !shown.has(product.id)).map(productRow));
  nextProducts = page.nextToken ?? null;
  $('#more-products').hidden = !nextProducts;
}

async function editProduct(id) {
  const response = await fetch(`${config.productsUrl}/products/${encodeURIComponent(id)}`);
  if (!response.ok) return status(await describe(response), true);
  const product = await response.json();
  const form = $('#product-form');
  field(form, 'id').value = product.id;
  field(form, 'etag').value = response.headers.get('ETag') ?? '';
  field(form, 'name').value = product.name;
  field(form, 'description').value = product.description ?? '';
  field(form, 'price').value = product.price;
  field(form, 'currency').value = product.currency;
  field(form, 'tags').value = product.tags.join(', ');
  $('#product-form-title').textContent = `Edit ${product.name} (version ${product.version})`;
}

function newProduct() {
  const form = $('#product-form');
  form.reset();
  field(form, 'id').value = '';
  field(form, 'etag').value = '';
  $('#product-form-title').textContent = 'New product';
}

async function saveProduct(form) {
  const body = {
    name: field(form, 'name').value,
    description: field(form, 'description').value || undefined,
    price: Number(field(form, 'price').value),
    currency: field(form, 'currency').value,
    tags: field(form, 'tags').value.split(',').map((tag) => tag.trim()).filter(Boolean),
  };
  const id = field(form, 'id').value;
  const response = id
    ? await call(config.productsUrl, `/products/${encodeURIComponent(id)}`, { method: 'PUT', body, etag: field(form, 'etag').value })
    : await create(config.productsUrl, '/products', body);
  if (!response.ok) return status(await describe(response), true);
  const saved = await response.json();
  status(`Saved ${saved.name} (version ${saved.version}).`);
  newProduct();
  await loadProducts();
  showSaved(saved);
}

/** The product just saved goes first in the list, highlighted, wherever the store's order would put it. */
function showSaved(product) {
  for (const row of $('#products').querySelectorAll(`tr[data-id="${CSS.escape(product.id)}"], tr.saved`)) {
    if (row.dataset.id === product.id) row.remove();
    else row.classList.remove('saved');
  }
  const row = productRow(product);
  row.classList.add('saved');
  $('#products').prepend(row);
  row.scrollIntoView({ block: 'nearest' });
}

// ------------------------------------------------------------------------------------------- profile
async function loadProfile() {
  const form = $('#profile-form');
  const response = await call(config.usersUrl, '/users/me');
  if (response.status === 404) {
    form.reset();
    field(form, 'etag').value = '';
    return;
  }
  if (!response.ok) return status(await describe(response), true);
  const profile = await response.json();
  field(form, 'etag').value = response.headers.get('ETag') ?? '';
  field(form, 'displayName').value = profile.displayName;
  field(form, 'bio').value = profile.bio ?? '';
  field(form, 'avatarUrl').value = profile.avatarUrl ?? '';
}

async function saveProfile(form) {
  const body = { displayName: field(form, 'displayName').value, bio: field(form, 'bio').value || undefined, avatarUrl: field(form, 'avatarUrl').value || undefined };
  const response = field(form, 'etag').value
    ? await call(config.usersUrl, '/users/me', { method: 'PUT', body, etag: field(form, 'etag').value })
    : await create(config.usersUrl, '/users', body);
  if (!response.ok) return status(await describe(response), true);
  field(form, 'etag').value = response.headers.get('ETag') ?? '';
  status('Profile saved.');
}

// ------------------------------------------------------------------------------------------- chat
/** The room's members by user id (a user with two tabs is one member), and the cursor for older messages. */
const members = new Map();
let olderBefore = null;
/** Delivery is at least once (a retried stream batch), and history can overlap what arrived live: one line per id. */
const shownIds = new Set();

function chatLine(text, { notice = false, prepend = false } = {}) {
  const item = document.createElement('li');
  item.textContent = text; // never HTML: names and messages are other people's text
  if (notice) item.className = 'notice';
  if (prepend) $('#messages').prepend(item);
  else {
    $('#messages').append(item);
    item.scrollIntoView({ block: 'nearest' });
  }
  return item;
}

function messageLine(message) {
  const time = new Date(message.sentAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return `${time} ${message.from.displayName}: ${message.text}`;
}

function showMembers() {
  const names = [...members.values()].sort((a, b) => a.localeCompare(b));
  $('#members').replaceChildren(...names.map((name) => Object.assign(document.createElement('li'), { textContent: name })));
}

/** History frames answer the first request (the latest page) and each "Older messages" click (the page before). */
function showHistory(frame) {
  const first = $('#messages').firstChild;
  for (const message of frame.messages.filter((m) => !shownIds.has(m.id))) {
    shownIds.add(message.id);
    if (first) first.before(Object.assign(document.createElement('li'), { textContent: messageLine(message) }));
    else chatLine(messageLine(message));
  }
  olderBefore = frame.before;
  $('#older').hidden = !olderBefore;
}

function onFrame(frame) {
  switch (frame.type) {
    case 'message':
      if (shownIds.has(frame.id)) return undefined;
      shownIds.add(frame.id);
      return chatLine(messageLine(frame));
    case 'history': return showHistory(frame);
    case 'members':
      members.clear();
      for (const member of frame.members) members.set(member.userId, member.displayName);
      return showMembers();
    case 'presence':
      if (frame.event === 'joined') members.set(frame.user.userId, frame.user.displayName);
      else members.delete(frame.user.userId);
      showMembers();
      return chatLine(`${frame.user.displayName} ${frame.event === 'joined' ? 'joined' : 'left'}`, { notice: true });
    case 'error':
      if (frame.code === 'too_many_connections') socket?.close(1000); // this one may not chat: say why and let it go
      return status(frame.code === 'rate_limited'
        ? `Chat: you are sending too fast; wait ${Math.ceil(frame.retryAfterMs / 1000)} s. That message was not sent.`
        : `Chat: ${frame.message ?? frame.code}`, true);
    default: return undefined;
  }
}

function join(room) {
  socket?.close();
  members.clear();
  shownIds.clear();
  showMembers();
  $('#messages').replaceChildren();
  $('#older').hidden = true;
  const url = `${config.chatUrl}/?token=${encodeURIComponent(idToken)}&room=${encodeURIComponent(room)}`;
  const opened = new WebSocket(url);
  socket = opened;
  opened.addEventListener('open', () => {
    $('#say').hidden = false;
    status(`Joined ${room}.`);
    chatLine(`you joined ${room}`, { notice: true });
    // API Gateway opens the connection only after $connect, so the page asks for what it needs first.
    opened.send(JSON.stringify({ action: 'history' }));
    opened.send(JSON.stringify({ action: 'members' }));
  });
  opened.addEventListener('message', (event) => onFrame(JSON.parse(event.data)));
  // API Gateway closes a connection that sent nothing for 10 minutes: refresh the member list well before that.
  const keepAlive = setInterval(() => { if (opened.readyState === WebSocket.OPEN) opened.send(JSON.stringify({ action: 'members' })); }, 5 * 60 * 1000);
  opened.addEventListener('close', () => clearInterval(keepAlive));
  opened.addEventListener('close', (event) => {
    if (socket !== opened) return; // replaced by a newer join
    $('#say').hidden = true;
    if (event.code !== 1000) status(`Chat: the connection was ${event.reason ? `closed: ${event.reason}` : 'refused or lost'}. Join again to reconnect.`, true);
  });
}

// ------------------------------------------------------------------------------------------- views
/** One section at a time, chosen by the address's fragment (#products-view...), so Back and links work. */
function showView() {
  const tabs = [...$('#views').querySelectorAll('a:not([hidden])')];
  const current = tabs.find((tab) => tab.hash === location.hash) ?? tabs[0];
  for (const tab of tabs) {
    const selected = tab === current;
    if (selected) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
    document.getElementById(tab.dataset.view).hidden = !selected;
  }
}

// ------------------------------------------------------------------------------------------- wiring
async function start() {
  config = await (await fetch('config.json')).json();
  // A stack without Users or Chat (dotnet new --IncludeUsers false, --IncludeChat false) has no URL for it.
  $('#profile-tab').hidden = config.usersUrl == null; // "" is this origin (CloudFront in front of the APIs)
  $('#chat-tab').hidden = !config.chatUrl;
  window.addEventListener('hashchange', () => { if (idToken) showView(); });
  $('#sign-in').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      idToken = await signIn(event.target.email.value, event.target.password.value);
    } catch (error) {
      return status(error.message, true);
    }
    const who = claims(idToken);
    const groups = who['cognito:groups'] ?? [];
    $('#whoami').textContent = `Signed in as ${who.email}${groups.includes('admin') ? ' (admin)' : ''}.`;
    $('#sign-in-section').hidden = true;
    $('#views').hidden = false;
    $('#sign-out').hidden = false;
    showView();
    status('');
    await Promise.all([loadProducts(), config.usersUrl != null ? loadProfile() : null]);
  });
  $('#sign-out').addEventListener('click', () => location.reload());
  $('#more-products').addEventListener('click', () => loadProducts(true));
  $('#product-new').addEventListener('click', newProduct);
  $('#product-form').addEventListener('submit', (event) => { event.preventDefault(); saveProduct(event.target); });
  $('#profile-form').addEventListener('submit', (event) => { event.preventDefault(); saveProfile(event.target); });
  $('#join').addEventListener('submit', (event) => { event.preventDefault(); join(event.target.room.value); });
  $('#older').addEventListener('click', () => socket?.send(JSON.stringify({ action: 'history', before: olderBefore })));
  $('#say').addEventListener('submit', (event) => {
    event.preventDefault();
    socket?.send(JSON.stringify({ action: 'sendMessage', text: event.target.text.value }));
    event.target.reset();
  });
}

start();
