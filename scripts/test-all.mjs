#!/usr/bin/env node
// The README's test command (`npm test`): lint, typecheck, unit and integration tests (vitest), then
// the Playwright end-to-end suite against a built storefront. Each runner's own output streams
// through; the last line is the one summary CI reads: `N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const reports = path.join(root, 'reports');
fs.mkdirSync(reports, { recursive: true });
// Every data directory the steps make (tests' SQLite files, the end-to-end shop's) goes under one
// temporary directory of this run's own, removed at the end, so runs do not fill the disk.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-test-'));
process.env.TMPDIR = tmp;
const only = process.argv.slice(2); // e.g. `npm test -- unit` runs only that step
const want = (step) => only.length === 0 || only.includes(step);

let passed = 0;
let failed = 0;
let skipped = 0;
/** Each failed test's name and the first line of why, repeated just above the summary line, so a
 * reader of the log's end (CI shows only its tail) learns which tests failed without scrolling. */
const failures = [];
const firstLine = (text) =>
  stripVTControlCharacters(String(text ?? ''))
    .trim()
    .split('\n')[0]
    .slice(0, 300);

function run(label, cmd, args, env = {}) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(
    `=== ${label}: exit ${result.status ?? result.signal} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return result.status === 0;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A step without per-test results (lint, typecheck, build) counts as one test. */
function step(label, cmd, args) {
  if (run(label, cmd, args)) passed++;
  else failed++;
}

if (want('lint')) step('lint', 'npx', ['biome', 'ci', '.']);
if (want('typecheck')) step('typecheck', 'npx', ['turbo', 'run', 'typecheck', '--output-logs=errors-only']);

if (want('unit')) {
  const out = path.join(reports, 'vitest.json');
  fs.rmSync(out, { force: true });
  const ok = run('unit and integration (vitest)', 'npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${out}`,
  ]);
  const r = readJson(out);
  if (r) {
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
    // A suite that failed to load has no tests to count but must still fail the run.
    if (!ok && r.numFailedTests === 0) failed++;
    for (const file of r.testResults ?? []) {
      const where = path.relative(root, file.name);
      const tests = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
      for (const t of tests)
        failures.push(`vitest ${where} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
      if (tests.length === 0 && file.status === 'failed')
        failures.push(`vitest ${where}: ${firstLine(file.message)}`);
    }
  } else failed++;
}

if (want('e2e')) {
  const out = path.join(reports, 'playwright.json');
  fs.rmSync(out, { force: true });
  const built = run('build the storefront', 'npm', ['run', 'build', '-w', '@shopsync/client']);
  if (!built) failed++;
  else {
    const ok = run(
      'end to end (Playwright, Debian Chromium)',
      'npx',
      ['playwright', 'test', '-c', 'e2e/playwright.config.ts'],
      {
        PLAYWRIGHT_JSON_OUTPUT_NAME: out,
      },
    );
    const r = readJson(out);
    if (r?.stats) {
      passed += r.stats.expected;
      failed += r.stats.unexpected + r.stats.flaky;
      skipped += r.stats.skipped;
      if (!ok && r.stats.unexpected + r.stats.flaky === 0) failed++;
      const visit = (suite, titles) => {
        const here = suite.title ? [...titles, suite.title] : titles;
        for (const spec of suite.specs ?? []) {
          for (const test of spec.tests ?? []) {
            if (test.status !== 'unexpected' && test.status !== 'flaky') continue;
            const error = test.results?.find((x) => x.error)?.error;
            failures.push(
              `playwright ${spec.file}:${spec.line} > ${[...here.slice(1), spec.title].join(' > ')} (${test.status}): ${firstLine(error?.message)}`,
            );
          }
        }
        for (const child of suite.suites ?? []) visit(child, here);
      };
      for (const suite of r.suites ?? []) visit(suite, []);
    } else failed++;
  }
}

fs.rmSync(tmp, { recursive: true, force: true });
if (failures.length > 0) console.log(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
