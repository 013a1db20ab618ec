//! The requests: each parses its parameters, asks the document's analysis,
//! `ide` or `render`, and converts the answer to the protocol's types.

use super::Failure;
use super::convert::{self, offset, range};
use super::world::{Analysis, World};
use crate::diag::{Code, Diagnostic};
use crate::ide::complete;
use crate::ide::index::{Index, SymbolKind};
use crate::source::{FileId, SourceMap, Span};
use lsp_server::Request;
use lsp_types as lsp;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

type Answer = Result<serde_json::Value, Failure>;

fn parse<P: serde::de::DeserializeOwned>(req: Request) -> Result<P, Failure> {
    serde_json::from_value(req.params).map_err(|e| Failure::Params(e.to_string()))
}

fn ok<T: serde::Serialize>(value: T) -> Answer {
    Ok(serde_json::to_value(value).expect("protocol types serialise"))
}

/// Answers one request.
pub(crate) fn dispatch(world: &mut World, req: Request) -> Answer {
    use lsp::request::*;
    match req.method.as_str() {
        HoverRequest::METHOD => ok(hover(world, parse(req)?)),
        GotoDefinition::METHOD => ok(definition(world, parse(req)?)),
        References::METHOD => ok(references(world, parse(req)?)),
        PrepareRenameRequest::METHOD => ok(prepare_rename(world, parse(req)?)),
        Rename::METHOD => ok(rename(world, parse(req)?)?),
        Completion::METHOD => ok(completion(world, parse(req)?)),
        CodeActionRequest::METHOD => ok(code_actions(world, parse(req)?)),
        CodeLensRequest::METHOD => ok(code_lens(world, parse(req)?)),
        Formatting::METHOD => ok(formatting(world, parse(req)?)),
        DocumentSymbolRequest::METHOD => ok(document_symbols(world, parse(req)?)),
        WorkspaceSymbolRequest::METHOD => ok(workspace_symbols(world, parse(req)?)),
        FoldingRangeRequest::METHOD => ok(folding(world, parse(req)?)),
        SemanticTokensFullRequest::METHOD => ok(semantic_tokens(world, parse(req)?)),
        _ => Err(Failure::Unknown),
    }
}

/// The open document a URI names, under its overlay key.
fn key(uri: &lsp::Uri) -> Option<PathBuf> {
    convert::uri_to_path(uri).map(|p| crate::load::Overlay::key(&p))
}

/// The analysis of the document at `uri`, and the byte offset of `pos` in it.
fn at<'w>(
    world: &'w mut World,
    uri: &lsp::Uri,
    pos: lsp::Position,
) -> Option<(&'w mut Analysis, usize)> {
    let key = key(uri)?;
    let a = world.analysis(&key)?;
    let o = offset(&a.map, a.root, pos);
    Some((a, o))
}

fn uri_of(map: &SourceMap, file: FileId) -> lsp::Uri {
    let name = map.name(file);
    let path = crate::load::Overlay::key(Path::new(name));
    convert::path_to_uri(&path)
}

fn location(map: &SourceMap, span: Span) -> lsp::Location {
    lsp::Location::new(uri_of(map, span.file), range(map, span))
}

// ---------------------------------------------------------------- diagnostics

/// Checks the document at `key` (with its lints and tests when `full`) and
/// returns what to show, by the file it is about.
pub(crate) fn diagnostics(
    world: &mut World,
    key: &Path,
    full: bool,
    explain: Option<&Path>,
) -> Vec<(PathBuf, Vec<lsp::Diagnostic>)> {
    let Some(a) = world.analysis(key) else {
        return Vec::new();
    };
    let mut found: Vec<Diagnostic> = a.report.diagnostics.clone();
    if full || a.lints.is_some() {
        found.extend(a.lint().iter().cloned());
    }
    let mut tests = Vec::new();
    if (full || a.tests.is_some())
        && let Some(results) = a.tests().map(<[_]>::to_vec)
        && let Some(p) = a.policy()
    {
        for r in results.iter().filter(|r| !r.passed()) {
            let t = &p.tests[r.test];
            let why = crate::render::test::failure(p, r).unwrap_or_default();
            tests.push(lsp::Diagnostic {
                range: range(&a.map, t.loc.0),
                severity: Some(lsp::DiagnosticSeverity::ERROR),
                source: Some("writ test".to_string()),
                message: format!("test {:?} failed: {why}", t.name),
                ..Default::default()
            });
        }
    }
    let mut by_file: HashMap<PathBuf, Vec<lsp::Diagnostic>> = HashMap::new();
    by_file.insert(key.to_path_buf(), tests);
    let root = a.root;
    for d in &found {
        let file = d.primary.as_ref().map_or(root, |l| l.span.file);
        let path = crate::load::Overlay::key(Path::new(a.map.name(file)));
        let uri_of = |f: FileId| Some(uri_of(&a.map, f));
        by_file
            .entry(path)
            .or_default()
            .push(convert::diagnostic(&a.map, file, &uri_of, d, explain));
    }
    by_file.into_iter().collect()
}

