// Summarises a run of @modelcontextprotocol/conformance 0.2.0-alpha.12 with
// `--requirements 2026-07-28 -o DIR` as a plain-text table: one row per scenario (scored by the
// 2026-07-28 requirement set, or run for visibility only), then every failing check with its
// message. Report only: the exit status is 0 whenever the results could be read.
//
// usage: node next-report.mjs RESULTS_DIR [RUN_LOG]

import fs from 'node:fs';
import path from 'node:path';
import { load, nodeModulesDir } from './lib.mjs';

const [resultsDir, runLog] = process.argv.slice(2);
if (!resultsDir) {
  console.error('usage: node next-report.mjs RESULTS_DIR [RUN_LOG]');
  process.exit(2);
}

const YAML = load('yaml');
const pkgDir = path.join(nodeModulesDir, 'conformance-next');
const requirements = YAML.parse(fs.readFileSync(path.join(pkgDir, 'requirements', '2026-07-28.yaml'), 'utf8'));
const scored = new Set(requirements.server ?? []);
const notScored = new Map((requirements.not_scored ?? [])
  .filter((e) => e.leg === 'server')
  .map((e) => [e.scenario, e.reason]));

// Result folders are named server-<scenario>-<ISO timestamp with - for : and .>.
const stamp = /-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;
const rows = [];
for (const entry of fs.readdirSync(resultsDir, { withFileTypes: true })) {
  if (!entry.isDirectory() || !entry.name.startsWith('server-')) continue;
  const scenario = entry.name.slice('server-'.length).replace(stamp, '');
  const file = path.join(resultsDir, entry.name, 'checks.json');
  if (!fs.existsSync(file)) continue;
  const checks = JSON.parse(fs.readFileSync(file, 'utf8'));
  const count = (s) => checks.filter((c) => c.status === s).length;
  rows.push({
    scenario,
    scored: scored.has(scenario) ? 'scored' : `not scored (${notScored.get(scenario) ?? 'extra'})`,
    passed: count('SUCCESS'),
    failed: count('FAILURE'),
    warnings: count('WARNING'),
    skipped: count('SKIPPED'),
    failures: checks.filter((c) => c.status === 'FAILURE'),
  });
}
// Scenarios the requirement set names but the run never produced count as failed.
for (const scenario of scored) {
  if (!rows.some((r) => r.scenario === scenario)) {
    rows.push({ scenario, scored: 'scored', passed: 0, failed: 1, warnings: 0, skipped: 0,
      failures: [{ id: scenario, errorMessage: 'scenario produced no results' }] });
  }
}
rows.sort((a, b) => (a.scored === 'scored' ? 0 : 1) - (b.scored === 'scored' ? 0 : 1)
  || a.scenario.localeCompare(b.scenario));

const width = Math.max(...rows.map((r) => r.scenario.length), 'scenario'.length);
const line = (r) => [
  (r.failed === 0 ? 'PASS' : 'FAIL').padEnd(4),
  r.scenario.padEnd(width),
  r.scored.padEnd(26),
  String(r.passed).padStart(6),
  String(r.failed).padStart(6),
  String(r.warnings).padStart(8),
  String(r.skipped).padStart(7),
].join('  ');

const out = [];
out.push('@modelcontextprotocol/conformance 0.2.0-alpha.12 -- 2026-07-28 requirements, server scenarios');
out.push('against bastion-conformance-server (report only, not a gate)');
out.push('');
out.push(['    ', 'scenario'.padEnd(width), 'set'.padEnd(26), 'passed', 'failed', 'warnings', 'skipped'].join('  '));
for (const r of rows) out.push(line(r));
const scoredRows = rows.filter((r) => r.scored === 'scored');
out.push('');
out.push(`scored scenarios: ${scoredRows.filter((r) => r.failed === 0).length}/${scoredRows.length} pass; `
  + `all scenarios: ${rows.filter((r) => r.failed === 0).length}/${rows.length} pass`);
const failing = rows.filter((r) => r.failed > 0);
if (failing.length > 0) {
  out.push('');
  out.push('failing checks:');
  for (const r of failing) {
    for (const c of r.failures) {
      out.push(`  ${r.scenario} / ${c.id}: ${(c.errorMessage ?? '').replace(/\s+/g, ' ').slice(0, 300)}`);
    }
  }
}
if (runLog && fs.existsSync(runLog)) {
  const total = fs.readFileSync(runLog, 'utf8').match(/^Total: .*$/m);
  if (total) out.push('', `suite's own total (all scenarios run): ${total[0].replace(/^Total: /, '')}`);
}
console.log(out.join('\n'));
