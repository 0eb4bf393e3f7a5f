// The full OAuth journey an official TypeScript client makes against a cold-started `bastion
// serve` (embedded authorization server), shared by sdk_v1.test.mjs and client_v2.test.mjs:
//   401 -> Protected Resource Metadata -> AS metadata -> registration (DCR, or a Client ID
//   Metadata Document) -> authorization (login and consent pages followed as a browser would)
//   -> token -> tools/call -> refresh (forced: the stored access token stops being accepted)
//   -> more calls -> the rotated refresh token presented again revokes the whole family.
// Every step asserts on status codes, headers, token claims and the server's audit reasons.

import assert from 'node:assert/strict';

import { checkDemoTools, sha256Hex } from '../lib.mjs';
import {
  FormBrowser, SCOPE, TestOAuthProvider, assertPageHeaders, assertSessionCookie, expectLog, fetchTrusting, formBody,
  freePort, httpRequest, recordingFetch, verifyAccessToken,
} from './oauth_lib.mjs';

// A kit adapts one client library: { label, newClient(era), newTransport(url, opts),
// isUnauthorized(error), finishAuth(transport, callbackUrl), eraOf(client) }.

function find(log, predicate, what) {
  const entry = log.find(predicate);
  assert.ok(entry, `${what} not seen; the client made:\n${log.map((e) => `${e.method} ${e.path} -> ${e.status}${e.grant ? ` (${e.grant})` : ''}`).join('\n')}`);
  return entry;
}

// The unauthenticated challenge every client starts from (RFC 6750 / RFC 9728).
export async function checkChallenge(server) {
  const res = await httpRequest(server.url.href, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'probe', version: '1' } },
    }),
    ca: server.tls?.ca,
  });
  assert.equal(res.status, 401, `POST /mcp without a token: ${res.status} ${res.body.slice(0, 300)}`);
  const challenge = res.headers['www-authenticate'] ?? '';
  assert.match(challenge, /^Bearer\b/, `WWW-Authenticate: ${challenge}`);
  assert.ok(challenge.includes(`resource_metadata="${server.origin}/.well-known/oauth-protected-resource/mcp"`),
    `the challenge names the path-inserted PRM URL: ${challenge}`);
  assert.ok(challenge.includes(`scope="${SCOPE}"`), `the challenge names the scope: ${challenge}`);
}

