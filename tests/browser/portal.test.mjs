// The portal as a person uses it, in Debian's Chromium: log in, renew, see the new expiry.
// Runs the real server binary (target/debug/rinnova) in demo mode on a random loopback port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.env.RINNOVA_BIN ?? join(here, '..', '..', 'target', 'debug', 'rinnova');
const shots = join(here, 'test-results');

function startServer(dataDir, extra = []) {
  const child = spawn(binary, ['--data-dir', dataDir, 'serve', '--demo', '--listen', '127.0.0.1:0', ...extra], {
    env: { ...process.env, RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error('server did not start')), 60_000);
    lines.on('line', (line) => {
      const m = line.match(/^rinnova listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve({ child, base: m[1] }); }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

// A demo server on a fresh data directory and a headless Debian Chromium, both ended after
// `body` whatever it does.
async function withPortal(body) {
  const dataDir = mkdtempSync(join(tmpdir(), 'rinnova-browser-'));
  mkdirSync(shots, { recursive: true });
  const { child, base } = await startServer(dataDir);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    await body({ browser, base });
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function lastCode(base, userId) {
  const res = await fetch(`${base}/api/v1/demo/outbox?user_id=${userId}`);
  const messages = await res.json();
  const sms = messages.find((m) => m.channel === 'sms');
  return sms.body.match(/\b\d{6}\b/)[0];
}

test('a holder renews in the portal and sees the new expiry on the home page', () => withPortal(async ({ browser, base }) => {
    const page = await browser.newPage({ locale: 'it-IT' });
    await page.goto(base + '/');
    await page.getByLabel('User-id').fill('JZLF001');
    await page.getByLabel('Password').fill('rinnova-demo');
    await page.screenshot({ path: join(shots, '01-login.png'), fullPage: true });
    await page.getByRole('button', { name: 'Accedi' }).click();

    await assert.doesNotReject(page.getByRole('heading', { name: 'I tuoi certificati' }).waitFor());
    const oldExpiry = await page.getByTestId('expiry').first().textContent();
    await page.screenshot({ path: join(shots, '02-home.png'), fullPage: true });
    await page.getByRole('button', { name: 'Rinnova' }).click();

    // Step 2: data; the stepper marks the current step for assistive technology.
    await page.getByRole('heading', { name: 'Verifica i tuoi dati' }).waitFor();
    assert.match(await page.locator('[aria-current="step"]').textContent(), /^Dati/);
    await page.screenshot({ path: join(shots, '03-data.png'), fullPage: true });
    await page.getByRole('button', { name: 'Confermo i dati e proseguo' }).click();

    // Step 3: documents; continuing without consents shows a linked error summary.
    await page.getByRole('heading', { name: 'Documenti' }).waitFor();
    await page.getByRole('button', { name: 'Prosegui' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /RNV-WF-003/);
    await page.screenshot({ path: join(shots, '04-documents-error.png'), fullPage: true });
    await page.getByLabel('Accetto le condizioni generali del servizio').check();
    await page.getByLabel('Confermo i miei dati').check();
    await page.getByRole('button', { name: 'Prosegui' }).click();

    // Step 4: sign with PIN + SMS code (read from the demo outbox).
    await page.getByRole('heading', { name: 'Firma la richiesta di rinnovo' }).waitFor();
    await page.getByLabel('PIN di firma').fill('12345678');
    await page.getByLabel('Codice OTP').fill(await lastCode(base, 'JZLF001'));
    await page.screenshot({ path: join(shots, '05-sign.png'), fullPage: true });
    await page.getByRole('button', { name: 'Firma la richiesta' }).click();

    // Step 7: first code, then PIN twice and the second code.
    await page.getByRole('heading', { name: 'Attiva il nuovo certificato' }).waitFor();
    await page.getByLabel('Codice OTP').fill(await lastCode(base, 'JZLF001'));
    await page.getByRole('button', { name: 'Verifica il codice' }).click();
    await page.getByLabel('PIN (almeno 8 cifre)').waitFor();
    await page.getByLabel('PIN (almeno 8 cifre)').fill('24681357');
    await page.getByLabel('Ripeti il PIN').fill('24681357');
    await page.getByLabel('Codice OTP').fill(await lastCode(base, 'JZLF001'));
    await page.screenshot({ path: join(shots, '06-activate.png'), fullPage: true });
    await page.getByRole('button', { name: 'Attiva il certificato' }).click();

    await page.getByRole('heading', { name: 'Rinnovo completato' }).waitFor();
    const done = await page.getByTestId('new-expiry').innerText();
    await page.screenshot({ path: join(shots, '07-done.png'), fullPage: true });
    await page.getByRole('link', { name: 'Torna alla pagina iniziale' }).click();

    // Step 8: the home page shows the new expiry and no renewal action.
    await page.getByRole('heading', { name: 'I tuoi certificati' }).waitFor();
    const expiries = await page.getByTestId('expiry').allTextContents();
    const newExpiry = expiries.find((e) => e !== oldExpiry);
    assert.ok(newExpiry, `a new expiry besides ${oldExpiry}: ${expiries}`);
    assert.ok(done.includes(newExpiry), `${done} names ${newExpiry}`);
    // Italian dates as Italians write them (issue 18 item 16): 18/01/2030.
    assert.match(newExpiry, /^\d{2}\/\d{2}\/\d{4}$/);
    assert.equal(Number(newExpiry.slice(-4)) - new Date().getFullYear(), 3);
    assert.equal(await page.getByRole('button', { name: 'Rinnova' }).count(), 0);
    await page.screenshot({ path: join(shots, '08-home-after.png'), fullPage: true });
}));

test('a holder pays in the shop: a declined card, then a paid one on the sandbox page', () => withPortal(async ({ browser, base }) => {
    const page = await browser.newPage({ locale: 'it-IT' });
    await page.goto(base + '/');
    await page.getByLabel('User-id').fill('JZLF010');
    await page.getByLabel('Password').fill('rinnova-demo');
    await page.getByRole('button', { name: 'Accedi' }).click();
    await page.getByRole('button', { name: 'Rinnova' }).click();
    await page.getByRole('button', { name: 'Confermo i dati e proseguo' }).click();
    await page.getByLabel('Accetto le condizioni generali del servizio').check();
    await page.getByLabel('Confermo i miei dati').check();
    await page.getByRole('button', { name: 'Prosegui' }).click();
    await page.getByLabel('PIN di firma').fill('12345678');
    await page.getByLabel('Codice OTP').fill(await lastCode(base, 'JZLF010'));
    await page.getByRole('button', { name: 'Firma la richiesta' }).click();

    // Step 5: the order is set to the certificate's price, VAT shown.
    await page.getByRole('heading', { name: 'Pagamento', level: 2 }).waitFor();
    assert.match(await page.getByTestId('order').innerText(), /48,80 €/);
    assert.match(await page.locator('[aria-current="step"]').textContent(), /^Pagamento/);
    await page.screenshot({ path: join(shots, '11-payment.png'), fullPage: true });

    // A wrong promo code: a linked error summary, nothing charged.
    await page.getByLabel('Codice promozionale (facoltativo)').fill('NOPE');
    await page.getByRole('button', { name: 'Procedi al pagamento' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /RNV-PAY-001/);
    await page.getByLabel('Codice promozionale (facoltativo)').fill('');

    // The sandbox's hosted page: decline first.
    await page.getByLabel('Carta di credito').check();
    await page.getByRole('button', { name: 'Procedi al pagamento' }).click();
    await page.getByRole('heading', { name: 'Pagamento di prova (sandbox)' }).waitFor();
    assert.match(await page.getByTestId('sandbox-amount').innerText(), /48,80 €/);
    await page.screenshot({ path: join(shots, '12-sandbox.png'), fullPage: true });
    await page.getByRole('button', { name: 'Simula carta rifiutata' }).click();
    await page.getByTestId('order-status').waitFor();
    assert.match(await page.getByTestId('order-status').innerText(), /rifiutata/);

    // Then PayPal, paid: back at the renewal, now at activation.
    await page.getByLabel('PayPal').check();
    await page.getByRole('button', { name: 'Procedi al pagamento' }).click();
    // Each method its own choices: PayPal has no card to decline (issue 18 item 10).
    await page.getByRole('button', { name: 'Simula pagamento PayPal rifiutato' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Simula carta rifiutata' }).count(), 0);
    await page.getByRole('button', { name: 'Paga', exact: true }).click();
    await page.getByRole('heading', { name: 'Attiva il nuovo certificato' }).waitFor();
    await page.screenshot({ path: join(shots, '13-paid.png'), fullPage: true });
}));

test('an RAO verifies at the desk and interrupts; the holder resumes at the next login', () => withPortal(async ({ browser, base }) => {
    const login = async (page) => {
      await page.getByLabel('User-id').fill('JZLF009');
      await page.getByLabel('Password').fill('rinnova-demo');
      await page.getByRole('button', { name: 'Accedi' }).click();
    };
    const page = await browser.newPage({ locale: 'it-IT' });
    await page.goto(base + '/');
    await login(page);
    await page.getByRole('button', { name: 'Rinnova' }).click();
    await page.getByRole('button', { name: 'Confermo i dati e proseguo' }).click();
    await page.getByLabel('Accetto le condizioni generali del servizio').check();
    await page.getByLabel('Confermo i miei dati').check();
    await page.getByRole('button', { name: 'Prosegui' }).click();
    await page.getByLabel('PIN di firma').fill('12345678');
    await page.getByLabel('Codice OTP').fill(await lastCode(base, 'JZLF009'));
    await page.getByRole('button', { name: 'Firma la richiesta' }).click();
    await page.getByRole('heading', { name: 'Pagamento', level: 2 }).waitFor();

    // Wrong operator credentials: a clear error, the renewal stays at payment.
    await page.getByLabel("Username dell'operatore").fill('rao.demo');
    await page.getByLabel("Password dell'operatore").fill('sbagliata');
    await page.getByRole('button', { name: 'Verifica', exact: true }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /RNV-RAO-001/);
    await page.getByLabel("Username dell'operatore").fill('rao.demo');
    await page.getByLabel("Password dell'operatore").fill('rinnova-rao-demo');
    await page.screenshot({ path: join(shots, '21-rao.png'), fullPage: true });
    await page.getByRole('button', { name: 'Verifica', exact: true }).click();

    // Verified: finish now or interrupt. The RAO interrupts.
    await page.getByTestId('rao-verified').waitFor();
    assert.match(await page.getByTestId('rao-verified').innerText(), /RAO Roma Centro/);
    await page.screenshot({ path: join(shots, '22-rao-verified.png'), fullPage: true });
    await page.getByRole('button', { name: 'Interrompi (esci)' }).click();
    await page.getByLabel('User-id').waitFor();

    // The holder's next login goes straight to the renewal, at activation.
    await login(page);
    await page.getByRole('heading', { name: 'Attiva il nuovo certificato' }).waitFor();
    assert.match(page.url(), /\/renewals\//);
}));

async function emailLink(base, userId, marker) {
  const res = await fetch(`${base}/api/v1/demo/outbox?user_id=${userId}`);
  const messages = await res.json();
  for (const m of messages) {
    const word = m.channel === 'email' && m.body.split(/\s+/).find((w) => w.includes(marker));
    if (word) return word;
  }
  throw new Error(`no e-mail with ${marker} for ${userId}`);
}

test('a holder who forgot the password recovers it by e-mail link and SMS code (SPEC A2)', () => withPortal(async ({ browser, base }) => {
    const page = await browser.newPage({ locale: 'it-IT' });
    await page.goto(base + '/login');
    await page.getByRole('link', { name: 'Non riesci ad accedere?' }).click();
    await page.getByRole('heading', { name: 'Ho dimenticato la password' }).waitFor();
    const form = page.locator('form[action="/recover/password"]');
    await form.getByLabel('User-id').fill('JZLF003');
    await form.getByLabel('Indirizzo e-mail registrato').fill('luca.verdi@example.it');
    await page.screenshot({ path: join(shots, '30-recover.png'), fullPage: true });
    await form.getByRole('button', { name: 'Inviami il collegamento' }).click();
    await page.getByRole('status').waitFor();
    assert.match(await page.getByRole('status').innerText(), /Se i dati corrispondono a un account/);

    // The link from the e-mail, then the SMS code.
    await page.goto(await emailLink(base, 'JZLF003', '/recover/'));
    await page.getByRole('button', { name: 'Invia il codice via SMS' }).click();
    await page.getByLabel('Codice OTP').waitFor();
    await page.getByLabel('Codice OTP').fill(await lastCode(base, 'JZLF003'));
    await page.getByLabel('Nuova password', { exact: true }).fill('password2026');
    await page.getByLabel('Ripeti la nuova password').fill('password2026');
    await page.getByRole('button', { name: 'Imposta la nuova password' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /RNV-PWD-005/);
    await page.getByLabel('Codice OTP').waitFor();
    await page.getByLabel('Codice OTP').fill(await lastCode(base, 'JZLF003'));
    await page.getByLabel('Nuova password', { exact: true }).fill('Fiume-Tevere-1987');
    await page.getByLabel('Ripeti la nuova password').fill('Fiume-Tevere-1987');
    await page.screenshot({ path: join(shots, '31-new-password.png'), fullPage: true });
    await page.getByRole('button', { name: 'Imposta la nuova password' }).click();
    await page.getByRole('heading', { name: 'Password cambiata' }).waitFor();
    assert.equal(await page.getByTestId('recovered-user-id').innerText(), 'JZLF003');

    await page.getByRole('link', { name: 'Accedi' }).click();
    await page.getByLabel('User-id').fill('JZLF003');
    await page.getByLabel('Password').fill('Fiume-Tevere-1987');
    await page.getByRole('button', { name: 'Accedi' }).click();
    await page.getByRole('heading', { name: 'I tuoi certificati' }).waitFor();
}));

test('the link of a reminder e-mail opens that certificate\'s renewal after login (SPEC N2)', () => withPortal(async ({ browser, base }) => {
    // serve sweeps for reminders as it starts; the e-mail is on the outbox page at once.
    let link;
    for (let i = 0; i < 50 && !link; i++) {
      link = await emailLink(base, 'JZLF006', '/r/').catch(() => undefined);
      if (!link) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(link, 'a reminder e-mail for JZLF006');
    const page = await browser.newPage({ locale: 'it-IT' });
    await page.goto(link);
    await page.getByLabel('User-id').fill('JZLF006');
    await page.getByLabel('Password').fill('rinnova-demo');
    await page.getByRole('button', { name: 'Accedi' }).click();
    await page.getByRole('heading', { name: 'Verifica i tuoi dati' }).waitFor();
    assert.match(page.url(), /\/renewals\//);
    await page.screenshot({ path: join(shots, '32-reminder-link.png'), fullPage: true });
}));

// Issue 18 items 1–3 and 20: the window is enforced after step 1, the holder reads why a renewal
// stopped, an expired certificate says so — and on a phone no page scrolls sideways.
test('on a phone: a renewal stops when its window closes and says why; an expired certificate says so', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rinnova-browser-'));
  mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  let server = await startServer(dataDir);
  const phone = { viewport: { width: 375, height: 740 }, locale: 'it-IT', isMobile: true, hasTouch: true };
  const noSidewaysScroll = async (page, what) => {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `${what} is ${width} px wide on a 375 px phone`);
  };
  const login = async (page, base, userId) => {
    await page.goto(base + '/');
    await page.getByLabel('User-id').fill(userId);
    await page.getByLabel('Password').fill('rinnova-demo');
    await page.getByRole('button', { name: 'Accedi' }).click();
    await page.getByRole('heading', { name: 'I tuoi certificati' }).waitFor();
  };
  try {
    // JZLF002 renews on the last day and reaches the signature.
    let page = await browser.newPage(phone);
    await login(page, server.base, 'JZLF002');
    await noSidewaysScroll(page, 'home');
    await page.getByRole('button', { name: 'Rinnova' }).click();
    await page.getByRole('heading', { name: 'Verifica i tuoi dati' }).waitFor();
    await noSidewaysScroll(page, 'the data step');
    await page.screenshot({ path: join(shots, '30-phone-data.png'), fullPage: true });
    await page.getByRole('button', { name: 'Confermo i dati e proseguo' }).click();
    await page.getByRole('heading', { name: 'Documenti' }).waitFor();
    await noSidewaysScroll(page, 'the documents step');
    await page.getByLabel('Accetto le condizioni generali del servizio').check();
    await page.getByLabel('Confermo i miei dati').check();
    await page.getByRole('button', { name: 'Prosegui' }).click();
    await page.getByRole('heading', { name: 'Firma la richiesta di rinnovo' }).waitFor();
    await noSidewaysScroll(page, 'the sign step');
    const renewalUrl = page.url();
    await page.close();

    // A day later (the same data, the server's clock a day on) the window has closed.
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
    server = await startServer(dataDir, ['--clock-offset', '86400']);
    page = await browser.newPage(phone);
    await login(page, server.base, 'JZLF002');
    await page.goto(server.base + new URL(renewalUrl).pathname);
    await page.getByRole('heading', { name: 'Rinnovo interrotto' }).waitFor();
    const why = await page.getByTestId('renewal-ended').innerText();
    assert.match(why, /Il rinnovo si è interrotto/);
    assert.match(why, /RNV-WIN-00[23]/);
    assert.equal(await page.getByLabel('PIN di firma').count(), 0, 'no PIN box once the window closed');
    await noSidewaysScroll(page, 'the stopped renewal');
    await page.screenshot({ path: join(shots, '31-phone-stopped.png'), fullPage: true });
    await page.close();

    // JZLF004's certificate expired: the home page says "Scaduto", not "Attivo".
    page = await browser.newPage(phone);
    await login(page, server.base, 'JZLF004');
    const status = await page.locator('dl.data').first().innerText();
    assert.match(status, /Scaduto/);
    assert.doesNotMatch(status, /Attivo/);
    await page.screenshot({ path: join(shots, '32-phone-expired.png'), fullPage: true });
    await page.close();
  } finally {
    await browser.close();
    server.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
