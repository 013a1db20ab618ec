// extension.js with the real vscode-languageclient, a mock of the `vscode`
// module (support/vscode-mock.js) and a stand-in server
// (support/fake-server.js) that logs what it is started with and sent.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createMock, install } = require('./support/vscode-mock');

const root = path.join(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const fakeServer = path.join(__dirname, 'support', 'fake-server.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'writ-vscode-test-'));
const logFile = path.join(tmp, 'server.log');
process.env.WRIT_FAKE_LOG = logFile;

const { vscode, record } = createMock({ 'writ.path': path.join(tmp, 'no-such-writ') });
install(vscode);
const extension = require('../extension.js');
const context = { subscriptions: [] };

function logEntries() {
  if (!fs.existsSync(logFile)) return [];
  return fs.readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function waitFor(what, predicate) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const entries = logEntries();
    const found = predicate(entries);
    if (found) return found;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; the server log:\n${JSON.stringify(entries, null, 1)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function changeSetting(key, value) {
  record.settings[key] = value;
  record.configListeners.fire({ affectsConfiguration: (section) => key === section || key.startsWith(section + '.') });
}

function document(file, languageId) {
  return { uri: vscode.Uri.file(file), languageId, version: 1, getText: () => 'policy p\n', isClosed: false };
}

const servers = (entries) => entries.filter((e) => e.argv);

test('the manifest contributes what extension.js and the tests rely on', () => {
  assert.equal(manifest.main, './extension.js');
  assert.ok(manifest.activationEvents.includes('onLanguage:writ'));
  const [language] = manifest.contributes.languages;
  assert.equal(language.id, 'writ');
  assert.deepEqual(language.extensions, ['.policy', '.vocab']);
  const grammar = JSON.parse(fs.readFileSync(path.join(root, manifest.contributes.grammars[0].path), 'utf8'));
  assert.equal(manifest.contributes.grammars[0].scopeName, grammar.scopeName);
  assert.equal(grammar.scopeName, 'source.writ');
  const config = JSON.parse(fs.readFileSync(path.join(root, language.configuration), 'utf8'));
  assert.equal(config.comments.lineComment, '#');
  const props = manifest.contributes.configuration.properties;
  assert.equal(props['writ.path'].default, 'writ');
  assert.deepEqual(props['writ.trace.server'].enum, ['off', 'messages', 'verbose']);
  assert.deepEqual(manifest.contributes.commands.map((c) => c.command), ['writ.restartServer']);
  // VS Code 1.85 runs clients up to major version 9 (10 needs 1.91).
  assert.match(manifest.dependencies['vscode-languageclient'], /^\^9\./);
});

test('a writ.path that does not exist: one error that names the setting, and activation still completes', async () => {
  await extension.activate(context);
  assert.equal(record.errors.length, 1, record.errors.join('\n'));
  assert.match(record.errors[0], /no-such-writ` was not found/);
  assert.match(record.errors[0], /writ\.path/);
  assert.ok(record.commands.has('writ.restartServer'));
  assert.deepEqual(record.watchers.map((w) => w.glob), ['**/*.{policy,vocab}', '**/writ.toml']);
  assert.equal(logEntries().length, 0);
});

test('changing writ.path starts `PATH lsp` (no --stdio) and completes the handshake', async () => {
  changeSetting('writ.path', fakeServer);
  const init = await waitFor('initialize', (es) => es.find((e) => e.method === 'initialized'));
  const [server] = servers(logEntries());
  assert.deepEqual(server.argv, ['lsp']);
  assert.equal(init.pid, server.pid);
  const initialize = logEntries().find((e) => e.method === 'initialize');
  assert.equal(initialize.params.clientInfo.name, 'mock');
});

test('only writ documents are sent to the server', async () => {
  record.openDocument.fire(document(path.join(tmp, 'notes.txt'), 'plaintext'));
  record.openDocument.fire(document(path.join(tmp, 'a.policy'), 'writ'));
  const opened = await waitFor('didOpen', (es) => es.filter((e) => e.method === 'textDocument/didOpen').length >= 1 && es);
  const uris = opened.filter((e) => e.method === 'textDocument/didOpen').map((e) => e.params.textDocument.uri);
  assert.equal(uris.length, 1);
  assert.match(uris[0], /a\.policy$/);
});

test('the restart command stops the server and starts a new one', async () => {
  const before = servers(logEntries()).length;
  await record.commands.get('writ.restartServer')();
  const entries = await waitFor('a second server', (es) => servers(es).length > before && es);
  const [first, second] = servers(entries).slice(-2);
  assert.notEqual(first.pid, second.pid);
  const methodsOfFirst = entries.filter((e) => e.pid === first.pid).map((e) => e.method);
  assert.ok(methodsOfFirst.includes('shutdown') && methodsOfFirst.includes('exit'), methodsOfFirst.join());
  await waitFor('the second handshake', (es) => es.find((e) => e.pid === second.pid && e.method === 'initialized'));
});

/** Points `writ.path` at the stand-in server through `value` and waits for its handshake. */
async function startThrough(value) {
  const before = servers(logEntries()).length;
  changeSetting('writ.path', value);
  const entries = await waitFor(`a server started through ${value}`, (es) => servers(es).length > before && es);
  const started = servers(entries).at(-1);
  assert.deepEqual(started.argv, ['lsp']);
  await waitFor('its handshake', (es) => es.find((e) => e.pid === started.pid && e.method === 'initialized'));
  return started;
}

test('writ.path: a command on PATH, a leading ~/, a path relative to the workspace folder', async () => {
  const dir = path.join(tmp, 'ws', 'bin');
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(fakeServer, path.join(dir, 'writ-on-path'));
  const saved = { PATH: process.env.PATH, HOME: process.env.HOME };
  try {
    process.env.PATH = `${dir}${path.delimiter}${saved.PATH}`;
    await startThrough('writ-on-path');
    process.env.PATH = saved.PATH;

    process.env.HOME = path.join(tmp, 'ws');
    await startThrough('~/bin/writ-on-path');
    process.env.HOME = saved.HOME;

    vscode.workspace.workspaceFolders = [{ uri: vscode.Uri.file(path.join(tmp, 'ws')), name: 'ws', index: 0 }];
    const started = await startThrough('./bin/writ-on-path');
    // The server runs in the workspace folder, so it finds writ.toml there.
    assert.equal(fs.realpathSync(started.cwd), fs.realpathSync(path.join(tmp, 'ws')));
  } finally {
    Object.assign(process.env, saved);
  }
  // Every one of them started: no new error.
  assert.equal(record.errors.length, 1, record.errors.join('\n'));
});

test('deactivate shuts the server down', async () => {
  const last = servers(logEntries()).at(-1);
  await extension.deactivate();
  await waitFor('shutdown and exit', (es) => {
    const methods = es.filter((e) => e.pid === last.pid).map((e) => e.method);
    return methods.includes('shutdown') && methods.includes('exit');
  });
  // One output channel for every client the restarts made.
  assert.equal(record.outputChannels.filter((c) => c.name === 'writ').length, 1);
});

test.after(() => {
  for (const d of context.subscriptions) d.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});
