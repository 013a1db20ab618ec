#!/usr/bin/env bash
# The VS Code extension's tests, from a fresh clone: installs the locked
# dev dependencies, runs the grammar's unit tests (tests/grammar/) and the
# extension's (tests/extension.test.js), then runs the grammar over every
# policy and vocabulary in the repository. Needs node 18+ and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

npm ci --no-audit --no-fund
npm test

# The bundled policies are valid: every finding fails. The fixtures include
# deliberately broken files: only a slow line or a keyword and a name taken
# for each other fails there, the rest is reported.
node tests/tokenize.js --scan --strict "$repo"/policies/*.policy "$repo"/policies/*.vocab
find "$repo/tests/fixtures" \( -name '*.policy' -o -name '*.vocab' \) -print0 | sort -z |
    xargs -0 node tests/tokenize.js --scan