/// Writes each code's explanation as a Markdown page, once per version of
/// writ, so that a diagnostic's code can link to it. `None` when no
/// directory can be written.
pub(crate) fn explain_pages() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let dir = base
        .join("writ")
        .join(format!("explain-{}", env!("CARGO_PKG_VERSION")));
    let done = dir.join(".complete");
    if done.exists() {
        return Some(dir);
    }
    std::fs::create_dir_all(&dir).ok()?;
    for code in Code::ALL {
        let page = format!("# {} ({})\n\n{}", code.code, code.name, code.explain());
        std::fs::write(dir.join(format!("{}.md", code.code)), page).ok()?;
    }
    std::fs::write(&done, "").ok()?;
    Some(dir)
}

// ---------------------------------------------------------------- names

fn hover(world: &mut World, p: lsp::HoverParams) -> Option<lsp::Hover> {
    use crate::ide::hover::{self, Findings};
    let pp = p.text_document_position_params;
    let (a, o) = at(world, &pp.text_document.uri, pp.position)?;
    let loaded = a.loaded.as_ref()?;
    // A rule's counts, when a rule is hovered and the policy checks.
    let rule = a
        .policy()
        .and_then(|p| hover::rule_at(loaded, &a.index, p, a.root, o));
    let decided = rule.and_then(|_| a.decided().map(<[_]>::to_vec));
    let matched = match rule {
        Some(r) => {
            a.ensure_diagram();
            match (&a.report.policy, &mut a.report.diagram) {
                (Some(p), Some(d)) => crate::analysis::rules::matched(p, d, r).ok(),
                _ => None,
            }
        }
        None => None,
    };
    let tests = a.tests.as_ref().and_then(|t| t.clone());
    let findings = Findings {
        policy: a.report.policy.as_ref(),
        decided: decided.as_deref(),
        matched: matched.as_ref(),
        tests: tests.as_deref(),
    };
    let loaded = a.loaded.as_ref()?;
    let h = hover::hover(loaded, &a.map, &a.index, findings, a.root, o)?;
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: crate::render::hover::markdown(&h, a.report.policy.as_ref()),
        }),
        range: Some(range(&a.map, h.span)),
    })
}

fn definition(
    world: &mut World,
    p: lsp::GotoDefinitionParams,
) -> Option<lsp::GotoDefinitionResponse> {
    let pp = p.text_document_position_params;
    let (a, o) = at(world, &pp.text_document.uri, pp.position)?;
    let occ = a.index.at(a.root, o)?;
    let sym = a.index.symbol(occ.symbol);
    Some(lsp::GotoDefinitionResponse::Scalar(location(
        &a.map, sym.def,
    )))
}

/// The places of a symbol in every analysis that shares it: the document's
/// own, every other open document's, and every policy's of the workspace
/// that reads the symbol's file, each place once.
fn all_references(
    world: &mut World,
    key: &Path,
    o: usize,
) -> Option<Vec<(PathBuf, lsp::Location)>> {
    let a = world.analysis(key)?;
    let occ = a.index.at(a.root, o)?;
    let sym_key = a.index.key(occ.symbol);
    let mut out: Vec<(PathBuf, lsp::Location)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut collect = |map: &SourceMap, index: &Index, out: &mut Vec<(PathBuf, lsp::Location)>| {
        let Some(id) = index.find(&sym_key) else {
            return;
        };
        for span in index.references(id).map(|o| o.span) {
            let path = crate::load::Overlay::key(Path::new(map.name(span.file)));
            if seen.insert((path.clone(), span.start)) {
                out.push((path, location(map, span)));
            }
        }
    };
    let a = world.analysis(key)?;
    collect(&a.map, &a.index, &mut out);
    let open: Vec<PathBuf> = world.docs.keys().filter(|k| *k != key).cloned().collect();
    for k in &open {
        if let Some(a) = world.analysis(k) {
            collect(&a.map, &a.index, &mut out);
        }
    }
    // Files not open are read as they are on disk (or as the open
    // documents they use have them).
    for f in world.workspace_files() {
        if f.as_path() == key || open.contains(&f) || f.extension().is_none_or(|e| e != "policy") {
            continue;
        }
        // Only the names are needed: loaded and indexed, not checked.
        let mut map = SourceMap::new();
        let project = world.project_of(&f);
        if let Ok((loaded, _)) =
            crate::load::load_with(&mut map, &f, &world.overlay, Some(&project))
        {
            let index = Index::build(&loaded, &map);
            collect(&map, &index, &mut out);
        }
    }
    Some(out)
}

