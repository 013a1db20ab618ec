#!/usr/bin/env bash
# Checks the editor snippets of README.md as they are written there:
# each Neovim snippet runs in a headless Neovim (0.10 or newer: $NVIM, else
# `nvim`) with a stand-in server on PATH as `writ`, and must give .policy and
# .vocab files the filetype `writ`, start `writ lsp` once, in the folder
# that holds writ.toml, and send it both files; the Helix table must parse
# and name what Helix reads. Needs Node.js and Python 3.11+.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
readme="$here/../README.md"
nvim="${NVIM:-nvim}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The fenced block after `<!-- snippet: NAME -->`.
snippet() {
    awk -v name="$1" '
        $0 == "<!-- snippet: " name " -->" { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }
    ' "$readme"
}

failed=0

python3 - "$(snippet helix)" <<'PY' || failed=1
import sys, tomllib
t = tomllib.loads(sys.argv[1])
server = t["language-server"]["writ"]
assert server == {"command": "writ", "args": ["lsp"]}, server
[lang] = t["language"]
want = {"name": "writ", "scope": "source.writ", "file-types": ["policy", "vocab"],
        "roots": ["writ.toml", ".git"], "comment-token": "#", "language-servers": ["writ"]}
for k, v in want.items():
    assert lang.get(k) == v, (k, lang.get(k))
print("ok: helix")
PY

if ! command -v "$nvim" >/dev/null; then
    echo "error: no Neovim ($nvim); set NVIM to a Neovim 0.10 or newer" >&2
    exit 2
fi
has() { "$nvim" --headless --clean +"lua io.stdout:write(vim.fn.has('nvim-$1'))" +qa; }
if [ "$(has 0.10)" != 1 ]; then
    echo "error: $("$nvim" --version | head -1) is older than 0.10; set NVIM to a newer one" >&2
    exit 2
fi

mkdir -p "$work/bin" "$work/project/sub"
ln -s "$here/vscode/tests/support/fake-server.js" "$work/bin/writ"
touch "$work/project/writ.toml"
printf 'policy p\n' > "$work/project/sub/a.policy"
printf 'type T = { a }\n' > "$work/project/sub/b.vocab"
cat > "$work/check.lua" <<'LUA'
local out = {}
local function client_ready()
  local c = vim.lsp.get_clients({ bufnr = 0 })[1]
  return c ~= nil and c.initialized
end
vim.cmd.edit('a.policy')
out.policy_filetype = vim.bo.filetype
out.commentstring = vim.bo.commentstring
vim.wait(5000, client_ready)
local c = vim.lsp.get_clients({ bufnr = 0 })[1]
out.client = c and c.name
out.root = c and c.root_dir
vim.cmd.edit('b.vocab')
out.vocab_filetype = vim.bo.filetype
vim.wait(5000, client_ready)
out.clients = #vim.lsp.get_clients()
local f = assert(io.open(os.getenv('CHECK_OUT'), 'w'))
f:write(vim.json.encode(out))
f:close()
vim.cmd('qa!')
LUA

for name in neovim-0.11 neovim-0.10; do
    version="${name#neovim-}"
    if [ "$(has "$version")" != 1 ]; then
        echo "skipped: $name ($("$nvim" --version | head -1) is older)"
        continue
    fi
    snippet "$name" > "$work/$name.lua"
    rm -f "$work/server.log" "$work/out.json"
    (cd "$work/project/sub" &&
        PATH="$work/bin:$PATH" WRIT_FAKE_LOG="$work/server.log" CHECK_OUT="$work/out.json" \
        timeout 60 "$nvim" --headless --clean -u "$work/$name.lua" +"luafile $work/check.lua") >/dev/null 2>&1 || true
    node - "$name" "$work/out.json" "$work/server.log" "$work/project" <<'JS' || failed=1
const fs = require('fs');
const [name, outFile, logFile, project] = process.argv.slice(2);
const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
const out = JSON.parse(read(outFile) || '{}');
const log = read(logFile).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const opened = log.filter((e) => e.method === 'textDocument/didOpen').map((e) => [e.params.textDocument.uri.replace(/.*\//, ''), e.params.textDocument.languageId]);
const checks = [
  ['a .policy file has the filetype writ', out.policy_filetype === 'writ'],
  ['a .vocab file has the filetype writ', out.vocab_filetype === 'writ'],
  ['comments are #', out.commentstring === '# %s'],
  ['the client is writ', out.client === 'writ'],
  ['the root is the folder with writ.toml', out.root === project],
  ['one client for both files', out.clients === 1],
  ['the server ran as `writ lsp`', log.filter((e) => e.argv).map((e) => e.argv.join(' ')).join() === 'lsp'],
  ['both files were sent as writ', JSON.stringify(opened) === JSON.stringify([['a.policy', 'writ'], ['b.vocab', 'writ']])],
];
const bad = checks.filter(([, ok]) => !ok);
for (const [what] of bad) console.log(`FAILED: ${name}: ${what}`);
if (bad.length) {
  console.log(JSON.stringify({ out, log }, null, 1));
  process.exit(1);
}
console.log(`ok: ${name} (${checks.length} checks)`);
JS
done

exit "$failed"
