//! `writ explain`: the long explanation of a diagnostic code.

use super::{Exit, Format, Reporter};
use writ::diag::{self, Code, Diagnostic};

/// The arguments of `writ explain`.
#[derive(clap::Args)]
pub struct Args {
    /// A code such as `E0023`, or its name such as `unknown-attribute`.
    code: String,
}

pub fn run(args: Args) -> Exit {
    let key = &args.code;
    let Some(code) = Code::lookup(key) else {
        let d = Diagnostic::error(
            Code::INVALID_ARGUMENT,
            format!("`{key}` is not a writ diagnostic code"),
        );
        let names = Code::ALL.iter().flat_map(|c| [c.code, c.name]);
        let d = match diag::did_you_mean(key, names) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.help(
                "codes look like `E0023` or `L0003`, or their names, like `unknown-attribute`",
            ),
        };
        return Reporter::new(Format::Text).fail(d, Exit::Usage);
    };
    let text = format!("{} ({})\n\n{}", code.code, code.name, code.explain());
    match super::io::write_stdout(&text) {
        Ok(()) => Exit::Ok,
        Err(d) => Reporter::new(Format::Text).fail(d, Exit::Usage),
    }
}