fn references(world: &mut World, p: lsp::ReferenceParams) -> Option<Vec<lsp::Location>> {
    let pp = p.text_document_position;
    let key = key(&pp.text_document.uri)?;
    let a = world.analysis(&key)?;
    let o = offset(&a.map, a.root, pp.position);
    let refs = all_references(world, &key, o)?;
    let a = world.analysis(&key)?;
    let def = a
        .index
        .at(a.root, o)
        .map(|occ| a.index.symbol(occ.symbol).def);
    let def = def.map(|d| location(&a.map, d));
    Some(
        refs.into_iter()
            .map(|(_, l)| l)
            .filter(|l| p.context.include_declaration || Some(l) != def.as_ref())
            .collect(),
    )
}

fn prepare_rename(
    world: &mut World,
    p: lsp::TextDocumentPositionParams,
) -> Option<lsp::PrepareRenameResponse> {
    let (a, o) = at(world, &p.text_document.uri, p.position)?;
    let occ = a.index.at(a.root, o)?;
    let kind = a.index.symbol(occ.symbol).kind;
    if kind == SymbolKind::Test {
        return None;
    }
    Some(lsp::PrepareRenameResponse::RangeWithPlaceholder {
        range: range(&a.map, occ.span),
        placeholder: a.map.slice(occ.span).to_string(),
    })
}

// `WorkspaceEdit::changes` is a map keyed by `Uri`, whose lazily filled
// parts clippy counts as interior mutability; its hash and equality read
// only the URI's text.
#[allow(clippy::mutable_key_type)]
fn rename(world: &mut World, p: lsp::RenameParams) -> Result<Option<lsp::WorkspaceEdit>, Failure> {
    let pp = p.text_document_position;
    let Some(key) = key(&pp.text_document.uri) else {
        return Ok(None);
    };
    let Some(a) = world.analysis(&key) else {
        return Ok(None);
    };
    let o = offset(&a.map, a.root, pp.position);
    let Some(occ) = a.index.at(a.root, o) else {
        return Ok(None);
    };
    // The document's own index says whether the new name is allowed.
    a.index
        .rename(occ.symbol, &p.new_name)
        .map_err(|e| Failure::Refused(e.to_string()))?;
    let Some(refs) = all_references(world, &key, o) else {
        return Ok(None);
    };
    let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
    for (_, l) in refs {
        changes.entry(l.uri).or_default().push(lsp::TextEdit {
            range: l.range,
            new_text: p.new_name.clone(),
        });
    }
    Ok(Some(lsp::WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    }))
}

fn symbol_kind(k: SymbolKind) -> lsp::SymbolKind {
    match k {
        SymbolKind::Type => lsp::SymbolKind::ENUM,
        SymbolKind::Group => lsp::SymbolKind::CLASS,
        SymbolKind::Attribute => lsp::SymbolKind::PROPERTY,
        SymbolKind::Value => lsp::SymbolKind::ENUM_MEMBER,
        SymbolKind::Decision => lsp::SymbolKind::ENUM,
        SymbolKind::Outcome => lsp::SymbolKind::ENUM_MEMBER,
        SymbolKind::Rule => lsp::SymbolKind::FUNCTION,
        SymbolKind::Policy => lsp::SymbolKind::NAMESPACE,
        SymbolKind::Test => lsp::SymbolKind::METHOD,
    }
}

