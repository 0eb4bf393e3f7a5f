// Interop, OAuth: the login and consent pages of the embedded authorization server driven in
// headless Chromium (Debian's /usr/bin/chromium through playwright-core, page JavaScript off): a
// full authorization for a pre-registered client ending on a loopback redirect with a code, which
// is exchanged (once only); a second authorization with the remembered consent; Deny for another
// client; a cross-site consent forgery with a leaked CSRF token refused; screenshots of both pages; anti-framing (headers, and an iframe from another
// origin that must stay empty while a frameable control page renders); the session cookie's
// attributes. Once over plain HTTP and once with `bastion serve` on TLS (test CA made here).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { load } from '../lib.mjs';
import {
  SCOPE, assertPageHeaders, formBody, freePort, httpRequest, outputDir, pkcePair, randomSecret, tempDir,
  verifyAccessToken, withEmbedded,
} from './oauth_lib.mjs';

const { chromium } = load('playwright-core');

const CHROMIUM = process.env.BASTION_CHROMIUM ?? '/usr/bin/chromium';

// A loopback listener standing in for the native app: queues every /callback request.
async function startCallbackListener() {
  const hits = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://${req.headers.host}`);
    if (url.pathname === '/callback') {
      const waiter = waiters.shift();
      if (waiter) {
        waiter(url);
      } else {
        hits.push(url);
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><title>Done</title><p id="done">Authorization received. You can close this window.</p>');
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    // The next callback request, waiting at most `ms`.
    nextHit: (ms) => {
      if (hits.length > 0) {
        return Promise.resolve(hits.shift());
      }
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no callback within ${ms} ms`)), ms);
        waiters.push((url) => { clearTimeout(t); resolve(url); });
      });
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// Another origin (http://localhost:PORT, not 127.0.0.1) whose page frames `target` and a control
// page of its own that allows framing.
async function startFramingSite(target) {
  const server = http.createServer((req, res) => {
    if (req.url === '/control') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><p id="control">framable</p>');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><title>attacker</title>
<iframe id="control" name="control" src="/control" width="300" height="100"></iframe>
<iframe id="victim" name="victim" src="${target.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}" width="600" height="600"></iframe>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${server.address().port}/`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// Another origin serving a form that posts `fields` to `action` (a cross-site request forgery
// attempt; the user is made to press its button).
async function startForgerySite(action, fields) {
  const esc = (v) => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><title>win a prize</title><form method="post" action="${esc(action)}">${
      Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('')
    }<button id="go" type="submit" name="decision" value="allow">Claim</button></form>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${server.address().port}/`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function authorizeUrl(server, clientId, redirectUri, { challenge, state }) {
  const u = new URL(`${server.origin}/authorize`);
  u.search = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: SCOPE,
    state, code_challenge: challenge, code_challenge_method: 'S256', resource: server.resource,
  }).toString();
  return u.href;
}

async function launch(profileDir, { spki } = {}) {
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ];
  if (spki) {
    // Trust exactly the test server's key (the CA is made for this run only).
    args.push(`--ignore-certificate-errors-spki-list=${spki}`);
  }
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    javaScriptEnabled: false,  // the pages must work without JavaScript
    viewport: { width: 900, height: 800 },
    timeout: 30_000,
  });
}

async function browserPass({ tls }) {
  const tag = tls ? 'tls' : 'http';
  await withEmbedded({ label: `browser-${tag}`, tls }, async (server) => {
    const listener = await startCallbackListener();
    const profile = tempDir(`chromium-${tag}`);
    let context;
    try {
      const clientId = await server.addClient('Browser Test App', [listener.redirectUri]);
      context = await launch(profile.dir, { spki: server.tls?.spkiSha256 });
      context.setDefaultTimeout(20_000);
      const page = await context.newPage();
      const pkce = pkcePair();
      const state = randomSecret();

      // Login page.
      const loginResponse = await page.goto(authorizeUrl(server, clientId, listener.redirectUri, { challenge: pkce.challenge, state }));
      assert.equal(loginResponse.status(), 200, 'GET /authorize shows the login page');
      const loginHeaders = await loginResponse.allHeaders();
      assertPageHeaders(loginHeaders, 'login page');
      assert.ok(await page.locator('form[action="/login"] input[type=password]').count() === 1, 'a password field');
      assert.ok(await page.locator('form[action="/login"] input[type=hidden][name=csrf]').count() === 1, 'a CSRF field');
      assert.match(await page.textContent('main'), /Browser Test App/, 'the login page names the client');
      await page.screenshot({ path: path.join(outputDir(), `oauth-login-${tag}.png`), fullPage: true });

      // A wrong password first: the page says so and keeps the request.
      await page.fill('#username', server.user);
      await page.fill('#password', 'not-the-password');
      await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
      assert.match(await page.textContent('main'), /Wrong user name or password/, 'a failed login is reported');

      await page.fill('#username', server.user);
      await page.fill('#password', server.password);
      const [consentResponse] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${server.origin}/login` && r.request().method() === 'POST'),
        page.click('button[type=submit]'),
      ]);
      assert.equal(consentResponse.status(), 200, 'the login answers with the consent page');
      await page.waitForSelector('form[action="/consent"]');
      assertPageHeaders(await consentResponse.allHeaders(), 'consent page');
      const consentText = await page.textContent('main');
      assert.match(consentText, /Browser Test App/, 'the consent page names the client');
      assert.ok(consentText.includes(SCOPE), 'the consent page names the scope');
      assert.ok(consentText.includes('127.0.0.1'), 'the consent page names the redirect host');
      assert.ok(consentText.includes(server.user), 'the consent page names the user');
      await page.screenshot({ path: path.join(outputDir(), `oauth-consent-${tag}.png`), fullPage: true });

      // Session cookie attributes as the browser stored them.
      const cookies = await context.cookies(server.origin);
      assert.equal(cookies.length, 1, `one cookie for the AS: ${JSON.stringify(cookies)}`);
      const [cookie] = cookies;
      assert.equal(cookie.httpOnly, true, 'HttpOnly');
      assert.equal(cookie.sameSite, 'Lax', 'SameSite=Lax');
      assert.equal(cookie.path, '/', 'Path=/');
      if (tls) {
        assert.ok(cookie.name.startsWith('__Host-'), `__Host- prefix over TLS: ${cookie.name}`);
        assert.equal(cookie.secure, true, 'Secure over TLS');
        assert.equal(cookie.domain, '127.0.0.1', 'host-only');
      } else {
        assert.ok(!cookie.name.startsWith('__Host-'), `plain name without TLS: ${cookie.name}`);
      }

      // Allow: the browser lands on the loopback redirect with code, state and iss.
      const [allowRequest] = await Promise.all([
        page.waitForRequest((r) => r.url() === `${server.origin}/consent` && r.method() === 'POST'),
        page.click('button[name=decision][value=allow]'),
      ]);
      assert.match(await allowRequest.headerValue('cookie') ?? '', new RegExp(`^${cookie.name}=`),
        'the same-site consent POST carries the session cookie (control for the forgery check below)');
      assert.equal(await allowRequest.headerValue('origin'), server.origin, 'and a real Origin');
      const callback = await listener.nextHit(20_000);
      await page.waitForSelector('#done');
      assert.equal(callback.searchParams.get('state'), state, 'state passed through');
      assert.equal(callback.searchParams.get('iss'), server.issuer, 'RFC 9207 iss');
      const code = callback.searchParams.get('code');
      assert.ok(code, 'a code');

      // Exchange it.
      const tokenRes = await httpRequest(`${server.origin}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: formBody({
          grant_type: 'authorization_code', code, redirect_uri: listener.redirectUri, client_id: clientId,
          code_verifier: pkce.verifier, resource: server.resource,
        }),
        ca: server.tls?.ca,
      });
      assert.equal(tokenRes.status, 200, `code exchange: ${tokenRes.body}`);
      assert.match(tokenRes.headers['cache-control'] ?? '', /no-store/, 'token response is no-store');
      const tokens = JSON.parse(tokenRes.body);
      assert.match(tokens.token_type, /^bearer$/i);
      await verifyAccessToken(tokens.access_token, { server, clientId, sub: server.user });

      // The code is single use.
      const again = await httpRequest(`${server.origin}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: formBody({
          grant_type: 'authorization_code', code, redirect_uri: listener.redirectUri, client_id: clientId,
          code_verifier: pkce.verifier, resource: server.resource,
        }),
        ca: server.tls?.ca,
      });
      assert.equal(again.status, 400, `a second use of the code: ${again.body}`);

      // Signed in, consent remembered: a second authorization goes straight back with a code.
      const second = pkcePair();
      const secondState = randomSecret();
      await page.goto(authorizeUrl(server, clientId, listener.redirectUri, { challenge: second.challenge, state: secondState }));
      const again2 = await listener.nextHit(20_000);
      assert.equal(again2.searchParams.get('state'), secondState, 'remembered consent: state');
      assert.ok(again2.searchParams.get('code'), 'remembered consent: a code without any page');
      assert.notEqual(again2.searchParams.get('code'), code, 'a fresh code');

      // Another application, same signed-in user: the consent page again, and Deny sends the
      // browser back with access_denied (state and iss kept), no code.
      const otherId = await server.addClient('Other App', [listener.redirectUri]);
      const denyState = randomSecret();
      const denyResponse = await page.goto(authorizeUrl(server, otherId, listener.redirectUri, { challenge: pkcePair().challenge, state: denyState }));
      assert.equal(denyResponse.status(), 200);
      assert.match(await page.textContent('main'), /Other App/, 'consent for the other application (no login: already signed in)');
      assert.equal(await page.locator('input[type=password]').count(), 0, 'no login form when signed in');
      await page.click('button[name=decision][value=deny]');
      const denied = await listener.nextHit(20_000);
      assert.equal(denied.searchParams.get('error'), 'access_denied', 'Deny -> access_denied');
      assert.equal(denied.searchParams.get('state'), denyState, 'state kept on the error');
      assert.equal(denied.searchParams.get('iss'), server.issuer, 'iss kept on the error');
      assert.equal(denied.searchParams.get('code'), null, 'no code when denied');

      // Consent CSRF from another site, with the victim's real request_id and CSRF token (as if
      // leaked): the forged POST must not produce a code (the session cookie is SameSite=Lax and
      // the Origin is foreign).
      const thirdId = await server.addClient('Third App', [listener.redirectUri]);
      await page.goto(authorizeUrl(server, thirdId, listener.redirectUri, { challenge: pkcePair().challenge, state: randomSecret() }));
      await page.waitForSelector('form[action="/consent"]');
      const leaked = {
        request_id: await page.getAttribute('form[action="/consent"] input[name=request_id]', 'value'),
        csrf: await page.getAttribute('form[action="/consent"] input[name=csrf]', 'value'),
        remember: '1',
      };
      assert.ok(leaked.request_id && leaked.csrf, 'the consent form carries request_id and csrf');
      const forgery = await startForgerySite(`${server.origin}/consent`, leaked);
      try {
        const attackerTab = await context.newPage();
        await attackerTab.goto(forgery.url);
        const [forged] = await Promise.all([
          attackerTab.waitForResponse((r) => r.url() === `${server.origin}/consent`),
          attackerTab.click('#go'),
        ]);
        assert.ok(forged.status() >= 400 && forged.status() < 500,
          `the cross-site consent POST is refused: ${forged.status()}`);
        assert.equal((await forged.allHeaders()).location, undefined, 'no redirect with a code');
        assert.equal(await forged.request().headerValue('cookie'), null,
          'Chromium did not attach the SameSite=Lax session cookie to the cross-site POST');
        await attackerTab.close();
      } finally {
        await forgery.close();
      }

      // Anti-framing: another origin frames /authorize (for the application without remembered
      // consent, so the answer is a page whether or not the frame carries the session); the
      // control frame renders, the authorization server's page does not.
      const framing = await startFramingSite(authorizeUrl(server, otherId, listener.redirectUri, { challenge: pkce.challenge, state: randomSecret() }));
      try {
        const attacker = await context.newPage();
        const refusals = [];
        attacker.on('console', (m) => refusals.push(m.text()));
        const victimResponse = attacker.waitForResponse((r) => r.url().startsWith(`${server.origin}/authorize`));
        await attacker.goto(framing.url, { waitUntil: 'load' });
        const framed = await victimResponse;
        assert.equal(framed.status(), 200, 'the framed /authorize answered with a page');
        const framedHeaders = await framed.allHeaders();
        assertPageHeaders(framedHeaders, 'framed /authorize');
        const control = attacker.frame({ name: 'control' });
        assert.ok(control, 'the control frame exists');
        assert.equal(await control.locator('#control').count(), 1, 'the frameable control page renders (iframes work here)');
        const victim = attacker.frame({ name: 'victim' });
        assert.ok(victim, 'the victim frame exists');
        assert.ok(!victim.url().startsWith(server.origin), `the framed page was blocked (frame at ${victim.url()})`);
        let inputs = 0;
        try {
          inputs = await victim.locator('input').count();
        } catch {
          inputs = 0;  // a blocked frame has no document to query
        }
        assert.equal(inputs, 0, 'no login form inside the frame');
        assert.ok(refusals.some((m) => /frame-ancestors 'none'|X-Frame-Options/i.test(m)),
          `Chromium reports the refusal: ${JSON.stringify(refusals)}`);
        await attacker.close();
      } finally {
        await framing.close();
      }
    } finally {
      await context?.close().catch(() => {});
      profile.dispose();
      await listener.close();
    }
  });
}

test('Chromium: full authorization through the login and consent pages (plain HTTP), screenshots, anti-framing, cookie attributes', { timeout: 120_000 }, async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is installed (Debian package chromium)`);
  await browserPass({ tls: false });
});

test('Chromium: the same over TLS (test CA): __Host- prefixed Secure session cookie', { timeout: 120_000 }, async () => {
  await browserPass({ tls: true });
});
