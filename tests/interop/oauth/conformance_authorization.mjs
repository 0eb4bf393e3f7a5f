// Runs the `authorization` scenarios of @modelcontextprotocol/conformance 0.2.0-alpha.12 (the
// authorization-server suite: authorization-server-metadata-endpoint, authorization-code-grant)
// against the embedded authorization server of a cold-started `bastion serve`.
//
// The code-grant scenario prints an authorization URL for a human and waits for the redirect on
// its own callback listener (http://127.0.0.1:PORT/callback); here the human is FormBrowser: it
// opens the URL, signs in, allows, and delivers the redirect to the suite's listener. The suite
// then exchanges the code itself and checks the token response.
//
// usage: node conformance_authorization.mjs CONFORMANCE_INDEX_JS OUTPUT_DIR
// Environment: BASTION_BIN. Prints the suite's output; exits with its status (2: could not run).

import { spawn } from 'node:child_process';
import process from 'node:process';

import { FormBrowser, freePort, httpRequest, withEmbedded } from './oauth_lib.mjs';

const [conformance, outDir] = process.argv.slice(2);
if (!conformance || !outDir) {
  console.error('usage: conformance_authorization.mjs CONFORMANCE_INDEX_JS OUTPUT_DIR');
  process.exit(2);
}

const SUITE_TIMEOUT_MS = 120_000;

let status = 2;
try {
  await withEmbedded({ label: 'conformance-authorization' }, async (server) => {
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    const clientId = await server.addClient('MCP conformance suite', [redirectUri]);
    const args = [conformance, 'authorization', '--url', server.issuer, '--client-id', clientId,
      '--resource', server.resource, '--port', String(port), '-o', outDir];
    console.log(`conformance authorization --url ${server.issuer} --client-id ${clientId} --resource ${server.resource} --port ${port}`);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 2))));
    const killer = setTimeout(() => child.kill('SIGKILL'), SUITE_TIMEOUT_MS);
    let pending = '';
    let browsing;
    // The suite prints the URL before its callback listener is up: deliver only after it says so.
    let listenerUp;
    const listening = new Promise((resolve) => { listenerUp = resolve; });
    const onLine = (line) => {
      process.stdout.write(`${line}\n`);
      if (line.startsWith(`Callback server started: http://127.0.0.1:${port}`)) {
        listenerUp();
      }
      const m = /^(https?:\/\/\S+\/authorize\?\S+)$/.exec(line.trim());
      if (m && !browsing) {
        browsing = (async () => {
          const browser = new FormBrowser();
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
    status = await exited;
    clearTimeout(killer);
    listenerUp();  // a suite that ended early releases a driver still waiting
    if (pending) {
      onLine(pending);
    }
    await browsing;
  });
} catch (e) {
  console.log(`conformance authorization could not run: ${e.message}`);
  status = 2;
}
process.exit(status);
