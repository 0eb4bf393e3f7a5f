// Interop: the official TypeScript client v2 (@modelcontextprotocol/client 2.4.0) lists and
// calls the demo tools of `bastion serve` over stdio and over Streamable HTTP, in both protocol
// eras: the default legacy handshake (initialize) and 2026-07-28 pinned (server/discover and
// per-request _meta).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkDemoTools, checkRejectedArguments, load, stdioServer, withHttpServer, withStdioTransport,
} from './lib.mjs';

const { Client, StreamableHTTPClientTransport } = load('@modelcontextprotocol/client');
const { StdioClientTransport } = load('@modelcontextprotocol/client/stdio');

const MODERN = '2026-07-28';

function newClient(era) {
  const options = era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN } } } : {};
  return new Client({ name: `bastion-interop-client-v2-${era}`, version: '2.0.0' }, options);
}

async function exercise(client, era) {
  assert.equal(client.getProtocolEra(), era);
  if (era === 'modern') {
    assert.equal(client.getNegotiatedProtocolVersion(), MODERN);
    assert.ok(client.getDiscoverResult(), 'server/discover answered');
  }
  await checkDemoTools(client);
  await checkRejectedArguments(client);
}

for (const era of ['legacy', 'modern']) {
  test(`client v2 (${era} era) over stdio: lists and calls the demo tools, rejects bad arguments`, { timeout: 30_000 }, async () => {
    const client = newClient(era);
    const transport = new StdioClientTransport(stdioServer());
    await withStdioTransport(transport, async () => {
      await client.connect(transport);
      try {
        await exercise(client, era);
      } finally {
        await client.close();
      }
    });
  });

  test(`client v2 (${era} era) over Streamable HTTP: lists and calls the demo tools, rejects bad arguments`, { timeout: 30_000 }, async () => {
    await withHttpServer(async (url) => {
      const client = newClient(era);
      await client.connect(new StreamableHTTPClientTransport(url));
      try {
        await exercise(client, era);
      } finally {
        await client.close();
      }
    });
  });
}