fn document_symbols(
    world: &mut World,
    p: lsp::DocumentSymbolParams,
) -> Option<lsp::DocumentSymbolResponse> {
    let key = key(&p.text_document.uri)?;
    let a = world.analysis(&key)?;
    fn convert(a: &Analysis, s: &crate::ide::outline::OutlineSymbol) -> lsp::DocumentSymbol {
        #[allow(deprecated)]
        lsp::DocumentSymbol {
            name: s.name.clone(),
            detail: s.detail.clone(),
            kind: symbol_kind(s.kind),
            tags: None,
            deprecated: None,
            range: range(&a.map, s.span),
            selection_range: range(&a.map, s.selection),
            children: Some(s.children.iter().map(|c| convert(a, c)).collect()),
        }
    }
    let ast = a.loaded.as_ref()?.files.get(&a.root)?.ast.as_ref()?;
    let outline = crate::ide::outline::document_symbols(ast, &a.map);
    Some(lsp::DocumentSymbolResponse::Nested(
        outline.iter().map(|s| convert(a, s)).collect(),
    ))
}

fn workspace_symbols(
    world: &mut World,
    p: lsp::WorkspaceSymbolParams,
) -> Option<lsp::WorkspaceSymbolResponse> {
    let query = p.query.to_lowercase();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut add = |map: &SourceMap, index: &Index| {
        for (_, s) in index.symbols() {
            if s.kind == SymbolKind::Test || !s.name.to_lowercase().contains(&query) {
                continue;
            }
            let l = location(map, s.def);
            if !seen.insert((l.uri.as_str().to_string(), s.def.start)) {
                continue;
            }
            #[allow(deprecated)]
            out.push(lsp::SymbolInformation {
                name: s.name.clone(),
                kind: symbol_kind(s.kind),
                tags: None,
                deprecated: None,
                location: l,
                container_name: s.parent.map(|p| index.symbol(p).name.clone()),
            });
        }
    };
    let keys: Vec<PathBuf> = world.docs.keys().cloned().collect();
    for k in &keys {
        if let Some(a) = world.analysis(k) {
            add(&a.map, &a.index);
        }
    }
    for f in world.workspace_files() {
        if keys.contains(&f) {
            continue;
        }
        let mut map = SourceMap::new();
        let project = world.project_of(&f);
        if let Ok((loaded, _)) =
            crate::load::load_with(&mut map, &f, &world.overlay, Some(&project))
        {
            add(&map, &Index::build(&loaded, &map));
        }
    }
    Some(lsp::WorkspaceSymbolResponse::Flat(out))
}

fn folding(world: &mut World, p: lsp::FoldingRangeParams) -> Option<Vec<lsp::FoldingRange>> {
    use crate::ide::outline::FoldKind;
    let key = key(&p.text_document.uri)?;
    let a = world.analysis(&key)?;
    let file = a.loaded.as_ref().and_then(|l| l.files.get(&a.root));
    let ast = file.and_then(|f| f.ast.as_ref());
    let comments = file.map(|f| f.comments.as_slice()).unwrap_or_default();
    let folds = crate::ide::outline::folding_ranges(a.root, ast, comments, &a.map);
    Some(
        folds
            .into_iter()
            .map(|f| {
                let r = range(&a.map, f.span);
                lsp::FoldingRange {
                    start_line: r.start.line,
                    start_character: None,
                    end_line: r.end.line,
                    end_character: None,
                    kind: Some(match f.kind {
                        FoldKind::Comment => lsp::FoldingRangeKind::Comment,
                        FoldKind::Item => lsp::FoldingRangeKind::Region,
                    }),
                    collapsed_text: None,
                }
            })
            .filter(|f| f.end_line > f.start_line)
            .collect(),
    )
}

/// The token types, in the order `ide::tokens` numbers them.
pub(crate) fn legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend {
        token_types: crate::ide::tokens::LEGEND
            .iter()
            .map(|t| lsp::SemanticTokenType::new(t))
            .collect(),
        token_modifiers: crate::ide::tokens::MODIFIER_LEGEND
            .iter()
            .map(|t| lsp::SemanticTokenModifier::new(t))
            .collect(),
    }
}

