// Runs the `authorization` scenarios of @modelcontextprotocol/conformance 0.2.0-alpha.12 (the
// authorization-server suite: authorization-server-metadata-endpoint, authorization-code-grant)
// against the embedded authorization server of a cold-started `bastion serve`, twice: over plain
// HTTP and with `bastion serve` on TLS (a test CA made here, given to the suite through
// NODE_EXTRA_CA_CERTS).
//
// The code-grant scenario prints an authorization URL for a human and waits for the redirect on
// its own callback listener (http://127.0.0.1:PORT/callback); here the human is FormBrowser: it
// opens the URL, signs in, allows, and delivers the redirect to the suite's listener. The suite
// then exchanges the code itself and checks the token response.
//
// usage: node conformance_authorization.mjs CONFORMANCE_INDEX_JS OUTPUT_DIR
// Environment: BASTION_BIN. Prints the suite's output and, last, "Total: N passed, M failed" over
// both passes; exits 0 only if both passes ran and exited 0 (2: could not run).

import { spawn } from 'node:child_process';
import path from 'node:path';
import process from 'node:process';

import { FormBrowser, freePort, httpRequest, withEmbedded } from './oauth_lib.mjs';

const [conformance, outDir] = process.argv.slice(2);
if (!conformance || !outDir) {
  console.error('usage: conformance_authorization.mjs CONFORMANCE_INDEX_JS OUTPUT_DIR');
  process.exit(2);
}

const SUITE_TIMEOUT_MS = 120_000;

// One run of the suite against `server`; returns { status, passed, failed } (counts from the
// suite's own "Total:" line, undefined if it printed none).
async function runSuite(server, label) {
  const port = await freePort();
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const clientId = await server.addClient('MCP conformance suite', [redirectUri]);
  const args = [conformance, 'authorization', '--url', server.issuer, '--client-id', clientId,
    '--resource', server.resource, '--port', String(port), '-o', path.join(outDir, label)];
  console.log(`conformance authorization --url ${server.issuer} --client-id ${clientId} --resource ${server.resource} --port ${port}`);
  const env = { ...process.env };
  if (server.tls) {
    env.NODE_EXTRA_CA_CERTS = server.tls.caFile;
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 2))));
  const killer = setTimeout(() => child.kill('SIGKILL'), SUITE_TIMEOUT_MS);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let pending = '';
  let browsing;
  let totals;
  // The suite prints the URL before its callback listener is up: deliver only after it says so.
  let listenerUp;
  const listening = new Promise((resolve) => { listenerUp = resolve; });
  const onLine = (line) => {
    process.stdout.write(`${line}\n`);
    const total = /^Total: (\d+) passed, (\d+) failed$/.exec(line);
    if (total) {
      totals = { passed: Number(total[1]), failed: Number(total[2]) };
    }
    if (line.startsWith(`Callback server started: http://127.0.0.1:${port}`)) {
      listenerUp();
    }
    const m = /^(https?:\/\/\S+\/authorize\?\S+)$/.exec(line.trim());
    if (m && !browsing) {
      browsing = (async () => {
        const browser = new FormBrowser({ ca: server.tls?.ca });
        const { callback, pages } = await browser.authorize(m[1], {
          username: server.user, password: server.password, redirectUri,
        });
        console.log(`[driver] pages: ${pages.map((p) => p.kind).join(' -> ')}; delivering the redirect to the suite`);
        await listening;
        const res = await httpRequest(callback.href);
        console.log(`[driver] suite callback answered ${res.status}`);
      })().catch((e) => {
        console.log(`[driver] the browser part failed: ${e.message}`);
        child.kill('SIGTERM');  // the suite would wait minutes for a redirect that never comes
      });
    }
  };
  child.stdout.on('data', (d) => {
    pending += d;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  });
  child.stderr.on('data', (d) => process.stderr.write(d));
  const status = await exited;
  clearTimeout(killer);
  process.removeListener('exit', killOnExit);
  listenerUp();  // a suite that ended early releases a driver still waiting
  if (pending) {
    onLine(pending);
  }
  await browsing;
  return { status, ...totals };
}

let passed = 0;
let failed = 0;
let status = 0;
for (const tls of [false, true]) {
  const label = tls ? 'tls' : 'http';
  console.log(`\n##### pass: bastion serve over ${tls ? 'TLS' : 'plain HTTP'}`);
  try {
    await withEmbedded({ label: `conformance-authorization-${label}`, tls }, async (server) => {
      const run = await runSuite(server, label);
      if (run.passed === undefined) {
        console.log(`[driver] the ${label} pass printed no total (status ${run.status})`);
        failed += 1;
      } else {
        passed += run.passed;
        failed += run.failed;
      }
      if (run.status !== 0) {
        status = 1;
      }
    });
  } catch (e) {
    console.log(`[driver] the ${label} pass could not run: ${e.message}`);
    failed += 1;
    status = 2;
  }
}
console.log(`\n=== SUMMARY (both passes) ===\nTotal: ${passed} passed, ${failed} failed`);
process.exit(status);
