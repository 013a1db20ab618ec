// Just enough of the `vscode` module for extension.js and the real
// vscode-languageclient to start and stop a server outside VS Code
// (tests/extension.test.js). It records what the extension does with it.
// A name it lacks throws, naming it, instead of quietly being undefined.
'use strict';

const Module = require('module');

class Disposable {
  constructor(fn) {
    this._fn = fn;
  }
  static from(...items) {
    return new Disposable(() => items.forEach((d) => d && d.dispose && d.dispose()));
  }
  dispose() {
    if (this._fn) this._fn();
    this._fn = undefined;
  }
}

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener, thisArg, disposables) => {
      const bound = thisArg ? listener.bind(thisArg) : listener;
      this.listeners.add(bound);
      const d = new Disposable(() => this.listeners.delete(bound));
      if (Array.isArray(disposables)) disposables.push(d);
      return d;
    };
  }
  fire(value) {
    for (const l of [...this.listeners]) l(value);
  }
  dispose() {
    this.listeners.clear();
  }
}

class Uri {
  constructor(scheme, fsPath) {
    this.scheme = scheme;
    this.fsPath = fsPath;
    this.path = fsPath;
  }
  static file(p) {
    return new Uri('file', p);
  }
  static parse(s) {
    const m = /^([a-z]+):\/\/(.*)$/.exec(s);
    return m ? new Uri(m[1], m[2]) : new Uri('file', s);
  }
  toString() {
    return `${this.scheme}://${this.fsPath}`;
  }
}

class CancellationTokenSource {
  constructor() {
    const emitter = new EventEmitter();
    this.token = { isCancellationRequested: false, onCancellationRequested: emitter.event };
    this._emitter = emitter;
  }
  cancel() {
    this.token.isCancellationRequested = true;
    this._emitter.fire();
  }
  dispose() {}
}

// The client subclasses these when it loads; nothing in the tests builds one.
const subclassed = Object.fromEntries(
  ['CallHierarchyItem', 'CodeAction', 'CodeLens', 'CompletionItem', 'Diagnostic', 'DocumentLink', 'InlayHint', 'SymbolInformation', 'TypeHierarchyItem'].map(
    (name) => [name, { [name]: class {} }[name]],
  ),
);

/**
 * Throws on a property the mock does not define, except a capitalised one
 * (an enum such as `CodeActionKind`, which the client reads into tables as it
 * starts): that is an object whose every member is its own name.
 */
function strict(name, target) {
  const enums = new Map();
  return new Proxy(target, {
    get(t, prop) {
      if (prop in t || typeof prop === 'symbol' || prop === 'then' || prop === 'toJSON') return t[prop];
      if (/^[A-Z]/.test(prop)) {
        if (!enums.has(prop)) {
          enums.set(prop, new Proxy({}, { get: (_, member) => (typeof member === 'symbol' ? undefined : `${prop}.${member}`) }));
        }
        return enums.get(prop);
      }
      throw new Error(`vscode mock: ${name}.${String(prop)} is not mocked`);
    },
  });
}

function createMock(settings) {
  const record = {
    settings: { ...settings },
    errors: [],
    commands: new Map(),
    watchers: [],
    outputChannels: [],
    configListeners: new EventEmitter(),
    openDocument: new EventEmitter(),
  };
  const event = () => new EventEmitter().event;
  const outputChannel = (name) => {
    const channel = {
      name,
      text: '',
      append(s) {
        this.text += s;
      },
      appendLine(s) {
        this.text += s + '\n';
      },
      replace(s) {
        this.text = s;
      },
      clear() {
        this.text = '';
      },
      show() {},
      hide() {},
      dispose() {
        this.disposed = true;
      },
    };
    record.outputChannels.push(channel);
    return channel;
  };
  const vscode = {
    version: '1.85.0',
    ...subclassed,
    Disposable,
    EventEmitter,
    Uri,
    CancellationTokenSource,
    CancellationError: class CancellationError extends Error {},
    env: strict('env', { language: 'en', appName: 'mock', openExternal: async () => true }),
    workspace: strict('workspace', {
      workspaceFolders: undefined,
      textDocuments: [],
      notebookDocuments: [],
      getConfiguration(section) {
        return {
          get(key, fallback) {
            const full = section ? `${section}.${key}` : key;
            return full in record.settings ? record.settings[full] : fallback;
          },
        };
      },
      onDidChangeConfiguration: record.configListeners.event,
      createFileSystemWatcher(glob) {
        const w = { glob, onDidCreate: event(), onDidChange: event(), onDidDelete: event(), dispose() { this.disposed = true; } };
        record.watchers.push(w);
        return w;
      },
      onDidOpenTextDocument: record.openDocument.event,
      onDidChangeTextDocument: event(),
      onDidCloseTextDocument: event(),
      onDidSaveTextDocument: event(),
      onWillSaveTextDocument: event(),
      onDidCreateFiles: event(),
      onDidRenameFiles: event(),
      onDidDeleteFiles: event(),
      onWillCreateFiles: event(),
      onWillRenameFiles: event(),
      onWillDeleteFiles: event(),
      onDidChangeWorkspaceFolders: event(),
      onDidOpenNotebookDocument: event(),
      onDidChangeNotebookDocument: event(),
      onDidCloseNotebookDocument: event(),
      onDidSaveNotebookDocument: event(),
    }),
    window: strict('window', {
      createOutputChannel: outputChannel,
      showErrorMessage(message, ...items) {
        record.errors.push(message);
        return Promise.resolve(undefined);
      },
      showWarningMessage: () => Promise.resolve(undefined),
      showInformationMessage: () => Promise.resolve(undefined),
      activeTextEditor: undefined,
      visibleTextEditors: [],
      onDidChangeActiveTextEditor: event(),
      onDidChangeVisibleTextEditors: event(),
    }),
    languages: strict('languages', {
      createDiagnosticCollection: () => ({ set() {}, delete() {}, clear() {}, dispose() {}, forEach() {} }),
      // The real one scores how well a selector fits; the client only asks
      // whether it fits at all.
      match(selector, document) {
        const filters = Array.isArray(selector) ? selector : [selector];
        const fits = (f) =>
          typeof f === 'string'
            ? f === document.languageId
            : (f.language === undefined || f.language === document.languageId) &&
              (f.scheme === undefined || f.scheme === document.uri.scheme);
        return filters.some(fits) ? 10 : 0;
      },
    }),
    commands: strict('commands', {
      registerCommand(id, fn) {
        record.commands.set(id, fn);
        return new Disposable(() => record.commands.delete(id));
      },
      executeCommand: async () => undefined,
    }),
  };
  return { vscode: strict('vscode', vscode), record };
}

/** Makes `require('vscode')` return `vscode` from now on. */
function install(vscode) {
  const original = Module._load;
  Module._load = function load(request, parent, isMain) {
    if (request === 'vscode') return vscode;
    return original.call(this, request, parent, isMain);
  };
  return () => {
    Module._load = original;
  };
}

module.exports = { createMock, install };