fn semantic_tokens(
    world: &mut World,
    p: lsp::SemanticTokensParams,
) -> Option<lsp::SemanticTokensResult> {
    let key = key(&p.text_document.uri)?;
    let a = world.analysis(&key)?;
    let comments = a
        .loaded
        .as_ref()
        .and_then(|l| l.files.get(&a.root))
        .map(|f| f.comments.as_slice())
        .unwrap_or_default();
    let tokens =
        crate::ide::tokens::semantic_tokens(a.root, a.map.text(a.root), &a.index, comments);
    let mut data = Vec::with_capacity(tokens.len());
    let (mut line, mut col) = (0u32, 0u32);
    for t in tokens {
        let start = convert::position(&a.map, a.root, t.span.start as usize);
        let end = convert::position(&a.map, a.root, t.span.end as usize);
        if end.line != start.line || end.character <= start.character {
            continue;
        }
        let delta_line = start.line - line;
        let delta_start = if delta_line == 0 {
            start.character - col
        } else {
            start.character
        };
        data.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: t.kind.index() as u32,
            token_modifiers_bitset: t.modifiers.bits(),
        });
        line = start.line;
        col = start.character;
    }
    Some(lsp::SemanticTokensResult::Tokens(lsp::SemanticTokens {
        result_id: None,
        data,
    }))
}

// ---------------------------------------------------------------- completion

fn completion(world: &mut World, p: lsp::CompletionParams) -> Option<lsp::CompletionResponse> {
    let pp = p.text_document_position;
    let (a, o) = at(world, &pp.text_document.uri, pp.position)?;
    let text = a.map.text(a.root);
    let (cx, start) = complete::context(text, o);
    let replace = range(&a.map, Span::new(a.root, start, o));
    let items = crate::ide::complete::items(&cx, a.loaded.as_ref(), &a.index);
    let items = items
        .into_iter()
        .map(|c| lsp::CompletionItem {
            label: c.label.clone(),
            kind: Some(match c.kind {
                complete::ItemKind::Keyword => lsp::CompletionItemKind::KEYWORD,
                complete::ItemKind::Symbol(k) => match k {
                    SymbolKind::Attribute => lsp::CompletionItemKind::FIELD,
                    SymbolKind::Value | SymbolKind::Outcome => lsp::CompletionItemKind::ENUM_MEMBER,
                    SymbolKind::Group => lsp::CompletionItemKind::CLASS,
                    SymbolKind::Type | SymbolKind::Decision => lsp::CompletionItemKind::ENUM,
                    SymbolKind::Rule => lsp::CompletionItemKind::FUNCTION,
                    SymbolKind::Policy => lsp::CompletionItemKind::MODULE,
                    SymbolKind::Test => lsp::CompletionItemKind::METHOD,
                },
                complete::ItemKind::Lint => lsp::CompletionItemKind::VALUE,
                complete::ItemKind::Operator => lsp::CompletionItemKind::OPERATOR,
            }),
            detail: c.detail.clone(),
            text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit {
                range: replace,
                new_text: c.label,
            })),
            ..Default::default()
        })
        .collect();
    Some(lsp::CompletionResponse::Array(items))
}

// ---------------------------------------------------------------- actions

