// Interop: the official TypeScript SDK v1 client (@modelcontextprotocol/sdk 1.32.2) lists and
// calls the demo tools of `bastion serve`, over stdio and over Streamable HTTP.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkDemoTools, checkRejectedArguments, load, stdioServer, withHttpServer, withStdioTransport,
} from './lib.mjs';

const { Client } = load('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = load('@modelcontextprotocol/sdk/client/stdio.js');
const { StreamableHTTPClientTransport } = load('@modelcontextprotocol/sdk/client/streamableHttp.js');

function newClient() {
  return new Client({ name: 'bastion-interop-sdk-v1', version: '1.0.0' });
}

test('sdk v1 over stdio: lists and calls the demo tools, rejects bad arguments', { timeout: 30_000 }, async () => {
  const client = newClient();
  const transport = new StdioClientTransport(stdioServer());
  await withStdioTransport(transport, async () => {
    await client.connect(transport);
    try {
      assert.equal(client.getServerVersion().name, 'bastion');
      await checkDemoTools(client);
      await checkRejectedArguments(client);
    } finally {
      await client.close();
    }
  });
});

test('sdk v1 over Streamable HTTP: lists and calls the demo tools, rejects bad arguments', { timeout: 30_000 }, async () => {
  await withHttpServer(async (url) => {
    const client = newClient();
    const transport = new StreamableHTTPClientTransport(url);
    await client.connect(transport);
    try {
      assert.ok(transport.sessionId, 'the legacy era hands out a session id');
      await checkDemoTools(client);
      await checkRejectedArguments(client);
      await transport.terminateSession();
    } finally {
      await client.close();
    }
  });
});
