#!/usr/bin/env node
// A stand-in for `writ lsp` in tests/extension.test.js: it answers the
// handshake and `shutdown`, exits on `exit`, and writes what it was started
// with and what it was sent to the file named by WRIT_FAKE_LOG.
'use strict';

const fs = require('fs');

const log = (entry) => fs.appendFileSync(process.env.WRIT_FAKE_LOG, JSON.stringify({ pid: process.pid, ...entry }) + '\n');
log({ argv: process.argv.slice(2), cwd: process.cwd() });

function send(message) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
  process.stdout.write(`Content-Length: ${body.length}\r\n\r\n`);
  process.stdout.write(body);
}

let buffer = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const headerEnd = buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const header = buffer.slice(0, headerEnd).toString('ascii');
    const length = Number(/Content-Length: (\d+)/i.exec(header)[1]);
    if (buffer.length < headerEnd + 4 + length) return;
    const message = JSON.parse(buffer.slice(headerEnd + 4, headerEnd + 4 + length).toString('utf8'));
    buffer = buffer.slice(headerEnd + 4 + length);
    log({ method: message.method, params: message.params });
    if (message.method === 'initialize') {
      send({ id: message.id, result: { capabilities: { textDocumentSync: 1 }, serverInfo: { name: 'fake-writ' } } });
    } else if (message.method === 'shutdown') {
      send({ id: message.id, result: null });
    } else if (message.method === 'exit') {
      process.exit(0);
    }
  }
});
