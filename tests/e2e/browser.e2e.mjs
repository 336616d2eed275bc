// The browser client end to end, in headless Chromium (Debian's package, driven by playwright-core), against
// the stack `make run` starts, at a desktop width (1280 px) and a phone's (390 px): sign in, create a product and
// see it first in the list, see a 412 when someone else changed it, save a profile, and two pages chatting in one
// room. Any Content-Security-Policy violation or script error fails it; the page must never scroll sideways; each
// size leaves screenshots in .local/e2e/. Run by `make test-e2e` (tests/e2e/run.sh).
import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const web = process.env.WEB_URL ?? 'http://localhost:3000/';
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`Chromium is missing (${executablePath}). Install Debian's package: sudo apt-get install -y chromium`);
  process.exit(2);
}

const run = Date.now().toString(36);
const timeout = 15_000;
const config = await (await fetch(new URL('config.json', web))).json();
const browser = await chromium.launch({
  executablePath,
  // As root in a container Chromium needs --no-sandbox; the rest keeps it off the network but for localhost.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const pages = [];
let failed = false;

async function step(title, action) {
  try {
    await action();
    console.log(`  ok    ${title}`);
  } catch (error) {
    failed = true;
    console.log(`  FAIL  ${title}\n        ${String(error.message ?? error).split('\n')[0]}`);
    mkdirSync('.local/e2e', { recursive: true });
    for (const [index, page] of pages.entries()) {
      await page.screenshot({ path: `.local/e2e/failure-${index}.png`, fullPage: true }).catch(() => {});
    }
    throw error;
  }
}

const viewports = [
  { label: 'desktop', width: 1280, height: 800 },
  { label: 'phone', width: 390, height: 844 },
];
const violations = [];

async function signedIn(email, password, viewport) {
  const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
  const page = await context.newPage();
  pages.push(page);
  page.setDefaultTimeout(timeout);
  // Chromium reports a CSP violation (and an invalid pattern attribute) as a console error; a thrown error is a pageerror.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to|pattern/i.test(message.text())) violations.push(`${viewport.label}: ${message.text()}`);
  });
  page.on('pageerror', (error) => violations.push(`${viewport.label}: ${error.message}`));
  await page.goto(web);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('whoami').filter({ hasText: email }).waitFor();
  await noSidewaysScroll(page);
  return page;
}

async function noSidewaysScroll(page) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
  if (scrollWidth > clientWidth) throw new Error(`the page is ${scrollWidth} px wide in a ${clientWidth} px window`);
}

/** The element is on screen and nothing covers its middle (a sticky bar over a message box, say). */
async function reachable(locator) {
  await locator.scrollIntoViewIfNeeded();
  const covered = await locator.evaluate((element) => {
    const box = element.getBoundingClientRect();
    const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return !(top === element || element.contains(top));
  });
  if (covered) throw new Error('it is covered by another element');
}

async function shot(page, name) {
  mkdirSync('.local/e2e', { recursive: true });
  await page.screenshot({ path: `.local/e2e/${name}.png`, fullPage: true });
}

/** An ID token straight from Cognito, for the change "someone else" makes behind the page's back. */
async function token(email, password) {
  const response = await fetch(config.cognitoEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
    body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: config.clientId, AuthParameters: { USERNAME: email, PASSWORD: password } }),
  });
  return (await response.json()).AuthenticationResult.IdToken;
}

