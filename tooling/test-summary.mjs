#!/usr/bin/env node
// Adds up the vitest JSON reports every package wrote (test-output/vitest.json, kept by turbo's
// cache) and the consumer check's result (test-output/result.json) into one closing line, so a reader of CI output sees
// the whole suite's count in one place: "Tests: N passed, M failed, K skipped".
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const group of ['packages', 'examples']) {
  const base = path.join(root, group);
  if (!fs.existsSync(base)) continue;
  for (const name of fs.readdirSync(base)) {
    const manifest = path.join(base, name, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    if (!JSON.parse(fs.readFileSync(manifest, 'utf8')).scripts?.test?.includes('vitest')) continue;
    const report = path.join(base, name, 'test-output/vitest.json');
    if (!fs.existsSync(report)) {
      missing.push(`${group}/${name}`);
      continue;
    }
    const json = JSON.parse(fs.readFileSync(report, 'utf8'));
    passed += json.numPassedTests;
    failed += json.numFailedTests;
    skipped += json.numPendingTests + json.numTodoTests;
  }
}
const consumer = path.join(root, 'tooling/consumer-check/test-output/result.json');
if (fs.existsSync(consumer)) {
  const json = JSON.parse(fs.readFileSync(consumer, 'utf8'));
  passed += json.passed;
  failed += json.failed;
} else missing.push('tooling/consumer-check');
if (missing.length) console.log(`test-summary: no vitest report from ${missing.join(', ')}`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed || missing.length) process.exit(1);
