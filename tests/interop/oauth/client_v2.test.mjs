// Interop, OAuth: the official TypeScript client v2 (@modelcontextprotocol/client 2.4.0) with its
// own OAuth support, from a cold start against `bastion serve` with the embedded authorization
// server: DCR and, separately, a Client ID Metadata Document, each in both protocol eras (the
// legacy initialize handshake and 2026-07-28 pinned); once more (DCR, modern) on TLS.

import { test } from 'node:test';

import { load } from '../lib.mjs';
import { fullFlow } from './flow.mjs';
import { cimdServerOptions, makeTestPki, startMetadataDocumentServer, tempDir, withEmbedded } from './oauth_lib.mjs';

const { Client, StreamableHTTPClientTransport, UnauthorizedError } = load('@modelcontextprotocol/client');

const MODERN = '2026-07-28';

const kit = {
  label: 'client v2',
  newClient: (era) => new Client({ name: `bastion-interop-oauth-client-v2-${era}`, version: '2.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN } } } : {}),
  newTransport: (url, opts) => new StreamableHTTPClientTransport(url, opts),
  isUnauthorized: (e) => e instanceof UnauthorizedError,
  // v2 takes the whole callback query and checks iss against the AS metadata (RFC 9207).
  finishAuth: (transport, callback) => transport.finishAuth(callback.searchParams),
  eraOf: (client) => client.getProtocolEra(),
};

for (const era of ['legacy', 'modern']) {
  test(`client v2, DCR, ${era} era: 401 -> PRM -> AS metadata -> register -> login + consent -> token -> tools/call -> refresh -> more calls`, { timeout: 120_000 }, async () => {
    await withEmbedded({ label: `client-v2-dcr-${era}` }, async (server) => {
      await fullFlow(kit, server, { era, registration: 'dcr' });
    });
  });

  test(`client v2, Client ID Metadata Document, ${era} era: the same journey with an HTTPS client_id`, { timeout: 120_000 }, async () => {
    const tmp = tempDir('cimd-pki');
    try {
      const pki = await makeTestPki(tmp.dir);
      const doc = await startMetadataDocumentServer(pki, { redirectUris: ['http://127.0.0.1/callback'] });
      try {
        await withEmbedded({ label: `client-v2-cimd-${era}`, ...cimdServerOptions(pki) }, async (server) => {
          await fullFlow(kit, server, { era, registration: 'cimd', metadataDocument: doc });
        });
      } finally {
        await doc.close();
      }
    } finally {
      tmp.dispose();
    }
  });
}

test('client v2, DCR, modern era, bastion serve on TLS (test CA): the same journey over https', { timeout: 120_000 }, async () => {
  await withEmbedded({ label: 'client-v2-dcr-modern-tls', tls: true }, async (server) => {
    await fullFlow(kit, server, { era: 'modern', registration: 'dcr' });
  });
});
