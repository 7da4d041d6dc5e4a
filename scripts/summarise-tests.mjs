#!/usr/bin/env node
// The closing line of scripts/test.sh, from vitest's JSON reports:
//   tests: N passed, N failed, N skipped
// (CI reads exactly this line). "failed" counts failed tests, failed files and suites
// with no failed test of their own (an import error, a failing beforeAll), a run whose
// report is missing, errors given with --error (a required service that did not
// start), and a run that exited non-zero with none of those (vitest's unhandled errors
// are not in its JSON). So failed >= 1 whenever this exits non-zero, and the reverse.
// Each skipped test is named above the line.
//
// Usage: summarise-tests.mjs [--run <report.json> <vitest exit code>]... [--error <message>]...
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';

export function summarise(runs, errors = []) {
  let passed = 0,
    failed = 0,
    skipped = 0;
  const problems = [...errors];
  const skippedNames = [];
  for (const { file, status } of runs) {
    let r;
    try {
      r = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      failed += 1;
      problems.push(`no test report in ${file} (vitest exited ${status})`);
      continue;
    }
    let runFailed = Number(r.numFailedTests) || 0;
    passed += Number(r.numPassedTests) || 0;
    for (const f of Array.isArray(r.testResults) ? r.testResults : []) {
      const name = typeof f.name === 'string' ? relative(process.cwd(), f.name) : '(unnamed file)';
      const tests = Array.isArray(f.assertionResults) ? f.assertionResults : [];
      if (f.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
        runFailed += 1;
        problems.push(`${name}: the file failed outside any test${f.message ? `: ${String(f.message).split('\n')[0]}` : ''}`);
      }
      for (const t of tests) {
        if (t.status === 'skipped' || t.status === 'pending' || t.status === 'todo' || t.status === 'disabled') {
          skipped += 1;
          skippedNames.push(`${name} > ${t.fullName ?? t.title ?? '(unnamed test)'}`);
        }
      }
    }
    if (runFailed === 0 && (Number(r.numFailedTestSuites) || 0) > 0) {
      runFailed = 1;
      problems.push(`${file}: ${r.numFailedTestSuites} suite(s) failed with no failed test`);
    }
    if (runFailed === 0 && status !== 0) {
      runFailed = 1;
      problems.push(`${file}: vitest exited ${status} with every test passing (an error outside the tests: see its output above)`);
    }
    failed += runFailed;
  }
  failed += errors.length;
  const lines = [...skippedNames.map((n) => `skipped: ${n}`), ...problems.map((p) => `failure: ${p}`), `tests: ${passed} passed, ${failed} failed, ${skipped} skipped`];
  return { lines, exitCode: failed > 0 ? 1 : 0 };
}

function parseArgs(argv) {
  const runs = [],
    errors = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--run' && argv[i + 2] !== undefined) {
      const status = Number(argv[i + 2]);
      runs.push({ file: argv[i + 1], status: Number.isInteger(status) ? status : 1 });
      i += 2;
    } else if (argv[i] === '--error' && argv[i + 1] !== undefined) {
      errors.push(argv[++i]);
    } else {
      errors.push(`summarise-tests: unknown argument ${JSON.stringify(argv[i])}`);
    }
  }
  return { runs, errors };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { runs, errors } = parseArgs(process.argv.slice(2));
  const { lines, exitCode } = summarise(runs, errors);
  console.log(`\n${lines.join('\n')}`);
  process.exit(exitCode);
}