async function scenario(viewport) {
  console.log(`\n${viewport.label}, ${viewport.width} × ${viewport.height}`);
  const tag = `${run}-${viewport.label}`;
  let ada;
  await step('Ada signs in with USER_PASSWORD_AUTH and is shown as admin; the page does not scroll sideways', async () => {
    ada = await signedIn('admin@example.com', 'Admin-Passw0rd!', viewport);
    await ada.getByTestId('whoami').filter({ hasText: '(admin)' }).waitFor();
  });

  const name = `E2E cup ${tag}`;
  await step('she creates a product (sent with an Idempotency-Key) and sees it listed', async () => {
    const form = ada.locator('#product-form');
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Price').fill('9.50');
    await form.getByLabel('Currency').fill('EUR');
    await form.getByLabel('Tags').fill('e2e, kitchen');
    const posted = ada.waitForRequest((request) => request.method() === 'POST' && new URL(request.url()).pathname === '/products');
    await form.getByRole('button', { name: 'Save product' }).click();
    const key = (await posted).headers()['idempotency-key'];
    if (!/^"[0-9a-f-]{36}"$/.test(key ?? '')) throw new Error(`POST /products carried Idempotency-Key ${key}`);
    // At once, first and highlighted, however many products the store holds and in whatever order it lists them.
    await ada.locator('#products tr:first-child.saved', { hasText: name }).filter({ hasText: '9.5' }).waitFor();
    await noSidewaysScroll(ada);
    await shot(ada, `${viewport.label}-products`);
  });

  await step('someone else changes it while she edits: saving shows the 412 conflict', async () => {
    const row = ada.locator('#products tr', { hasText: name });
    await row.getByRole('button', { name: 'Edit' }).click();
    await ada.locator('#product-form-title', { hasText: 'version 1' }).waitFor();
    const id = await row.getAttribute('data-id');
    const changed = await fetch(`${config.productsUrl}/products/${id}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${await token('admin@example.com', 'Admin-Passw0rd!')}`, 'If-Match': '"1"', 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, price: 11, currency: 'EUR', tags: ['e2e'] }),
    });
    if (changed.status !== 200) throw new Error(`the concurrent change answered ${changed.status}`);
    await ada.locator('#product-form').getByLabel('Price').fill('12.00');
    await ada.locator('#product-form').getByRole('button', { name: 'Save product' }).click();
    await ada.locator('#status.error', { hasText: '412' }).waitFor();
    await reachable(ada.locator('#status'));
  });

  // A copy made without Users or Chat (dotnet new) has no URL for it in config.json, and the page hides its section.
  await step(config.usersUrl != null ? 'she opens her profile from the tabs, keyboard only, and saves it' : 'no Users API: there is no profile tab', async () => {
    if (config.usersUrl == null) {
      if (await ada.getByRole('link', { name: 'Profile' }).isVisible()) throw new Error('the profile tab is shown');
      return;
    }
    await ada.getByRole('link', { name: 'Profile' }).focus();
    await ada.keyboard.press('Enter');
    const form = ada.locator('#profile-form');
    await form.getByLabel('Display name').waitFor();
    await form.getByLabel('Display name').fill(`Ada ${tag}`);
    await form.getByLabel('Bio').fill('Runs the shop.');
    await form.getByRole('button', { name: 'Save profile' }).click();
    await ada.locator('#status', { hasText: 'Profile saved.' }).waitFor();
    await noSidewaysScroll(ada);
    await shot(ada, `${viewport.label}-profile`);
  });

  let uma;
  await step('Uma signs in on another page; a member is not shown as admin', async () => {
    uma = await signedIn('user@example.com', 'User-Passw0rd!', viewport);
    if ((await uma.getByTestId('whoami').textContent()).includes('(admin)')) throw new Error('Uma is shown as admin');
  });

  const room = `e2e-${tag}`;
  await step(config.chatUrl ? 'chat: history on join, presence and members by name, replies both ways, a flooding sender told to wait; the message box is never covered' : 'no Chat API: there is no chat tab', async () => {
    if (!config.chatUrl) {
      if (await uma.getByRole('link', { name: 'Chat' }).isVisible()) throw new Error('the chat tab is shown');
      return;
    }
    const joinRoom = async (page) => {
      await page.getByRole('link', { name: 'Chat' }).click();
      await page.locator('#join').getByLabel('Room').fill(room);
      await page.locator('#join').getByRole('button', { name: 'Join' }).click();
      await page.getByTestId('messages').getByText(`you joined ${room}`).waitFor();
    };
    // Ada speaks before Uma arrives: Uma reads it in the room's history.
    await joinRoom(ada);
    await ada.locator('#say').getByLabel('Message').fill(`Hello Uma ${tag}`);
    await ada.locator('#say').getByRole('button', { name: 'Send' }).click();
    await ada.getByTestId('messages').getByText(`Hello Uma ${tag}`).waitFor();
    await joinRoom(uma);
    await uma.getByTestId('messages').getByText(`admin: Hello Uma ${tag}`).waitFor();
    // Presence and members, by the names in the tokens (the e-mail's local part), never a UUID.
    await ada.getByTestId('messages').getByText('user joined').waitFor();
    await ada.getByTestId('members').getByText('user', { exact: true }).waitFor();
    await uma.getByTestId('members').getByText('admin', { exact: true }).waitFor();
    await uma.locator('#say').getByLabel('Message').fill(`Hi Ada ${tag}`);
    await uma.locator('#say').getByRole('button', { name: 'Send' }).click();
    await ada.getByTestId('messages').getByText(`Hi Ada ${tag}`).waitFor();
    // More than the allowance (a burst of 10, then 5 a second) at once: the page says to wait.
    await uma.evaluate(() => {
      for (let i = 0; i < 25; i++) {
        document.querySelector('#chat-text').value = `flood ${i}`;
        document.querySelector('#say').requestSubmit();
      }
    });
    await uma.locator('#status', { hasText: 'you are sending too fast' }).waitFor();
    await reachable(ada.locator('#say').getByLabel('Message'));
    await noSidewaysScroll(ada);
    await shot(ada, `${viewport.label}-chat`);
  });

  await step('no Content-Security-Policy violation and no script error on any page', async () => {
    if (violations.length > 0) throw new Error(violations.join('\n'));
  });
}

try {
  console.log(`Browser client at ${web} (Chromium ${browser.version()})`);
  await step('the page is served with its security headers and no server banner', async () => {
    const response = await fetch(web);
    const csp = response.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]) {
      if (!csp.includes(directive)) throw new Error(`Content-Security-Policy lacks ${directive}: ${csp}`);
    }
    if (!csp.includes(new URL(config.productsUrl || web).origin)) throw new Error(`connect-src does not name the Products API: ${csp}`);
    if (response.headers.get('x-content-type-options') !== 'nosniff') throw new Error('no X-Content-Type-Options: nosniff');
    if (!response.headers.get('referrer-policy')) throw new Error('no Referrer-Policy');
    if (response.headers.has('server')) throw new Error(`Server: ${response.headers.get('server')}`);
  });
  for (const viewport of viewports) {
    await scenario(viewport);
  }
} catch {
  failed = true;
} finally {
  await browser.close();
}

console.log(failed ? '\nBrowser tests FAILED (screenshots in .local/e2e/).' : '\nBrowser tests passed.');
process.exit(failed ? 1 : 0);
