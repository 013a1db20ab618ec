// The writ extension for VS Code: starts `writ lsp` for .policy and .vocab
// files. Syntax colouring comes from syntaxes/writ.tmLanguage.json and works
// without the server.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;
/** Serialises starts and stops, so that a restart never races a start. */
let pending = Promise.resolve();
/** Shared by every client, so that a restart keeps one channel and one set. */
let outputChannel;
let watchers = [];

/**
 * The command configured in `writ.path`: a leading `~/` is the home
 * directory, and a relative path (one with a separator) is taken from the
 * first workspace folder, where the server runs.
 */
function serverCommand() {
  const configured = vscode.workspace.getConfiguration('writ').get('path');
  let command = typeof configured === 'string' && configured.trim() !== '' ? configured.trim() : 'writ';
  if (command === '~' || command.startsWith('~/')) {
    command = path.join(os.homedir(), command.slice(1));
  }
  const hasSeparator = command.includes('/') || command.includes(path.sep);
  const folders = vscode.workspace.workspaceFolders;
  if (hasSeparator && !path.isAbsolute(command) && folders && folders.length > 0) {
    command = path.join(folders[0].uri.fsPath, command);
  }
  return command;
}

/**
 * Whether `command` names an executable file, directly or through `PATH`.
 * Looked up before starting: the client's own message for a missing binary
 * ("couldn't create connection to server") does not say what to change.
 */
function findExecutable(command) {
  const isFile = (p) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  const exts = process.platform === 'win32' ? ['', ...(process.env.PATHEXT || '.EXE;.CMD;.BAT').split(';')] : [''];
  const candidates = (base) => exts.map((e) => base + e);
  if (command.includes('/') || command.includes(path.sep)) {
    return candidates(path.resolve(command)).some(isFile);
  }
  return (process.env.PATH || '')
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => candidates(path.join(dir, command)).some(isFile));
}

function createClient(command) {
  // No `transport`: the client would add `--stdio`, which `writ lsp` does
  // not take; a plain executable already talks over stdin and stdout.
  const serverOptions = { command, args: ['lsp'] };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'writ' },
      { scheme: 'untitled', language: 'writ' },
    ],
    // A policy's errors depend on the files it uses or extends, which may be
    // changed outside the editor (a checkout, a generator).
    synchronize: { fileEvents: watchers },
    outputChannel,
  };
  // The id `writ` makes the client read `writ.trace.server`; the trace goes
  // to the output channel.
  return new LanguageClient('writ', 'writ', serverOptions, clientOptions);
}

async function startClient() {
  const command = serverCommand();
  if (!findExecutable(command)) {
    // Not awaited: the notification stays until the user closes it, and
    // activation or a restart must not wait for that.
    vscode.window
      .showErrorMessage(
        `writ: \`${command}\` was not found, so the language server (\`${command} lsp\`) is not running. ` +
          'Set `writ.path` to the writ binary; syntax colouring works without it.',
        'Open Settings',
      )
      .then((choice) => {
        if (choice === 'Open Settings') {
          vscode.commands.executeCommand('workbench.action.openSettings', 'writ.path');
        }
      });
    return;
  }
  client = createClient(command);
  try {
    await client.start();
  } catch {
    // The client has said so, in a notification and in the output channel
    // (with the server's standard error).
  }
}

async function stopClient() {
  const old = client;
  client = undefined;
  if (old === undefined) return;
  // A client whose start failed has no server to stop (and `dispose` would
  // throw for it).
  if (old.isRunning()) await old.dispose();
}

function enqueue(step) {
  pending = pending.then(step, step);
  return pending;
}

/** @param {vscode.ExtensionContext} context */
function activate(context) {
  outputChannel = vscode.window.createOutputChannel('writ');
  context.subscriptions.push(outputChannel);
  watchers = [
    vscode.workspace.createFileSystemWatcher('**/*.{policy,vocab}'),
    // The nearest `writ.toml` sets a project's root (SPEC section 1).
    vscode.workspace.createFileSystemWatcher('**/writ.toml'),
  ];
  context.subscriptions.push(...watchers);
  context.subscriptions.push(
    vscode.commands.registerCommand('writ.restartServer', () =>
      enqueue(async () => {
        await stopClient();
        await startClient();
      }),
    ),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('writ.path')) {
        return enqueue(async () => {
          await stopClient();
          await startClient();
        });
      }
      return undefined;
    }),
  );
  return enqueue(startClient);
}

function deactivate() {
  return enqueue(stopClient);
}

module.exports = { activate, deactivate };