fn code_actions(
    world: &mut World,
    p: lsp::CodeActionParams,
) -> Option<Vec<lsp::CodeActionOrCommand>> {
    let uri = p.text_document.uri.clone();
    let key = key(&uri)?;
    let a = world.analysis(&key)?;
    let root = a.root;
    let want = (
        offset(&a.map, root, p.range.start),
        offset(&a.map, root, p.range.end),
    );
    let touches =
        |s: Span| s.file == root && s.start as usize <= want.1 && want.0 <= s.end as usize;
    let mut found: Vec<Diagnostic> = a.report.diagnostics.clone();
    found.extend(a.lints.clone().unwrap_or_default());
    let text = a.map.text(root).to_string();
    let end = convert::position(&a.map, root, text.len());
    let mut out = Vec::new();
    let edit = |range: lsp::Range, new_text: String| {
        #[allow(clippy::mutable_key_type)] // As for `rename`.
        let mut changes = HashMap::new();
        changes.insert(uri.clone(), vec![lsp::TextEdit { range, new_text }]);
        lsp::WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }
    };
    let append = |s: String| {
        let sep = if text.ends_with('\n') || text.is_empty() {
            ""
        } else {
            "\n"
        };
        edit(lsp::Range::new(end, end), format!("{sep}{s}\n"))
    };
    for d in found
        .iter()
        .filter(|d| d.primary.as_ref().is_some_and(|l| touches(l.span)))
    {
        let primary = d.primary.as_ref().expect("filtered").span;
        let lsp_diag = convert::diagnostic(&a.map, root, &|f| Some(uri_of(&a.map, f)), d, None);
        let action = |title: String, e: lsp::WorkspaceEdit, preferred: bool| {
            lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title,
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp_diag.clone()]),
                edit: Some(e),
                is_preferred: Some(preferred),
                ..Default::default()
            })
        };
        if let Some(s) = d.suggestion() {
            out.push(action(
                format!("Replace with `{s}`"),
                edit(range(&a.map, primary), s.to_string()),
                true,
            ));
        }
        if d.code == Code::INCOMPLETE {
            out.push(action(
                "Add `default undecided`".to_string(),
                append("default undecided".to_string()),
                false,
            ));
        }
        if d.code.default_level().is_some() && d.code != Code::UNKNOWN_LINT {
            out.push(action(
                format!("Allow `{}` in this policy", d.code.name),
                append(format!("allow {}", d.code.name)),
                false,
            ));
        }
        if let (Some(region), Some(p)) = (d.regions.first(), a.report.policy.as_ref())
            && let Some(test) =
                crate::ide::actions::test_for(p, a.report.diagram.as_ref(), region, d.code.name)
        {
            out.push(action(
                format!("Add a test for `{}`", region.condition),
                append(test),
                false,
            ));
        }
    }
    // On the `policy` header: a test for cases no test covers.
    // Anywhere on the header's line, from its `policy` keyword on.
    let header = a.report.policy.as_ref().map(|p| {
        let s = p.meta.loc.0;
        let line_start = text[..s.start as usize].rfind('\n').map_or(0, |i| i + 1);
        Span::new(s.file, line_start, s.end as usize)
    });
    if header.is_some_and(touches) {
        a.ensure_diagram();
        if let (Some(p), Some(d)) = (a.report.policy.as_ref(), a.report.diagram.as_mut())
            && let Some(region) = crate::analysis::rules::uncovered(p, d)
            && let Some(test) = crate::ide::actions::test_for(p, Some(d), &region, "uncovered")
        {
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: format!("Add a test for uncovered cases: `{}`", region.condition),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                edit: Some(append(test)),
                ..Default::default()
            }));
        }
    }
    Some(out)
}

fn code_lens(world: &mut World, p: lsp::CodeLensParams) -> Option<Vec<lsp::CodeLens>> {
    let key = key(&p.text_document.uri)?;
    let a = world.analysis(&key)?;
    let root = a.root;
    let mut out = Vec::new();
    let lens = |range: lsp::Range, title: String| lsp::CodeLens {
        range,
        command: Some(lsp::Command {
            title,
            command: String::new(),
            arguments: None,
        }),
        data: None,
    };
    let results = a.tests().map(<[_]>::to_vec);
    if let (Some(results), Some(p)) = (results, a.policy()) {
        for r in &results {
            let t = &p.tests[r.test];
            if t.loc.0.file != root {
                continue;
            }
            let title = match crate::render::test::failure(p, r) {
                None => "✓ passed".to_string(),
                Some(why) => format!("✗ failed: {why}"),
            };
            out.push(lens(range(&a.map, t.loc.0), title));
        }
    }
    let decided = a.decided().map(<[_]>::to_vec);
    if let (Some(decided), Some(p)) = (decided, a.policy()) {
        for (r, n) in p.rules.iter().zip(&decided) {
            if r.loc.0.file != root {
                continue;
            }
            let title = if *n == crate::diag::Count::from(0u8) {
                "decides no case (dead)".to_string()
            } else {
                format!("decides {}", crate::diag::cases(n))
            };
            out.push(lens(range(&a.map, r.loc.0), title));
        }
    }
    Some(out)
}

fn formatting(world: &mut World, p: lsp::DocumentFormattingParams) -> Option<Vec<lsp::TextEdit>> {
    let key = key(&p.text_document.uri)?;
    let a = world.analysis(&key)?;
    let text = a.map.text(a.root);
    // A file with syntax errors is left as it is, as `writ fmt` leaves it.
    let formatted = crate::fmt::format_text(a.root, text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let end = convert::position(&a.map, a.root, text.len());
    Some(vec![lsp::TextEdit {
        range: lsp::Range::new(lsp::Position::new(0, 0), end),
        new_text: formatted,
    }])
}
