// The browser client end to end, in headless Chromium (Debian's package, driven by playwright-core), against
// the stack `make run` starts: sign in, create a product and see it listed, see a 412 when someone else changed
// it, save a profile, and two pages chatting in one room. Run by `make test-e2e` (tests/e2e/run.sh).
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

async function signedIn(email, password) {
  const context = await browser.newContext();
  const page = await context.newPage();
  pages.push(page);
  page.setDefaultTimeout(timeout);
  await page.goto(web);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('whoami').filter({ hasText: email }).waitFor();
  return page;
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

try {
  console.log(`Browser client at ${web} (Chromium ${browser.version()})`);
  let ada;
  await step('Ada signs in with USER_PASSWORD_AUTH and is shown as admin', async () => {
    ada = await signedIn('admin@example.com', 'Admin-Passw0rd!');
    await ada.getByTestId('whoami').filter({ hasText: '(admin)' }).waitFor();
  });

  const name = `E2E cup ${run}`;
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
    await ada.locator('#products tr', { hasText: name }).filter({ hasText: '9.5 EUR' }).waitFor();
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
  });

  // A copy made without Users or Chat (dotnet new) has no URL for it in config.json, and the page hides its section.
  await step(config.usersUrl ? 'she saves her profile' : 'no Users API: the profile section is hidden', async () => {
    if (!config.usersUrl) {
      if (await ada.locator('#profile-section').isVisible()) throw new Error('the profile section is shown');
      return;
    }
    const form = ada.locator('#profile-form');
    await form.getByLabel('Display name').fill(`Ada ${run}`);
    await form.getByLabel('Bio').fill('Runs the shop.');
    await form.getByRole('button', { name: 'Save profile' }).click();
    await ada.locator('#status', { hasText: 'Profile saved.' }).waitFor();
  });

  let uma;
  await step('Uma signs in on another page; a member is not shown as admin', async () => {
    uma = await signedIn('user@example.com', 'User-Passw0rd!');
    if ((await uma.getByTestId('whoami').textContent()).includes('(admin)')) throw new Error('Uma is shown as admin');
  });

  const room = `e2e-${run}`;
  await step(config.chatUrl ? 'both join one room and each sees the other\'s message' : 'no Chat API: the chat section is hidden', async () => {
    if (!config.chatUrl) {
      if (await uma.locator('#chat-section').isVisible()) throw new Error('the chat section is shown');
      return;
    }
    for (const page of [ada, uma]) {
      await page.locator('#join').getByLabel('Room').fill(room);
      await page.locator('#join').getByRole('button', { name: 'Join' }).click();
      await page.getByTestId('messages').getByText(`you joined ${room}`).waitFor();
    }
    await ada.locator('#say').getByLabel('Message').fill(`Hello Uma ${run}`);
    await ada.locator('#say').getByRole('button', { name: 'Send' }).click();
    await uma.getByTestId('messages').getByText(`Hello Uma ${run}`).waitFor();
    await uma.locator('#say').getByLabel('Message').fill(`Hi Ada ${run}`);
    await uma.locator('#say').getByRole('button', { name: 'Send' }).click();
    await ada.getByTestId('messages').getByText(`Hi Ada ${run}`).waitFor();
  });
} catch {
  failed = true;
} finally {
  await browser.close();
}

console.log(failed ? '\nBrowser tests FAILED (screenshots in .local/e2e/).' : '\nBrowser tests passed.');
process.exit(failed ? 1 : 0);
