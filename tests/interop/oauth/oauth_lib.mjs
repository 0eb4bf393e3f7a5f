// Shared helpers for the OAuth interop tests (tests/interop/oauth/*.test.mjs): a cold-started
// `bastion serve` with the embedded authorization server (temporary config, SQLite store, a user
// made with `bastion users add`), a test CA and certificates made with the openssl CLI, a
// cookie-keeping "browser" that follows the login and consent pages by parsing their forms, an
// OAuthClientProvider for the official TypeScript clients, and JWT checks against /jwks.
//
// Everything is bounded in time; every process and listener started here is stopped by the
// `dispose()` of what started it.
//
// Environment: BASTION_BIN, the `bastion` program under test (set by tests/interop/run-all.sh);
// BASTION_INTEROP_OUT, where screenshots and logs go (optional).

import { spawn } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import assert from 'node:assert/strict';

import { bastionBin, freePort } from '../lib.mjs';

export { bastionBin, freePort };

export const SCOPE = 'mcp:tools';

// Where artifacts (screenshots, server logs) of this run go.
export function outputDir() {
  const dir = process.env.BASTION_INTEROP_OUT ?? path.join(os.tmpdir(), 'bastion-interop-out');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function randomSecret(bytes = 18) {
  return randomBytes(bytes).toString('base64url');
}

// A fresh directory under the system temp dir; removed by the returned dispose().
export function tempDir(label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bastion-${label}-`));
  return { dir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// Runs a program to completion with a time limit; stdin gets `input` when given.
export function run(program, args, { input, timeoutMs = 30_000, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {});  // a program that exits without reading stdin
    child.stdin.end(input ?? '');
  });
}

// Runs `bastion ARGS...`; fails the test with its output unless it exits 0.
export async function bastion(args, options = {}) {
  const result = await run(bastionBin(), args, options);
  assert.equal(result.code, 0,
    `bastion ${args.join(' ')} exited ${result.code ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// TLS material made at test time: a CA and a leaf certificate for 127.0.0.1 signed by it.

export async function makeTestPki(dir) {
  const file = (name) => path.join(dir, name);
  const openssl = async (args) => {
    const r = await run('openssl', args, { timeoutMs: 20_000 });
    assert.equal(r.code, 0, `openssl ${args.join(' ')}:\n${r.stderr}`);
  };
  fs.writeFileSync(file('leaf.ext'), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '',
  ].join('\n'));
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=Bastion interop test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', file('leaf.key'), '-out', file('leaf.csr'), '-subj', '/CN=127.0.0.1']);
  await openssl(['x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-out', file('leaf.pem'), '-days', '2', '-extfile', file('leaf.ext')]);
  const leaf = fs.readFileSync(file('leaf.pem'));
  const spki = new X509Certificate(leaf).publicKey.export({ type: 'spki', format: 'der' });
  return {
    caFile: file('ca.pem'),
    certFile: file('leaf.pem'),
    keyFile: file('leaf.key'),
    ca: fs.readFileSync(file('ca.pem')),
    cert: leaf,
    key: fs.readFileSync(file('leaf.key')),
    // For Chromium's --ignore-certificate-errors-spki-list: trusts exactly this key.
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
  };
}

// ---------------------------------------------------------------------------------------------
// Plain HTTP(S) requests (no automatic redirects, all Set-Cookie headers kept, optional CA).

export function httpRequest(url, { method = 'GET', headers = {}, body, ca, timeoutMs = 15_000 } = {}) {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, { method, headers, ca, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode,
        headers: res.headers,  // lower-case names; set-cookie is an array
        body: Buffer.concat(chunks).toString('utf8'),
        url: u.href,
      }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${u.href}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

// A fetch (enough for the MCP clients: JSON and streamed SSE bodies) that trusts `ca` for https;
// Node's global fetch cannot be given a CA at run time.
export function fetchTrusting(ca) {
  return async (input, init = {}) => {
    const request = new Request(input, init);
    const u = new URL(request.url);
    const lib = u.protocol === 'https:' ? https : http;
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    return new Promise((resolve, reject) => {
      const req = lib.request(u, {
        method: request.method,
        headers: Object.fromEntries(request.headers),
        ca,
        signal: request.signal,
      }, (res) => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          for (const one of [v].flat()) {
            headers.append(k, one);
          }
        }
        const nullBody = [204, 205, 304].includes(res.statusCode) || request.method === 'HEAD';
        if (nullBody) {
          res.resume();
        }
        resolve(new Response(nullBody ? null : Readable.toWeb(res), { status: res.statusCode, headers }));
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}

export function formBody(fields) {
  return new URLSearchParams(fields).toString();
}

// ---------------------------------------------------------------------------------------------
// `bastion serve` with the embedded authorization server, from a cold start.

// Servers still running when this process ends (a test that timed out never reached its
// cleanup) are killed, so no `bastion serve` outlives the test run.
const liveChildren = new Set();
process.once('exit', () => {
  for (const child of liveChildren) {
    child.kill('SIGKILL');
  }
});

async function canConnect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

function storeUrl(dir) {
  return `sqlite://${path.join(dir, 'store', 'bastion.db')}`;
}

function configToml({ port, dir, tls, accessTokenTtl, extraAuthEmbedded = [], extraToml = '' }) {
  const lines = [
    '[server]',
    `listen = "127.0.0.1:${port}"`,
    'endpoint = "/mcp"',
  ];
  if (tls) {
    lines.push('[server.tls]', `cert = "${tls.certFile}"`, `key = "${tls.keyFile}"`);
  }
  lines.push(
    '[auth]',
    'mode = "embedded"',
    `scopes_supported = ["${SCOPE}"]`,
    '[auth.embedded]',
  );
  if (accessTokenTtl) {
    lines.push(`access_token_ttl = "${accessTokenTtl}"`);
  }
  lines.push(...extraAuthEmbedded);
  lines.push(
    '[store]',
    `url = "${storeUrl(dir)}"`,
    '[log]',
    'level = "debug"',
    '[demo]',
    'tools = true',
    `scopes = ["${SCOPE}"]`,
    extraToml,
    '',
  );
  return lines.join('\n');
}

// A cold-started embedded deployment: config and store in a temp dir, one user made with
// `bastion users add` (password on stdin), optionally pre-registered clients, then
// `bastion serve --config`. Returns { origin, url (the MCP endpoint), issuer, resource, user,
// password, configFile, dir, tls, addClient(), stop(), dispose() }.
export async function startEmbedded({ label = 'oauth', tls = false, accessTokenTtl, extraAuthEmbedded,
  extraToml, user = 'alice' } = {}) {
  const tmp = tempDir(label);
  const dir = tmp.dir;
  const pki = tls ? await makeTestPki(dir) : undefined;
  const password = `pw-${randomSecret()}`;
  const configFile = path.join(dir, 'bastion.toml');
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    fs.writeFileSync(configFile, configToml({ port, dir, tls: pki, accessTokenTtl, extraAuthEmbedded, extraToml }));
    if (attempt === 0) {
      await bastion(['users', 'add', user, '--store', storeUrl(dir)], { input: `${password}\n` });
    }
    const child = spawn(bastionBin(), ['serve', '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    liveChildren.add(child);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      resolve({ code, signal });
    }));
    const deadline = Date.now() + 15_000;
    let up = false;
    while (!(up = await canConnect(port)) && child.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!up || child.exitCode !== null) {
      child.kill('SIGKILL');
      await exited;
      lastError = new Error(`bastion serve did not start on port ${port}:\n${stderr}`);
      continue;
    }
    const scheme = tls ? 'https' : 'http';
    const origin = `${scheme}://127.0.0.1:${port}`;
    let stopped;
    const server = {
      origin,
      issuer: origin,
      resource: `${origin}/mcp`,
      url: new URL(`${origin}/mcp`),
      port,
      user,
      password,
      configFile,
      dir,
      tls: pki,
      stderr: () => stderr,
      // `bastion clients add NAME --redirect-uri U... --scope S`; returns its client_id.
      async addClient(name, redirectUris, scope = SCOPE) {
        const args = ['clients', 'add', name, '--store', storeUrl(dir), '--scope', scope];
        for (const u of redirectUris) {
          args.push('--redirect-uri', u);
        }
        const r = await bastion(args);
        const m = /client_id:\s*(\S+)/.exec(r.stdout);
        assert.ok(m, `bastion clients add printed no client_id:\n${r.stdout}`);
        return m[1];
      },
      // SIGTERM, SIGKILL after 15 s; returns { code, signal, stderr }.
      async stop() {
        if (!stopped) {
          stopped = (async () => {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill('SIGTERM');
            }
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            const result = await exited;
            clearTimeout(timer);
            return { ...result, stderr };
          })();
        }
        return stopped;
      },
      async dispose() {
        await server.stop();
        tmp.dispose();
      },
    };
    return server;
  }
  tmp.dispose();
  throw lastError;
}

// Waits (bounded poll) until the server's log matches `pattern`; fails with the log otherwise.
export async function expectLog(server, pattern, what, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!pattern.test(server.stderr())) {
    if (Date.now() > deadline) {
      assert.fail(`${what}: ${pattern} not in the server log:\n${server.stderr().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Runs body(server) against startEmbedded(options); afterwards the server must exit 0 on
// SIGTERM. A failure carries the tail of the server's log.
export async function withEmbedded(options, body) {
  const server = await startEmbedded(options);
  let failure;
  try {
    await body(server);
  } catch (e) {
    failure = e;
  }
  const exit = await server.stop();
  try {
    fs.writeFileSync(path.join(outputDir(), `${options.label ?? 'oauth'}.server.log`), exit.stderr);
  } catch {
    // the log is a convenience; the verdict does not depend on it
  }
  server.dispose();
  if (failure) {
    failure.message += `\n--- bastion serve (exit ${exit.code ?? exit.signal}) stderr ---\n${exit.stderr.slice(-6000)}`;
    throw failure;
  }
  assert.equal(exit.code, 0, `bastion serve exits 0 on SIGTERM (got ${exit.code ?? exit.signal}):\n${exit.stderr.slice(-4000)}`);
}

// ---------------------------------------------------------------------------------------------
// A small HTML form reader for the server-rendered login and consent pages.

function decodeEntities(s) {
  return s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e) => ({
    amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'",
  })[e]);
}

function attributes(tag) {
  const attrs = {};
  for (const m of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    attrs[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

// Every <form> of a page: { method, action, fields: [{name, value, type, checked}], buttons }.
export function parseForms(html) {
  const forms = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributes(m[1]);
    const fields = [];
    for (const input of m[2].matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributes(input[1]);
      if (a.name) {
        fields.push({ name: a.name, value: a.value ?? '', type: (a.type ?? 'text').toLowerCase(), checked: 'checked' in a });
      }
    }
    const buttons = [];
    for (const b of m[2].matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      const a = attributes(b[1]);
      buttons.push({ name: a.name, value: a.value ?? '', type: (a.type ?? 'submit').toLowerCase(), text: b[2].trim() });
    }
    forms.push({ method: (attrs.method ?? 'get').toLowerCase(), action: attrs.action ?? '', fields, buttons });
  }
  return forms;
}

// The fields a browser submits for `form`: hidden and text fields as rendered, checked
// checkboxes, `overrides` (user input), and the submitter button's name=value.
export function formSubmission(form, overrides = {}, submitter) {
  const params = new URLSearchParams();
  for (const f of form.fields) {
    if (f.type === 'checkbox' || f.type === 'radio') {
      if (f.checked) {
        params.append(f.name, f.value || 'on');
      }
    } else if (f.type !== 'submit') {
      params.append(f.name, Object.hasOwn(overrides, f.name) ? overrides[f.name] : f.value);
    }
  }
  if (submitter?.name) {
    params.append(submitter.name, submitter.value);
  }
  return params;
}

// A cookie jar for one origin (enough for the authorization server's own session cookie).
export class CookieJar {
  constructor() {
    this.cookies = new Map();  // name -> { value, attributes (lower-case names), raw }
  }

  store(setCookie) {
    for (const raw of [setCookie ?? []].flat()) {
      const [pair, ...rest] = raw.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const attrs = {};
      for (const part of rest) {
        const [k, ...v] = part.trim().split('=');
        attrs[k.toLowerCase()] = v.join('=');
      }
      this.cookies.set(name, { value: pair.slice(eq + 1).trim(), attributes: attrs, raw });
    }
  }

  header() {
    return [...this.cookies].map(([n, c]) => `${n}=${c.value}`).join('; ');
  }
}

// Follows an authorization request as a browser would: GET /authorize, the login form (user
// name and password typed in), the consent form (the chosen button pressed), redirects, until the
// browser is sent to `redirectUri`. Returns { callback (URL), pages: [{kind, status, headers,
// forms}], setCookies }. Fails on any unexpected page.
export class FormBrowser {
  constructor({ ca } = {}) {
    this.jar = new CookieJar();
    this.ca = ca;
    this.setCookies = [];
  }

  async request(url, { method = 'GET', body, origin } = {}) {
    const headers = { accept: 'text/html', 'user-agent': 'bastion-interop-formbrowser' };
    const cookie = this.jar.header();
    if (cookie) {
      headers.cookie = cookie;
    }
    if (method === 'POST') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = origin;  // what a browser sends with a same-origin form submission
    }
    const res = await httpRequest(url, { method, headers, body, ca: this.ca });
    if (res.headers['set-cookie']) {
      this.setCookies.push(...res.headers['set-cookie']);
      this.jar.store(res.headers['set-cookie']);
    }
    return res;
  }

  async authorize(authorizationUrl, { username, password, redirectUri, decision = 'allow', maxSteps = 12 }) {
    const target = new URL(redirectUri);
    const pages = [];
    let url = new URL(authorizationUrl);
    let res = await this.request(url.href);
    for (let step = 0; step < maxSteps; step++) {
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        const next = new URL(res.headers.location, url);
        if (next.origin === target.origin && next.pathname === target.pathname) {
          return { callback: next, pages, setCookies: this.setCookies, lastResponse: res };
        }
        url = next;
        res = await this.request(url.href);
        continue;
      }
      if (res.status !== 200 || !/^text\/html/.test(res.headers['content-type'] ?? '')) {
        throw new Error(`unexpected ${res.status} ${res.headers['content-type']} at ${url.href}:\n${res.body.slice(0, 2000)}`);
      }
      const forms = parseForms(res.body).filter((f) => f.method === 'post');
      if (forms.length !== 1) {
        throw new Error(`expected one form at ${url.href}, found ${forms.length}:\n${res.body.slice(0, 2000)}`);
      }
      const form = forms[0];
      const action = new URL(form.action, url);
      let params;
      let kind;
      if (form.fields.some((f) => f.type === 'password')) {
        kind = 'login';
        params = formSubmission(form, { username, password });
      } else if (form.buttons.some((b) => b.name === 'decision')) {
        kind = 'consent';
        params = formSubmission(form, {}, form.buttons.find((b) => b.value === decision));
      } else {
        throw new Error(`unknown form at ${url.href}:\n${res.body.slice(0, 2000)}`);
      }
      pages.push({ kind, url: url.href, status: res.status, headers: res.headers, html: res.body, form });
      url = action;
      res = await this.request(action.href, { method: 'POST', body: params.toString(), origin: new URL(authorizationUrl).origin });
    }
    throw new Error(`the authorization did not reach ${redirectUri} in ${maxSteps} steps`);
  }
}

// The anti-framing and caching headers every login and consent page must carry.
export function assertPageHeaders(headers, where) {
  assert.equal(headers['x-frame-options'], 'DENY', `${where}: X-Frame-Options`);
  const csp = headers['content-security-policy'] ?? '';
  assert.match(csp, /(^|;)\s*frame-ancestors 'none'\s*(;|$)/, `${where}: CSP frame-ancestors 'none' (${csp})`);
  assert.match(headers['cache-control'] ?? '', /no-store/, `${where}: Cache-Control no-store`);
}

// The session cookie's attributes: HttpOnly, SameSite=Lax, Path=/; over TLS __Host- and Secure
// (and no Domain).
export function assertSessionCookie(raw, { tls }) {
  const [pair, ...rest] = raw.split(';').map((s) => s.trim());
  const name = pair.slice(0, pair.indexOf('='));
  const attrs = new Map(rest.map((p) => {
    const [k, ...v] = p.split('=');
    return [k.toLowerCase(), v.join('=')];
  }));
  assert.ok(attrs.has('httponly'), `HttpOnly on ${raw}`);
  assert.equal((attrs.get('samesite') ?? '').toLowerCase(), 'lax', `SameSite=Lax on ${raw}`);
  assert.equal(attrs.get('path'), '/', `Path=/ on ${raw}`);
  if (tls) {
    assert.ok(name.startsWith('__Host-'), `__Host- prefix over TLS: ${raw}`);
    assert.ok(attrs.has('secure'), `Secure over TLS: ${raw}`);
    assert.ok(!attrs.has('domain'), `no Domain with __Host-: ${raw}`);
  } else {
    assert.ok(!name.startsWith('__Host-'), `no __Host- prefix without TLS: ${raw}`);
  }
  return name;
}

// ---------------------------------------------------------------------------------------------
// PKCE and a hand-made authorization request (the browser test and the conformance driver).

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

// ---------------------------------------------------------------------------------------------
// JWT access tokens: decode, and verify against the server's /jwks.

export function decodeJwt(token) {
  const parts = token.split('.');
  assert.equal(parts.length, 3, 'a JWS compact serialization has three parts');
  const json = (p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  return { header: json(parts[0]), payload: json(parts[1]), signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
}

export async function fetchJson(url, { ca } = {}) {
  const res = await httpRequest(url, { headers: { accept: 'application/json' }, ca });
  assert.equal(res.status, 200, `GET ${url}: ${res.status} ${res.body.slice(0, 500)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/(jwk-set\+)?json\b/, `GET ${url}: content-type`);
  return JSON.parse(res.body);
}

// Checks an access token as a resource server would, independently of Bastion's own code: an
// ES256 signature by a key published at the AS's jwks_uri (kid and alg matching), typ at+jwt,
// iss, aud = resource, sub, client_id, scope, and a short lifetime. Returns the claims.
export async function verifyAccessToken(token, { server, clientId, sub, scope = SCOPE, maxTtlSeconds = 3600 }) {
  const meta = await fetchJson(`${server.origin}/.well-known/oauth-authorization-server`, { ca: server.tls?.ca });
  const jwks = await fetchJson(meta.jwks_uri, { ca: server.tls?.ca });
  const { header, payload, signingInput, signature } = decodeJwt(token);
  assert.equal(header.alg, 'ES256', 'access tokens are ES256');
  assert.match(String(header.typ ?? ''), /^(application\/)?at\+jwt$/i, `typ at+jwt (RFC 9068), got ${header.typ}`);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} is published at ${meta.jwks_uri}`);
  assert.ok(jwk.alg === undefined || jwk.alg === 'ES256', `the JWK's alg matches (${jwk.alg})`);
  assert.equal(jwk.d, undefined, 'the JWKS publishes no private key material');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  assert.ok(cryptoVerify('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' }, signature),
    'the signature verifies with the published key');
  assert.equal(payload.iss, server.issuer, 'iss');
  const aud = [payload.aud].flat();
  assert.ok(aud.includes(server.resource), `aud contains the resource ${server.resource}: ${JSON.stringify(payload.aud)}`);
  if (sub !== undefined) {
    assert.equal(payload.sub, sub, 'sub is the user who logged in');
  }
  if (clientId !== undefined) {
    assert.equal(payload.client_id, clientId, 'client_id');
  }
  assert.ok(String(payload.scope ?? '').split(' ').includes(scope), `scope contains ${scope}: ${payload.scope}`);
  assert.equal(typeof payload.jti, 'string', 'jti');
  const now = Math.floor(Date.now() / 1000);
  assert.ok(payload.exp > now, 'not expired');
  assert.ok(payload.iat <= now + 5, 'iat not in the future');
  assert.ok(payload.exp - payload.iat <= maxTtlSeconds, `short-lived: ${payload.exp - payload.iat} s`);
  return payload;
}

// ---------------------------------------------------------------------------------------------
// The OAuthClientProvider both official clients use (their interfaces agree on these members).

export class TestOAuthProvider {
  constructor({ redirectUrl, clientMetadataUrl, clientName = 'Bastion interop client' }) {
    this._redirectUrl = redirectUrl;
    if (clientMetadataUrl) {
      this.clientMetadataUrl = clientMetadataUrl;
    }
    this.clientName = clientName;
    this._client = undefined;
    this._tokens = undefined;
    this._verifier = undefined;
    this._discovery = undefined;
    this._tamper = false;
    this.savedTokens = [];
    this.authorizationUrls = [];
    this.states = [];
    this.invalidated = [];
  }

  get redirectUrl() {
    return this._redirectUrl;
  }

  get clientMetadata() {
    return {
      client_name: this.clientName,
      redirect_uris: [this._redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state() {
    const s = randomBytes(16).toString('base64url');
    this.states.push(s);
    return s;
  }

  clientInformation() {
    return this._client;
  }

  saveClientInformation(info) {
    this._client = info;
  }

  // While tampering (see tamperAccessToken), the stored access token is presented with a broken
  // signature, as a revoked or expired one would be refused; the next saveTokens() ends it.
  tokens() {
    if (this._tamper && this._tokens) {
      const t = this._tokens.access_token;
      const last = t.at(-2) === 'A' ? 'B' : 'A';
      return { ...this._tokens, access_token: `${t.slice(0, -2)}${last}${t.at(-1)}` };
    }
    return this._tokens;
  }

  saveTokens(tokens) {
    this._tamper = false;
    this._tokens = tokens;
    this.savedTokens.push(tokens);
  }

  tamperAccessToken() {
    this._tamper = true;
  }

  redirectToAuthorization(url) {
    this.authorizationUrls.push(new URL(url));
  }

  saveCodeVerifier(v) {
    this._verifier = v;
  }

  codeVerifier() {
    if (!this._verifier) {
      throw new Error('no code verifier saved');
    }
    return this._verifier;
  }

  saveDiscoveryState(state) {
    this._discovery = state;
  }

  discoveryState() {
    return this._discovery;
  }

  invalidateCredentials(scope) {
    this.invalidated.push(scope);
    if (scope === 'all' || scope === 'tokens') {
      this._tokens = undefined;
    }
    if (scope === 'all' || scope === 'client') {
      this._client = undefined;
    }
    if (scope === 'all' || scope === 'verifier') {
      this._verifier = undefined;
    }
    if (scope === 'all' || scope === 'discovery') {
      this._discovery = undefined;
    }
  }
}

// A fetch that records every exchange ({method, url, status, grant}) for assertions on the
// sequence the client followed.
export function recordingFetch(baseFetch = fetch) {
  const log = [];
  const wrapped = async (input, init = {}) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    let grant;
    if (init.body instanceof URLSearchParams) {
      grant = init.body.get('grant_type') ?? undefined;
    } else if (typeof init.body === 'string' && url.pathname.endsWith('/token')) {
      grant = new URLSearchParams(init.body).get('grant_type') ?? undefined;
    }
    const entry = { method, path: url.pathname, url: url.href, grant };
    log.push(entry);
    const res = await baseFetch(input, init);
    entry.status = res.status;
    entry.wwwAuthenticate = res.headers.get('www-authenticate') ?? undefined;
    return res;
  };
  return { fetch: wrapped, log };
}

// A Client ID Metadata Document server: HTTPS on 127.0.0.1 with the test CA's certificate,
// serving one document whose client_id is its own URL. Counts fetches.
export async function startMetadataDocumentServer(pki, { redirectUris, clientName = 'Bastion CIMD test client' }) {
  let documentUrl;
  let fetches = 0;
  const server = https.createServer({ cert: pki.cert, key: pki.key }, (req, res) => {
    if (req.method === 'GET' && req.url === '/oauth/client.json') {
      fetches++;
      const doc = {
        client_id: documentUrl,
        client_name: clientName,
        client_uri: new URL(documentUrl).origin,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      };
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
      res.end(JSON.stringify(doc));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  let connections = 0;
  server.on('connection', () => { connections++; });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  documentUrl = `https://127.0.0.1:${server.address().port}/oauth/client.json`;
  return {
    url: documentUrl,
    fetches: () => fetches,
    connections: () => connections,  // TCP connections, TLS handshake or not
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// The development settings a Client ID Metadata Document on 127.0.0.1 needs ([auth.embedded.fetch]):
// the SSRF guard must allow a private (loopback) address, and the fetch must trust the test CA.
export function cimdServerOptions(pki) {
  return {
    extraAuthEmbedded: [
      'metadata_documents = true',
      '[auth.embedded.fetch]',
      'allow_private_addresses = true',
      `ca_file = "${pki.caFile}"`,
    ],
  };
}
