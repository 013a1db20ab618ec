//! Parse + check of generated decision-table policies (issue: front end).
//! Run with `cargo bench --bench front_end`.

use writ::source::SourceMap;

fn main() {
    divan::main();
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 10)]
fn parse_and_check(bencher: divan::Bencher, rules: usize) {
    let text = writ::synth::decision_table(42, rules);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| {
            let mut map = SourceMap::new();
            let report = writ::api::check_source(&mut map, "bench.policy", &text);
            assert!(report.policy.is_some());
            report
        });
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 10)]
fn parse_only(bencher: divan::Bencher, rules: usize) {
    let text = writ::synth::decision_table(42, rules);
    bencher.bench(|| writ::syntax::parse(writ::source::FileId(0), &text));
}

/// What a language server redoes on every change of a file: the name index
/// and the file's semantic tokens, on a parsed decision table (parsing is
/// `parse_only`).
#[divan::bench(args = [1_000, 10_000], sample_count = 20)]
fn ide_index_and_tokens(bencher: divan::Bencher, rules: usize) {
    let text = writ::synth::decision_table(42, rules);
    let mut map = SourceMap::new();
    let id = map.add("bench.policy", text.as_str());
    let parsed = writ::syntax::parse(id, &text);
    let mut files = std::collections::HashMap::new();
    files.insert(
        id,
        writ::load::LoadedFile {
            id,
            ast: parsed.file,
            comments: parsed.comments,
            uses: Vec::new(),
        },
    );
    let loaded = writ::load::Loaded { root: id, files };
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| {
            let index = writ::ide::index::Index::build(&loaded, &map);
            assert!(index.unresolved().is_empty());
            let tokens =
                writ::ide::tokens::semantic_tokens(id, &text, &index, &loaded.files[&id].comments);
            (index, tokens)
        });
}

/// The decision table with `then` misspelt in the rules `every` apart
/// (starting halfway through the first `every`): a file the parser
/// recovers from, reporting each error.
fn with_errors(rules: usize, every: usize) -> String {
    let text = writ::synth::decision_table(42, rules);
    let mut out = String::with_capacity(text.len());
    let mut k = 0;
    for line in text.lines() {
        if line.starts_with("rule ") {
            if k % every == every / 2 {
                out.push_str(&line.replacen(" then ", " thne ", 1));
            } else {
                out.push_str(line);
            }
            k += 1;
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 10)]
fn parse_one_error(bencher: divan::Bencher, rules: usize) {
    let text = with_errors(rules, rules);
    bencher.bench(|| {
        let parsed = writ::syntax::parse(writ::source::FileId(0), &text);
        assert_eq!(parsed.diagnostics.len(), 1);
        parsed
    });
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 10)]
fn parse_error_every_100_rules(bencher: divan::Bencher, rules: usize) {
    let text = with_errors(rules, 100);
    bencher.bench(|| {
        let parsed = writ::syntax::parse(writ::source::FileId(0), &text);
        assert_eq!(parsed.diagnostics.len(), rules / 100);
        parsed
    });
}