export async function fullFlow(kit, server, { era, registration, metadataDocument }) {
  await checkChallenge(server);

  const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
  const provider = new TestOAuthProvider({
    redirectUrl: redirectUri,
    clientMetadataUrl: registration === 'cimd' ? metadataDocument.url : undefined,
    clientName: `${kit.label} (${registration}, ${era})`,
  });
  const recorder = recordingFetch(server.tls ? fetchTrusting(server.tls.ca) : fetch);
  const transportOptions = { authProvider: provider, fetch: recorder.fetch };

  // 1. Cold start: the first request is refused and the client discovers, registers and sends the
  // user to /authorize (UnauthorizedError after redirectToAuthorization).
  const first = kit.newClient(era);
  const firstTransport = kit.newTransport(server.url, transportOptions);
  await assert.rejects(first.connect(firstTransport), (e) => kit.isUnauthorized(e),
    'connecting without a token ends in UnauthorizedError after the redirect');
  await first.close().catch(() => {});
  const log = recorder.log;
  const challenged = find(log, (e) => e.method === 'POST' && e.path === '/mcp', 'the first MCP POST');
  assert.equal(challenged.status, 401, 'the first MCP request is answered 401');
  assert.match(challenged.wwwAuthenticate ?? '', /resource_metadata="/, 'with a resource_metadata challenge');
  find(log, (e) => e.method === 'GET' && e.path.startsWith('/.well-known/oauth-protected-resource') && e.status === 200,
    'GET Protected Resource Metadata -> 200');
  find(log, (e) => e.method === 'GET' && (e.path === '/.well-known/oauth-authorization-server' ||
    e.path === '/.well-known/openid-configuration') && e.status === 200, 'GET authorization server metadata -> 200');
  const registered = provider.clientInformation();
  assert.ok(registered?.client_id, 'the client holds a client_id');
  if (registration === 'dcr') {
    const reg = find(log, (e) => e.method === 'POST' && e.path === '/register', 'POST /register (DCR)');
    assert.equal(reg.status, 201, 'dynamic registration answers 201 Created');
    assert.notEqual(registered.client_id, metadataDocument?.url);
  } else {
    assert.ok(!log.some((e) => e.path === '/register'), 'no DCR when the AS accepts metadata documents');
    assert.equal(registered.client_id, metadataDocument.url, 'the client_id is the metadata document URL');
  }

  assert.equal(provider.authorizationUrls.length, 1, 'one redirect to the authorization endpoint');
  const authorizationUrl = provider.authorizationUrls[0];
  const q = authorizationUrl.searchParams;
  assert.equal(`${authorizationUrl.origin}${authorizationUrl.pathname}`, `${server.origin}/authorize`);
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('client_id'), registered.client_id);
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.ok(q.get('code_challenge'), 'PKCE challenge');
  assert.equal(q.get('redirect_uri'), redirectUri);
  assert.equal(q.get('resource'), server.resource, 'RFC 8707 resource = the canonical MCP URL');
  assert.ok((q.get('scope') ?? '').split(' ').includes(SCOPE), `scope asks for ${SCOPE}: ${q.get('scope')}`);

  // 2. The user's browser: login page, consent page, redirect back with code, state and iss.
  const browser = new FormBrowser({ ca: server.tls?.ca });
  const { callback, pages, setCookies } = await browser.authorize(authorizationUrl, {
    username: server.user, password: server.password, redirectUri,
  });
  assert.deepEqual(pages.map((p) => p.kind), ['login', 'consent'], 'a login page, then a consent page');
  for (const p of pages) {
    assertPageHeaders(p.headers, `${p.kind} page`);
    assert.ok(p.form.fields.some((f) => f.type === 'hidden' && /csrf/i.test(f.name) && f.value.length >= 16),
      `${p.kind} form carries a CSRF token`);
  }
  const consent = pages[1].html;
  assert.ok(consent.includes(SCOPE), 'the consent page names the scope');
  assert.ok(consent.includes('127.0.0.1'), 'the consent page names the redirect host');
  if (registration === 'cimd') {
    assert.ok(consent.includes(new URL(metadataDocument.url).host), 'the consent page names the metadata document host');
    assert.ok(metadataDocument.fetches() >= 1, 'the authorization server fetched the metadata document');
  }
  assert.ok(setCookies.length >= 1, 'the authorization server set a session cookie');
  for (const c of setCookies) {
    assertSessionCookie(c, { tls: Boolean(server.tls) });
  }
  assert.equal(callback.searchParams.getAll('code').length, 1, 'one code');
  assert.equal(callback.searchParams.get('state'), provider.states.at(-1), 'state passed through');
  assert.equal(callback.searchParams.get('iss'), server.issuer, 'RFC 9207 iss');
  assert.equal(callback.searchParams.get('error'), null);

  // 3. Token.
  await kit.finishAuth(firstTransport, callback);
  const codeExchange = find(log, (e) => e.path === '/token' && e.grant === 'authorization_code', 'POST /token (authorization_code)');
  assert.equal(codeExchange.status, 200, 'the code exchange answers 200');
  assert.equal(provider.savedTokens.length, 1, 'one token set saved');
  const firstTokens = provider.savedTokens[0];
  assert.match(firstTokens.token_type, /^bearer$/i);
  assert.ok(firstTokens.refresh_token, 'a refresh token is issued to a client registered for refresh_token');
  assert.ok(firstTokens.expires_in > 0, 'expires_in');
  const firstClaims = await verifyAccessToken(firstTokens.access_token, {
    server, clientId: registered.client_id, sub: server.user,
  });

  // 4. The MCP session with the token.
  const client = kit.newClient(era);
  const transport = kit.newTransport(server.url, transportOptions);
  await client.connect(transport);
  try {
    assert.equal(kit.eraOf(client), era, `the ${era} era was negotiated`);
    await checkDemoTools(client);

    // 5. Refresh, forced: the stored access token stops being accepted (401 invalid_token), and
    // the client refreshes by itself and retries.
    const before = log.length;
    provider.tamperAccessToken();
    const text = `refresh ${era} ${registration}`;
    const hashed = await client.callTool({ name: 'hash_text', arguments: { text } });
    assert.notEqual(hashed.isError, true, JSON.stringify(hashed.content));
    assert.deepEqual(hashed.structuredContent, { algorithm: 'sha256', hex: sha256Hex(text) });
    const since = log.slice(before);
    const refused = find(since, (e) => e.path === '/mcp' && e.status === 401, 'the MCP request with the refused token');
    assert.match(refused.wwwAuthenticate ?? '', /invalid_token/, `401 says invalid_token: ${refused.wwwAuthenticate}`);
    await expectLog(server, /bearer token refused: bad_signature/, 'the audit reason for the altered token');
    const refresh = find(since, (e) => e.path === '/token' && e.grant === 'refresh_token', 'POST /token (refresh_token)');
    assert.equal(refresh.status, 200, 'the refresh answers 200');
    assert.equal(provider.savedTokens.length, 2, 'the refreshed token set was saved');
    const refreshed = provider.savedTokens[1];
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== firstTokens.refresh_token,
      'the refresh token is rotated');
    const refreshedClaims = await verifyAccessToken(refreshed.access_token, {
      server, clientId: registered.client_id, sub: server.user,
    });
    assert.notEqual(refreshedClaims.jti, firstClaims.jti, 'a new access token');

    // 6. More calls on the refreshed token.
    await checkDemoTools(client);
    const counted = await client.callTool({ name: 'count_text', arguments: { text: 'one two three' } });
    assert.notEqual(counted.isError, true, JSON.stringify(counted.content));

    // 7. The rotated refresh token presented again: refused, and the whole family is revoked
    // (the current refresh token and the access tokens issued from it stop working).
    const reuse = await httpRequest(`${server.origin}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: formBody({ grant_type: 'refresh_token', refresh_token: firstTokens.refresh_token, client_id: registered.client_id }),
      ca: server.tls?.ca,
    });
    assert.equal(reuse.status, 400, `reusing a rotated refresh token: ${reuse.status} ${reuse.body}`);
    assert.equal(JSON.parse(reuse.body).error, 'invalid_grant');
    const afterReuse = await httpRequest(server.url.href, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', accept: 'application/json, text/event-stream',
        authorization: `Bearer ${refreshed.access_token}`,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' }),
      ca: server.tls?.ca,
    });
    assert.equal(afterReuse.status, 401, `the family's access token after the reuse: ${afterReuse.status} ${afterReuse.body.slice(0, 300)}`);
    await expectLog(server, /bearer token refused: revoked/, 'the audit reason after the family revocation');
    const stolen = await httpRequest(`${server.origin}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: formBody({ grant_type: 'refresh_token', refresh_token: refreshed.refresh_token, client_id: registered.client_id }),
      ca: server.tls?.ca,
    });
    assert.equal(stolen.status, 400, `the family's current refresh token after the reuse: ${stolen.status} ${stolen.body}`);
  } finally {
    await client.close().catch(() => {});
  }
  return { provider, log };
}
