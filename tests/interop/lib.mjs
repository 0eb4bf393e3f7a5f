// Shared helpers for the interop tests: load the official TypeScript clients from the
// project-local install (tools/node, see scripts/node-tools.sh), start `bastion serve` on a free
// loopback port, and the assertions every client/transport pair runs against the demo tools.
// These tests are about the MCP protocol: the HTTP server runs with auth.mode "none" (loopback
// only; the default, the embedded authorization server, is exercised by tests/interop/oauth/).
//
// Environment: BASTION_BIN, the `bastion` program under test (set by tests/interop/run-all.sh).

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const toolsDir = path.join(here, '..', '..', 'tools', 'node');
const toolsRequire = createRequire(path.join(toolsDir, 'package.json'));

// Where the npm packages of tools/node are installed.
export const nodeModulesDir = path.join(toolsDir, 'node_modules');

// A module of the npm packages installed in tools/node (CommonJS builds; both SDKs ship them).
export function load(specifier) {
  return toolsRequire(specifier);
}

export function bastionBin() {
  const bin = process.env.BASTION_BIN;
  if (!bin) {
    throw new Error('BASTION_BIN is not set (run through tests/interop/run-all.sh)');
  }
  return bin;
}

// A loopback port that was free a moment ago (the server binds it next).
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function canConnect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

// Starts `bastion serve --listen 127.0.0.1:PORT` and waits (at most 10 s) until it accepts
// connections; a server that exits first (the port was taken meanwhile) is retried on another
// port, twice at most. Returns { url, stop() }; stop() sends SIGTERM, waits for the exit (SIGKILL
// after 15 s) and returns { code, signal, stderr }.
async function startHttpServer(extraArgs = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-interop-'));
  const config = path.join(dir, 'bastion.toml');
  fs.writeFileSync(config, '[auth]\nmode = "none"\n[demo]\ntools = true\n');
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(bastionBin(), ['serve', '--config', config, '--listen', `127.0.0.1:${port}`,
      ...extraArgs], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 10_000;
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
    return {
      url: new URL(`http://127.0.0.1:${port}/mcp`),
      async stop() {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        const result = await exited;
        clearTimeout(timer);
        fs.rmSync(dir, { recursive: true, force: true });
        return { ...result, stderr };
      },
    };
  }
  throw lastError;
}

// Runs `body(url)` against a fresh `bastion serve` on a free loopback port, then stops it with
// SIGTERM, which must end it with status 0 (graceful shutdown). A failure of `body` is
// reported with the server's log, so a crash shows its cause.
export async function withHttpServer(body) {
  const server = await startHttpServer();
  let failure;
  try {
    await body(server.url);
  } catch (e) {
    failure = e;
  }
  const exit = await server.stop();
  if (failure) {
    failure.message += `\n--- bastion serve (exit ${exit.code ?? exit.signal}) stderr ---\n${exit.stderr.slice(-4000)}`;
    throw failure;
  }
  assert.equal(exit.code, 0, `bastion serve exits 0 on SIGTERM (got ${exit.code ?? exit.signal}):\n${exit.stderr}`);
}

// Parameters for a StdioClientTransport running `bastion serve --stdio`; its stderr is kept so
// that a failing test can show it (see stdioFailure).
export function stdioServer() {
  return { command: bastionBin(), args: ['serve', '--stdio'], stderr: 'pipe' };
}

// Runs `body()`, which connects `transport` (a StdioClientTransport made with stdioServer());
// on failure, appends what the server wrote on stderr.
export async function withStdioTransport(transport, body) {
  let stderr = '';
  transport.stderr?.on('data', (d) => { stderr += d; });
  try {
    await body();
  } catch (e) {
    e.message += `\n--- bastion serve --stdio stderr ---\n${stderr.slice(-4000)}`;
    throw e;
  }
}

export function sha256Hex(text) {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export const DEMO_TOOLS = ['validate_json', 'hash_text', 'base64', 'uuid', 'now', 'count_text'];

// The checks every client/transport pair runs: list, a real call, and a rejected call.
export async function checkDemoTools(client) {
  const listed = await client.listTools();
  const names = listed.tools.map((t) => t.name);
  for (const name of DEMO_TOOLS) {
    assert.ok(names.includes(name), `tools/list lacks ${name}: ${names.join(', ')}`);
  }
  const hashTool = listed.tools.find((t) => t.name === 'hash_text');
  assert.equal(hashTool.inputSchema.additionalProperties, false,
    'hash_text advertises a closed input schema');

  const text = 'Bastion interop: déjà vu ✓';
  const result = await client.callTool({ name: 'hash_text', arguments: { text } });
  assert.notEqual(result.isError, true, `hash_text failed: ${JSON.stringify(result.content)}`);
  assert.deepEqual(result.structuredContent, { algorithm: 'sha256', hex: sha256Hex(text) });
  const textBlock = result.content.find((c) => c.type === 'text');
  assert.deepEqual(JSON.parse(textBlock.text), result.structuredContent);
}

// A call with arguments that break the schema: a tool execution error (isError) naming the
// JSON Pointer of the offending value, never echoing the value itself.
export async function checkRejectedArguments(client) {
  const wrongType = await client.callTool({ name: 'hash_text', arguments: { text: 424242 } });
  assert.equal(wrongType.isError, true, 'a number for "text" must be rejected');
  const message = wrongType.content.map((c) => c.text ?? '').join('\n');
  assert.match(message, /\/text\b/, `the error names the JSON Pointer /text: ${message}`);
  assert.doesNotMatch(message, /424242/, 'the rejected value is not echoed');

  const unknownKey = await client.callTool({
    name: 'hash_text', arguments: { text: 'a', smuggled: 'do-not-echo-me' },
  });
  assert.equal(unknownKey.isError, true, 'an unknown argument must be rejected');
  const unknownMessage = unknownKey.content.map((c) => c.text ?? '').join('\n');
  assert.match(unknownMessage, /\/smuggled\b/, `the error names the JSON Pointer /smuggled: ${unknownMessage}`);
  assert.doesNotMatch(unknownMessage, /do-not-echo-me/, 'the rejected value is not echoed');
}
