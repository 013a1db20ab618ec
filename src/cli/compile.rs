//! `writ compile`: check the policy, compile it in the requested order and
//! write the diagram in the requested form.

use super::{Exit, Format, Reporter, check_input, io, not_a_policy};
use clap::ValueEnum;
use std::path::PathBuf;
use writ::api::Purpose;
use writ::emit::Emit;

/// The arguments of `writ compile`.
#[derive(clap::Args)]
pub struct Args {
    /// The policy file (`-`: standard input).
    file: PathBuf,
    /// The output form: `writ.tree/1` JSON, `writ.dag/1` JSON, Graphviz DOT, an indented tree, or an SVG picture of the tree.
    #[arg(long, value_enum, default_value_t = EmitForm::Tree)]
    emit: EmitForm,
    /// The attribute order: `declaration`, `auto`, or names `a,b,c` (the rest follow in declaration order).
    #[arg(long, default_value = "declaration")]
    order: String,
    /// Leaves carry only the outcome, not the explaining rules (a smaller diagram).
    #[arg(long)]
    outcomes_only: bool,
    /// The node budget of the decision diagram.
    #[arg(long, default_value_t = writ::compile::DEFAULT_MAX_NODES)]
    max_nodes: usize,
    #[command(flatten)]
    root: super::RootArg,
    /// The memory budget of the decision diagram and what is kept beside it: bytes, or with a suffix `K`, `M`, `G` (powers of 1,024).
    #[arg(long, value_name = "SIZE", default_value = super::DEFAULT_MAX_MEMORY, value_parser = super::parse_memory)]
    max_memory: usize,
    /// The most nodes the tree forms (`tree`, `text`) may expand the diagram to.
    #[arg(long, default_value_t = writ::emit::DEFAULT_MAX_TREE_NODES)]
    max_tree_nodes: u64,
    /// Write the result to this file (replaced atomically, never one of the inputs) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: Option<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// `--emit`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum EmitForm {
    /// `writ.tree/1` JSON.
    Tree,
    /// `writ.dag/1` JSON.
    Dag,
    /// Graphviz DOT.
    Dot,
    /// An indented, human-readable tree.
    Text,
    /// An SVG picture of the tree, laid out by writ.
    Svg,
}

impl EmitForm {
    /// The compiled form `emit` writes; `None` for the picture, which
    /// `render` draws.
    fn compiled(self) -> Option<Emit> {
        match self {
            EmitForm::Tree => Some(Emit::Tree),
            EmitForm::Dag => Some(Emit::Dag),
            EmitForm::Dot => Some(Emit::Dot),
            EmitForm::Text => Some(Emit::Text),
            EmitForm::Svg => None,
        }
    }
}

pub fn run(args: Args) -> Exit {
    let mut rep = Reporter::new(args.format);
    let project = match args.root.project() {
        Ok(p) => p,
        Err(d) => return rep.fail(d, Exit::Usage),
    };
    let check_options = writ::api::CheckOptions {
        max_nodes: args.max_nodes,
        project: project.clone(),
        max_memory: args.max_memory,
        ..Default::default()
    };
    let report = match check_input(&mut rep, &args.file, &check_options) {
        Ok(r) => r,
        Err(d) => return rep.fail(*d, Exit::Usage),
    };
    let has_errors = report.has_errors();
    let is_vocabulary = report.is_vocabulary;
    let verified = report.diagram;
    rep.diagnostics.extend(report.diagnostics);
    let policy = match report.policy {
        Some(p) if !has_errors => p,
        _ if !has_errors && is_vocabulary => {
            return rep.fail(not_a_policy(&args.file, "compile"), Exit::Failed);
        }
        _ => {
            rep.finish();
            return Exit::Failed;
        }
    };
    if let Some(out) = &args.output
        && let Err(d) = io::refuse_input(out, &rep.map)
    {
        return rep.fail(d, Exit::Usage);
    }
    let order = match writ::compile::Order::parse(&args.order, &policy) {
        Ok(o) => o,
        Err(d) => return rep.fail(*d, Exit::Usage),
    };
    let options = writ::compile::Options {
        order,
        outcomes_only: args.outcomes_only,
        max_nodes: args.max_nodes,
        max_memory: args.max_memory,
    };
    let reusable = options.order == writ::compile::Order::Declaration && !options.outcomes_only;
    let compiled = match verified {
        Some(d) if reusable => Ok(d),
        _ => writ::compile::compile(&policy, &options),
    };
    let diagram = match compiled {
        Ok(d) => d,
        Err(e) => {
            let d = writ::api::too_large(&policy, &e, Purpose::Compile(&options));
            return rep.fail(d, Exit::Failed);
        }
    };
    let header = writ::names::Header::from_policy(&policy, &rep.map);
    let text = match args.emit.compiled() {
        Some(form) => writ::emit::emit(&header, &diagram, form, args.max_tree_nodes).map_err(|e| {
            writ::diag::Diagnostic::error(writ::diag::Code::DIAGRAM_TOO_LARGE, e.to_string()).at(
                policy.meta.loc.0,
                "this policy's tree is too large to print",
            )
        }),
        None => writ::render::svg::tree(&header, &diagram)
            .map_err(|e| writ::render::svg::too_large(&policy, &e)),
    };
    let text = match text {
        Ok(t) => t,
        Err(d) => return rep.fail(d, Exit::Failed),
    };
    // Warnings of the check (there are none today) go to stderr: stdout
    // carries the compiled form.
    if !rep.diagnostics.is_empty() {
        rep.write_text();
    }
    let written = match &args.output {
        Some(path) => {
            io::replace_file(path, &text).map_err(|e| Box::new(io::cannot_write(path, &e).0))
        }
        None => io::write_stdout(&text),
    };
    match written {
        Ok(()) => Exit::Ok,
        Err(d) => Reporter::new(args.format).fail(d, Exit::Usage),
    }
}
