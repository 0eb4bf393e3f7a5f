// Interop, OAuth: the SSRF guard of Client ID Metadata Document fetching is on by default in the
// real binary: the same loopback HTTPS document the CIMD journeys fetch (they set
// [auth.embedded.fetch] allow_private_addresses) is refused without that setting, even with its CA
// trusted, before any connection is made; the refusal is a page, never a redirect to the client.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  SCOPE, assertPageHeaders, httpRequest, makeTestPki, pkcePair, startMetadataDocumentServer, tempDir, withEmbedded,
} from './oauth_lib.mjs';

test('CIMD pointing at 127.0.0.1 is refused without allow_private_addresses (no connection, an error page, no redirect)', { timeout: 60_000 }, async () => {
  const tmp = tempDir('cimd-guard');
  try {
    const pki = await makeTestPki(tmp.dir);
    const redirectUri = 'http://127.0.0.1:9/callback';
    const doc = await startMetadataDocumentServer(pki, { redirectUris: [redirectUri] });
    try {
      const trustOnly = { extraAuthEmbedded: ['[auth.embedded.fetch]', `ca_file = "${pki.caFile}"`] };
      await withEmbedded({ label: 'cimd-guard', ...trustOnly }, async (server) => {
        const u = new URL(`${server.origin}/authorize`);
        u.search = new URLSearchParams({
          response_type: 'code', client_id: doc.url, redirect_uri: redirectUri, scope: SCOPE, state: 's',
          code_challenge: pkcePair().challenge, code_challenge_method: 'S256', resource: server.resource,
        }).toString();
        const res = await httpRequest(u.href, { headers: { accept: 'text/html' } });
        assert.equal(res.status, 400, `GET /authorize with a loopback metadata document: ${res.status}`);
        assert.equal(res.headers.location, undefined, 'no redirect to the unverified client');
        assert.match(res.headers['content-type'] ?? '', /^text\/html/);
        assertPageHeaders(res.headers, 'error page');
        assert.doesNotMatch(res.body, /name="password"/, 'no login form');
        assert.equal(doc.connections(), 0, 'no connection was made to the loopback address');
        assert.equal(doc.fetches(), 0, 'the document was never fetched');
      });
    } finally {
      await doc.close();
    }
  } finally {
    tmp.dispose();
  }
});
