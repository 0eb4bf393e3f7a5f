// Interop, OAuth: the official TypeScript SDK v1 client (@modelcontextprotocol/sdk 1.32.2) with its
// own OAuth support, from a cold start against `bastion serve` with the embedded authorization
// server, registering by DCR and, separately, by a Client ID Metadata Document; the legacy era
// (2025-11-25, the only one v1 speaks); once more with `bastion serve` on TLS.

import { test } from 'node:test';

import { load } from '../lib.mjs';
import { fullFlow } from './flow.mjs';
import { cimdServerOptions, makeTestPki, startMetadataDocumentServer, tempDir, withEmbedded } from './oauth_lib.mjs';

const { Client } = load('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = load('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { UnauthorizedError } = load('@modelcontextprotocol/sdk/client/auth.js');

const kit = {
  label: 'sdk v1',
  newClient: () => new Client({ name: 'bastion-interop-oauth-sdk-v1', version: '1.0.0' }),
  newTransport: (url, opts) => new StreamableHTTPClientTransport(url, opts),
  isUnauthorized: (e) => e instanceof UnauthorizedError,
  finishAuth: (transport, callback) => transport.finishAuth(callback.searchParams.get('code')),
  eraOf: () => 'legacy',
};

test('sdk v1, DCR, legacy era: 401 -> PRM -> AS metadata -> register -> login + consent -> token -> tools/call -> refresh -> more calls', { timeout: 120_000 }, async () => {
  await withEmbedded({ label: 'sdk-v1-dcr' }, async (server) => {
    await fullFlow(kit, server, { era: 'legacy', registration: 'dcr' });
  });
});

test('sdk v1, Client ID Metadata Document, legacy era: the same journey with an HTTPS client_id', { timeout: 120_000 }, async () => {
  const tmp = tempDir('cimd-pki');
  try {
    const pki = await makeTestPki(tmp.dir);
    const doc = await startMetadataDocumentServer(pki, { redirectUris: ['http://127.0.0.1/callback'] });
    try {
      await withEmbedded({ label: 'sdk-v1-cimd', ...cimdServerOptions(pki) }, async (server) => {
        await fullFlow(kit, server, { era: 'legacy', registration: 'cimd', metadataDocument: doc });
      });
    } finally {
      await doc.close();
    }
  } finally {
    tmp.dispose();
  }
});

test('sdk v1, DCR, legacy era, bastion serve on TLS (test CA): the same journey over https', { timeout: 120_000 }, async () => {
  await withEmbedded({ label: 'sdk-v1-dcr-tls', tls: true }, async (server) => {
    await fullFlow(kit, server, { era: 'legacy', registration: 'dcr' });
  });
});
