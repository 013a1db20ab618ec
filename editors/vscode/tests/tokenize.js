#!/usr/bin/env node
// Runs the grammar over writ files with the engine VS Code uses
// (vscode-textmate + vscode-oniguruma).
//
//   node tests/tokenize.js FILE...                   print each token and its scopes
//   node tests/tokenize.js --scan [--strict] FILE... check every file
//
// --scan fails when a file takes long (a runaway pattern), when a keyword is
// scoped as a name or a name as a keyword. It also reports, and with
// --strict fails on, what only broken input should produce: an invalid.*
// scope, a character no pattern takes, a file that ends inside a region.
// The test fixtures hold deliberately broken files; the bundled policies
// are scanned with --strict.
//
// The unit tests (tests/grammar/) pin down small cases; --scan is for the
// real policies, where a region that never closes or a keyword coloured as a
// name shows up as a finding instead of as a wrong colour somewhere.
'use strict';

const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const GRAMMAR = path.join(__dirname, '..', 'syntaxes', 'writ.tmLanguage.json');

// SPEC section 1's keywords; `allow` is left out: it may name a value.
const KEYWORDS = new Set(
  ('use type group attribute decision policy title source date resolve strict first priority ' +
    'default undecided rule overrides when then regardless because test given expect by and or ' +
    'not in all except bool int true false extends repeal').split(' '),
);

// One line this slow is a pattern that backtracks, not a long line: a line of
// 300,000 characters (20,000 comparisons) takes well under one second.
const SLOW_LINE_MS = 1000;

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.writ') return null;
      return vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR);
    },
  });
  return registry.loadGrammar('source.writ');
}

function tokenize(grammar, text) {
  const lines = text.split(/\r\n|\n/);
  let stack = vsctm.INITIAL;
  const out = [];
  let slowest = { ms: 0, line: 0 };
  lines.forEach((line, n) => {
    const start = process.hrtime.bigint();
    const r = grammar.tokenizeLine(line, stack, 5000);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ms > slowest.ms) slowest = { ms, line: n + 1 };
    if (r.stoppedEarly) throw new Error(`line ${n + 1}: tokenizing stopped early (time limit)`);
    stack = r.ruleStack;
    for (const t of r.tokens) {
      out.push({ line: n + 1, col: t.startIndex + 1, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
  });
  return { tokens: out, endStack: stack, slowest };
}

// What valid writ never produces; each finding names the token. A `soft`
// one is expected of broken input.
function findings(tokens) {
  const found = [];
  const soft = (t, why) => found.push([t, why, 'soft']);
  for (const t of tokens) {
    const word = t.text.trim();
    const scopes = t.scopes.slice(1);
    const inCommentOrString = scopes.some((s) => s.startsWith('comment.') || s.startsWith('string.'));
    if (scopes.some((s) => s.startsWith('invalid.'))) soft(t, 'an invalid.* scope');
    if (inCommentOrString || word === '') continue;
    if (KEYWORDS.has(word) && !scopes.some((s) => /^(keyword|constant\.language|support\.type)\./.test(s))) {
      found.push([t, 'a keyword scoped as something else']);
    }
    if (/^[A-Za-z_]\w*$/.test(word) && !KEYWORDS.has(word) && word !== 'allow' &&
        scopes.some((s) => s.startsWith('keyword.'))) {
      found.push([t, 'a name scoped as a keyword']);
    }
    if (scopes.length === 0) soft(t, 'no scope at all');
  }
  return found;
}

async function main() {
  let args = process.argv.slice(2);
  const scan = args[0] === '--scan';
  if (scan) args = args.slice(1);
  const strict = scan && args[0] === '--strict';
  if (strict) args = args.slice(1);
  const files = args;
  if (files.length === 0) {
    console.error('usage: node tests/tokenize.js [--scan [--strict]] FILE...');
    process.exit(2);
  }
  const grammar = await loadGrammar();
  let failed = 0;
  let noted = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const { tokens, endStack, slowest } = tokenize(grammar, text);
    if (!scan) {
      for (const t of tokens) {
        console.log(`${t.line}:${t.col}\t${JSON.stringify(t.text)}\t${t.scopes.slice(1).join(' ')}`);
      }
      continue;
    }
    const problems = findings(tokens).map(([t, why, kind]) => [
      `${file}:${t.line}:${t.col}: ${JSON.stringify(t.text)} has ${why} (${t.scopes.slice(1).join(' ') || 'source.writ'})`,
      kind,
    ]);
    // A region left open would colour whatever follows it in the editor.
    if (endStack.depth > 1) problems.push([`${file}: ends inside a region (rule stack depth ${endStack.depth})`, 'soft']);
    if (slowest.ms > SLOW_LINE_MS) {
      problems.push([`${file}:${slowest.line}: this line took ${slowest.ms.toFixed(0)} ms`, 'hard']);
    }
    const fails = problems.filter(([, kind]) => strict || kind === 'hard');
    for (const [p, kind] of problems) console.log(`${strict || kind === 'hard' ? 'error' : 'note'}: ${p}`);
    if (fails.length) failed += 1;
    else if (problems.length) noted += 1;
  }
  if (scan) {
    console.log(`scanned ${files.length} files${strict ? ' (strict)' : ''}: ${failed} failed, ${noted} with notes only`);
    process.exit(failed ? 1 : 0);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
