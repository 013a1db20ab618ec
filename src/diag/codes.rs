//! The registry of error codes, and the type every code has.
//!
//! Every error code is declared once, here, with its long explanation as
//! doc comments; `writ explain CODE` prints that same text. Codes are never
//! reused: a retired code stays in the list and says so.
//!
//! Lint codes (`L0001`…) are [`Code`]s too, but each is declared in its
//! lint's own file under `analysis::lints`, beside the check that reports
//! it, with its default [`Level`]. `diag` stays below the analyses in the
//! pipeline and does not name them: the items of `Code` that need every
//! lint (`Code::ALL`, `Code::lookup` and the lint constants such as
//! `Code::DEAD_RULE`) are defined by that registry.

/// A stable diagnostic code with its short title and long explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code {
    /// The code as users see it: `E0001`.
    pub code: &'static str,
    /// A kebab-case name for the problem (`unknown-attribute`).
    pub name: &'static str,
    raw_explain: &'static str,
    /// The level a lint has unless the command line or the policy sets
    /// another; `None` for an error, which is always an error.
    lint: Option<Level>,
}

impl Code {
    /// A lint's code, from its declaration: `raw_explain` is the doc
    /// comments' text, one line each, with the space after `///` still on
    /// each line.
    pub const fn lint(
        code: &'static str,
        name: &'static str,
        default: Level,
        raw_explain: &'static str,
    ) -> Code {
        Code {
            code,
            name,
            raw_explain,
            lint: Some(default),
        }
    }

    /// The long explanation, with an example of the problem and its fix.
    pub fn explain(&self) -> String {
        // Doc comments arrive with the space after `///` still on each line.
        let mut out = String::new();
        for line in self.raw_explain.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// A lint's default level; `None` when the code is an error.
    pub const fn default_level(&self) -> Option<Level> {
        self.lint
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $konst:ident = $code:literal, $name:literal; )*) => {
        impl Code {
            $(
                #[doc = concat!("`", $code, "` (", $name, ").")]
                pub const $konst: Code = Code {
                    code: $code,
                    name: $name,
                    raw_explain: concat!($($doc, "\n"),*),
                    lint: None,
                };
            )*
        }

        /// Every error code, in order (the lints are in `Code::ALL`).
        pub const ERRORS: &[Code] = &[$(Code::$konst),*];
    };
}

codes! {
    /// A file does not follow the grammar of `writ` (SPEC section 2).
    ///
    /// The message names what was expected at the offending token. Common
    /// causes are a missing keyword (`then` after a condition), a missing
    /// `:` after a rule's name, a keyword used as a name, or a misspelt
    /// keyword, for which `writ` suggests the keyword it was expecting
    /// (`thne`: did you mean `then`?).
    ///
    /// Every syntax error in a file is reported, not only the first: after
    /// one, `writ` skips to the next line that starts with an item keyword
    /// (`rule`, `when`, `attribute`, …) and goes on. The items that parse
    /// are checked too, so type errors and unknown names elsewhere in the
    /// file appear in the same run; a name whose declaration has the syntax
    /// error is not reported again where it is used. A file with a syntax
    /// error is never compiled, evaluated, tested, linted or formatted.
    ///
    /// Example:
    ///
    ///     when instrument = SCA_warrant compel
    ///
    /// Fixed:
    ///
    ///     when instrument = SCA_warrant then compel
    SYNTAX = "E0001", "syntax-error";

    /// A string literal has no closing quote on its line.
    ///
    /// Strings are written `"..."` on one line; use `\n` for a line break
    /// inside one.
    ///
    /// Example:
    ///
    ///     title "In re Warrant
    ///
    /// Fixed:
    ///
    ///     title "In re Warrant"
    UNTERMINATED_STRING = "E0002", "unterminated-string";

    /// A string contains a backslash escape that `writ` does not know.
    ///
    /// The escapes are `\"`, `\\`, `\n` and `\t`.
    ///
    /// Example:
    ///
    ///     source "15 F. Supp. 3d 466 \(S.D.N.Y. 2014\)"
    ///
    /// Fixed:
    ///
    ///     source "15 F. Supp. 3d 466 (S.D.N.Y. 2014)"
    BAD_ESCAPE = "E0003", "invalid-escape";

    /// A condition nests deeper than `writ` accepts (128 levels).
    ///
    /// Each open parenthesis and each `not` in force counts as one level.
    /// The limit keeps every later stage safe from unbounded recursion. Deep
    /// nesting is almost always generated; flatten it, or split the rule.
    ///
    /// Example:
    ///
    ///     when ((((((( ... x ... ))))))) then compel
    ///
    /// Fixed:
    ///
    ///     when x then compel
    TOO_DEEP = "E0004", "nesting-too-deep";

    /// A file is not UTF-8 text.
    ///
    /// Policy and vocabulary files must be UTF-8. The diagnostic points at
    /// the first invalid byte (its line, column and byte offset; through
    /// `use`, the `use` is labelled too). A binary file (or a file saved in
    /// another encoding) was probably named by mistake.
    ///
    /// Example: a comment in a policy saved as Latin-1, where `É` is the
    /// single byte 0xC9 (UTF-8 needs two bytes for it):
    ///
    ///     # Conseil d'État
    ///
    /// Fixed: re-save the file as UTF-8 (`iconv -f latin1 -t utf-8`), or
    /// name the right file.
    NOT_UTF8 = "E0005", "invalid-utf8";

    /// A file could not be read: it does not exist, is a directory, is not
    /// a regular file, or cannot be opened.
    ///
    /// Only regular files are read: a device (`/dev/zero` never ends), a
    /// FIFO (one without a writer never begins) or a socket is refused
    /// before it is opened, on the command line and through `use` or
    /// `extends` alike. To check text from a stream, pipe it to `writ check
    /// -`; cases may come from a FIFO (`--cases <(generate)`) or `--cases -`.
    ///
    /// When the file was reached through `use "PATH"`, the diagnostic points
    /// at that `use`. Paths in `use` are relative to the file that says them.
    ///
    /// Example (in `policies/a.policy`):
    ///
    ///     use "policies/sca.vocab"
    ///
    /// Fixed:
    ///
    ///     use "sca.vocab"
    UNREADABLE = "E0006", "unreadable-file";

    /// Files `use` each other in a cycle.
    ///
    /// Using the same file twice is fine, but a file may not (directly or
    /// through others) use itself. The diagnostic lists the chain.
    ///
    /// Example: `a.vocab` says `use "b.vocab"` and `b.vocab` says
    /// `use "a.vocab"`.
    ///
    /// Fixed: move the shared declarations into a third file that both use.
    USE_CYCLE = "E0007", "use-cycle";

    /// A vocabulary holds something other than declarations.
    ///
    /// A `.vocab` file, and any file reached through `use`, may only contain
    /// `use`, `type`, `group`, `attribute` and `decision` items. Rules,
    /// tests and policy settings belong in a `.policy` file.
    ///
    /// Example (in `sca.vocab`):
    ///
    ///     attribute location: { US, Ireland }
    ///     when location = US then compel
    ///
    /// Fixed: move the rule into the policy that uses `sca.vocab`.
    NOT_A_VOCABULARY = "E0008", "not-a-vocabulary";

    /// An integer literal does not fit a signed 64-bit integer.
    ///
    /// Integers range from -9223372036854775808 to 9223372036854775807.
    ///
    /// Example:
    ///
    ///     attribute n: int 0..99999999999999999999
    ///
    /// Fixed:
    ///
    ///     attribute n: int 0..9223372036854775807
    INT_OVERFLOW = "E0009", "integer-out-of-range";

    /// A `.policy` file has no `policy` header.
    ///
    /// A policy file starts with `policy NAME`; the name appears in the
    /// compiled output and in `writ diff`. A file of declarations only should
    /// be named `.vocab`.
    ///
    /// Example:
    ///
    ///     when location = US then compel
    ///
    /// Fixed:
    ///
    ///     policy magistrate_2014
    ///     when location = US then compel
    MISSING_POLICY = "E0010", "missing-policy-header";

    /// A file has more than one `policy` header.
    ///
    /// One file holds exactly one policy. Put a second policy in a file of
    /// its own; both can `use` a shared vocabulary.
    ///
    /// Example:
    ///
    ///     policy magistrate_2014
    ///     policy district_2014
    ///
    /// Fixed: keep one header per file.
    DUPLICATE_POLICY = "E0011", "duplicate-policy-header";

    /// A `title`, `source` or `date` is given twice, or it or `extends`
    /// comes before the `policy` header.
    ///
    /// Each may be given at most once, after `policy`.
    ///
    /// Example:
    ///
    ///     title "Magistrate ruling"
    ///     policy magistrate_2014
    ///
    /// Fixed:
    ///
    ///     policy magistrate_2014
    ///     title "Magistrate ruling"
    MISPLACED_METADATA = "E0012", "misplaced-metadata";

    /// A `date` is not an ISO 8601 calendar date (`YYYY-MM-DD`) that exists.
    ///
    /// Example:
    ///
    ///     date "2014-02-30"
    ///
    /// Fixed:
    ///
    ///     date "2014-04-25"
    BAD_DATE = "E0013", "invalid-date";

    /// A policy setting (`resolve`, `default` or `extends`) is given more
    /// than once.
    ///
    /// Example:
    ///
    ///     resolve first
    ///     resolve strict
    ///
    /// Fixed: keep the one you mean.
    DUPLICATE_SETTING = "E0014", "duplicate-setting";

    /// An input is larger than `writ` reads: a policy or vocabulary file
    /// (or the standard input of `writ fmt -`) past 6 MiB, a compiled JSON
    /// file past 96 MiB, or a line of `--cases` past 128 KiB.
    ///
    /// The limits keep a wrongly named file (a disk image, a log) from
    /// exhausting memory: each is a 2 GiB peak-memory budget divided by the
    /// most memory `writ` was measured to need per byte of that input.
    /// Policies of a hundred thousand rules stay below them.
    ///
    /// Example:
    ///
    ///     writ check backup.img      # a 4 GiB disk image
    ///
    /// Fixed: name the policy file you meant; split a generated policy that
    /// really is this large into several files.
    FILE_TOO_LARGE = "E0015", "file-too-large";

    /// Policies `extends` each other in a cycle (possibly through `use`).
    ///
    /// A policy builds on its base, which may build on another; the chain
    /// must end. The diagnostic lists the chain of files and labels every
    /// `extends` (and `use`) in it.
    ///
    /// Example: `a.policy` says `extends "b.policy"` and `b.policy` says
    /// `extends "a.policy"`.
    ///
    /// Fixed: decide which policy is the base and remove the other
    /// `extends`.
    EXTENDS_CYCLE = "E0016", "extends-cycle";

    /// `extends` names a file that is not a policy: a `.vocab` file, or a
    /// file without a `policy` header.
    ///
    /// `extends "PATH"` makes the base's rules this policy's own (SPEC
    /// section 4a), so the base must be a policy. To bring declarations
    /// into scope, `use` the vocabulary instead.
    ///
    /// Example:
    ///
    ///     policy cloud_act_2018
    ///     extends "sca.vocab"
    ///
    /// Fixed:
    ///
    ///     policy cloud_act_2018
    ///     extends "sca_2703.policy"
    BASE_NOT_A_POLICY = "E0017", "extends-not-a-policy";

    /// Two declarations of the same kind share a name.
    ///
    /// Types, groups, attributes, decisions, rules and tests each have their
    /// own namespace; within one, names are unique across the policy and the
    /// vocabularies it uses. Both declarations are shown.
    ///
    /// Example:
    ///
    ///     attribute location: { US, Ireland }
    ///     attribute location: { US, other }
    ///
    /// Fixed: rename or remove one.
    DUPLICATE_NAME = "E0020", "duplicate-name";

    /// A value is listed twice in one declaration.
    ///
    /// Example:
    ///
    ///     type Place = { US, Ireland, US }
    ///
    /// Fixed:
    ///
    ///     type Place = { US, Ireland }
    DUPLICATE_VALUE = "E0021", "duplicate-value";

    /// A name is used as a type but no such type is declared.
    ///
    /// Named types come from `type NAME = { ... }` in this file or a used
    /// vocabulary. The built-in types are `bool` and `int LO..HI`.
    ///
    /// Example:
    ///
    ///     attribute location: Plase
    ///
    /// Fixed:
    ///
    ///     attribute location: Place
    UNKNOWN_TYPE = "E0022", "unknown-type";

    /// A name is used as an attribute but no such attribute is declared.
    ///
    /// Example:
    ///
    ///     when locaton = US then compel
    ///
    /// Fixed:
    ///
    ///     when location = US then compel
    UNKNOWN_ATTRIBUTE = "E0023", "unknown-attribute";

    /// A value (or group) does not belong to the type it is used with.
    ///
    /// Values are scoped to their enum: `US` may be a value of `Place` but
    /// not of `instrument`. Groups must be of the attribute's type.
    ///
    /// Example:
    ///
    ///     when location = Dublin then quash
    ///
    /// Fixed:
    ///
    ///     when location = Ireland then quash
    UNKNOWN_VALUE = "E0024", "unknown-value";

    /// A name is used as an outcome but the decision has no such value.
    ///
    /// Outcomes are the values of the policy's `decision`. They appear after
    /// `then`, `default`, `expect` and in `resolve priority`.
    ///
    /// Example:
    ///
    ///     decision outcome: { compel, quash }
    ///     when location = US then compell
    ///
    /// Fixed:
    ///
    ///     when location = US then compel
    UNKNOWN_OUTCOME = "E0025", "unknown-outcome";

    /// A name is used as a rule but no rule of the policy has it.
    ///
    /// Rules are named in `overrides` and in `expect OUTCOME by RULE`.
    /// Only named rules (`rule NAME: ...`) can be referred to. A rule
    /// inherited through `extends` is named `BASE.RULE`, where `BASE` is the
    /// base's `policy` name; a repealed rule can no longer be named.
    ///
    /// Example:
    ///
    ///     rule exception overrides genral: when ... then quash
    ///
    /// Fixed:
    ///
    ///     rule exception overrides general: when ... then quash
    UNKNOWN_RULE = "E0026", "unknown-rule";

    /// An `int LO..HI` range is empty (LO is greater than HI).
    ///
    /// Ranges include both ends, so `int 5..5` has one value.
    ///
    /// Example:
    ///
    ///     attribute content_age_days: int 36500..0
    ///
    /// Fixed:
    ///
    ///     attribute content_age_days: int 0..36500
    EMPTY_RANGE = "E0030", "empty-range";

    /// A comparison does not fit the attribute's type.
    ///
    /// Enum attributes take `=`, `!=`, `in` and `not in` with their own
    /// values or groups; bool attributes stand alone or take `= true` and
    /// `= false`; int attributes take `=`, `!=`, `<`, `<=`, `>`, `>=`, `in`
    /// and `not in` with integers.
    ///
    /// Example (`location` is an enum of places, `content_age_days` an int):
    ///
    ///     when location = 3 then compel
    ///     when content_age_days = US then compel
    ///
    /// Fixed:
    ///
    ///     when location = US then compel
    ///     when content_age_days > 180 then compel
    TYPE_MISMATCH = "E0031", "type-mismatch";

    /// An integer in a comparison lies outside the attribute's range.
    ///
    /// Such a comparison is decided the same way for every case, which is
    /// almost always a mistake (a wrong unit, a missing digit).
    ///
    /// Example:
    ///
    ///     attribute content_age_days: int 0..36500
    ///     when content_age_days > 40000 then compel
    ///
    /// Fixed:
    ///
    ///     when content_age_days > 180 then compel
    OUT_OF_RANGE = "E0032", "value-out-of-range";

    /// A policy has no `decision` in scope.
    ///
    /// The decision's values are the outcomes rules decide. Declare one in
    /// the policy or in a used vocabulary.
    ///
    /// Example:
    ///
    ///     policy p
    ///     when location = US then compel
    ///
    /// Fixed:
    ///
    ///     policy p
    ///     decision outcome: { compel, quash }
    ///     when location = US then compel
    NO_DECISION = "E0033", "missing-decision";

    /// More than one `decision` is in scope.
    ///
    /// A policy decides exactly one question. Both declarations are shown.
    ///
    /// Example:
    ///
    ///     decision outcome: { compel, quash }
    ///     decision review: { yes, no }
    ///
    /// Fixed: keep one decision, or split the policy in two.
    MULTIPLE_DECISIONS = "E0034", "multiple-decisions";

    /// A `resolve priority` list does not name every outcome exactly once.
    ///
    /// The list ranks all the decision's outcomes, highest first.
    ///
    /// Example:
    ///
    ///     decision outcome: { compel, quash, comity_review }
    ///     resolve priority quash > compel
    ///
    /// Fixed:
    ///
    ///     resolve priority quash > comity_review > compel
    BAD_PRIORITY = "E0035", "incomplete-priority";

    /// A rule overrides itself.
    ///
    /// Example:
    ///
    ///     rule comity overrides comity: when ... then comity_review
    ///
    /// Fixed: name the rule it should beat.
    ///
    ///     rule comity overrides compel_anywhere: when ... then comity_review
    SELF_OVERRIDE = "E0036", "self-override";

    /// The `overrides` order has a cycle.
    ///
    /// `overrides` orders rules; the order must be acyclic, or no rule in the
    /// cycle could win. The diagnostic shows every rule in the cycle.
    ///
    /// Example:
    ///
    ///     rule a overrides b: when x then compel
    ///     rule b overrides a: when y then quash
    ///
    /// Fixed: decide which rule is the exception and keep only its
    /// `overrides`.
    OVERRIDE_CYCLE = "E0037", "override-cycle";

    /// A rule claims `regardless X` but its own condition mentions `X`.
    ///
    /// `regardless X` claims the outcome does not depend on `X` wherever the
    /// rule matches; a condition that tests `X` contradicts that claim.
    ///
    /// Example:
    ///
    ///     when location = US then compel regardless location
    ///
    /// Fixed:
    ///
    ///     when instrument = SCA_warrant then compel regardless location
    REGARDLESS_MENTIONED = "E0038", "regardless-mentioned";

    /// A test expects an outcome `by` a rule that gives another outcome.
    ///
    /// `expect O by R` requires R among the rules explaining outcome O, so R
    /// must decide O; otherwise the test can never pass.
    ///
    /// Example:
    ///
    ///     rule warrant: when instrument = SCA_warrant then compel
    ///     test "t": expect quash by warrant
    ///
    /// Fixed:
    ///
    ///     test "t": given instrument = SCA_warrant expect compel by warrant
    EXPECT_BY_MISMATCH = "E0039", "expect-by-mismatch";

    /// Under `resolve strict`, two rules that give different outcomes both
    /// win some case.
    ///
    /// `strict` (the default) promises that winners never disagree. The
    /// diagnostic names both rules and gives a witness case where both match
    /// and neither overrides the other.
    ///
    /// Example:
    ///
    ///     rule warrant: when instrument = SCA_warrant then compel
    ///     rule abroad: when location = Ireland then quash
    ///
    /// Fixed: say which rule is the exception,
    ///
    ///     rule abroad overrides warrant: when location = Ireland then quash
    ///
    /// or choose a strategy: `resolve first` (the earlier rule wins) or
    /// `resolve priority quash > compel`.
    STRICT_CONFLICT = "E0040", "strict-conflict";

    /// A rule claims `regardless X`, but changing `X` alone changes the
    /// decided outcome of a case the rule matches.
    ///
    /// The diagnostic gives two witness cases that differ only in `X`, both
    /// matched by the rule, and the outcome of each. Usually another rule
    /// that tests `X` beats this one on part of its cases.
    ///
    /// Example:
    ///
    ///     rule warrant: when instrument = SCA_warrant then compel regardless location
    ///     rule abroad overrides warrant: when location = Ireland then quash
    ///
    /// Fixed: drop the claim, or narrow the exception so that it does not
    /// touch the rule's cases.
    REGARDLESS_VIOLATED = "E0041", "regardless-violated";

    /// The decision diagram would exceed its budget: its node budget
    /// (`--max-nodes`, default 10,000,000) or its memory budget
    /// (`--max-memory`, default 2 GiB).
    ///
    /// Exact diagrams can grow exponentially on wide policies (many
    /// attributes, rules constraining unrelated ones). The memory budget
    /// counts, in bytes, everything a diagram's construction keeps: the
    /// nodes and the unique table, the computed tables of the operation
    /// under way, the winner states of the fold, the verdicts with their
    /// explaining rules, and the `overrides` order. It is checked before
    /// each of them grows, so the budget is reached as this error, never
    /// as an allocation failure. The diagnostic says how many rules were
    /// compiled when the budget was reached and, for memory, what held it.
    ///
    /// Example: 1,000 random rules over 16 attributes of 4–16 values; or
    /// 40 rules `when xI and yI then …` over 80 bools in declaration
    /// order (`x0 … x39` first), which would take about 2^40 nodes.
    ///
    /// Fixed: try `--order auto`, or `--outcomes-only` (smaller leaves), or
    /// raise `--max-nodes` or `--max-memory`. `writ eval` still decides
    /// such policies with its rule index (`--engine index`).
    DIAGRAM_TOO_LARGE = "E0042", "diagram-too-large";

    /// `writ diff` compares two policies over the union of their
    /// vocabularies, and a name declared on both sides must mean the same on
    /// both: an attribute of the same type (the same enum values in any
    /// order, `bool`, or the same `int` range), and the same decision with
    /// the same outcomes.
    ///
    /// The diagnostic points at both declarations.
    ///
    /// Example: `old.policy` declares `attribute location: { US, Ireland }`
    /// and `new.policy` declares `attribute location: { US, Ireland, other }`.
    ///
    /// Fixed: declare the vocabulary once in a `.vocab` file that both
    /// policies `use`, or rename one of the attributes.
    DIFF_MISMATCH = "E0043", "diff-vocabulary-mismatch";

    /// The policy a file `extends` has errors of its own.
    ///
    /// A base must check cleanly on its own before anything is built on it
    /// (SPEC section 4a): otherwise every mistake in the base would come
    /// back as a cascade of errors in each policy that extends it. The
    /// error points at the `extends`; the base's own errors are reported
    /// with it, at their places in the base. The child is not checked
    /// further until its base is clean.
    ///
    /// Example (`sca_2703.policy` has a rule with an unknown attribute):
    ///
    ///     policy cloud_act_2018
    ///     extends "sca_2703.policy"
    ///
    /// Fixed: fix the base (`writ check sca_2703.policy`), then check the
    /// child again.
    BASE_HAS_ERRORS = "E0044", "base-has-errors";

    /// `repeal` names no rule of the base.
    ///
    /// `repeal BASE.RULE` removes a rule the policy inherits through
    /// `extends`; `BASE` is the `policy` name of the base (or of a policy
    /// further down the chain) and `RULE` the rule's name there. Only
    /// named rules can be repealed, only inherited ones (a policy's own
    /// rules are deleted, not repealed), and only in a policy that
    /// `extends` another. The diagnostic suggests a close name.
    ///
    /// Example:
    ///
    ///     policy cloud_act_2018
    ///     extends "sca_2703.policy"
    ///     repeal sca_2703.warrant_for_contents
    ///
    /// Fixed:
    ///
    ///     repeal sca_2703.warrant_for_content
    UNKNOWN_REPEAL = "E0045", "unknown-repeal";

    /// The same base rule is repealed twice.
    ///
    /// A repeal removes a rule once; a second `repeal` of the same rule is
    /// almost always a copy-and-paste slip for another rule. Both places are
    /// shown.
    ///
    /// Example:
    ///
    ///     repeal sca_2703.warrant_for_content
    ///     repeal sca_2703.warrant_for_content
    ///
    /// Fixed: repeal it once (and check whether another rule was meant).
    REPEATED_REPEAL = "E0046", "repeated-repeal";

    /// A command-line argument names something the input does not have, or
    /// asks for something that cannot be done.
    ///
    /// The message names the argument; where a close name exists it is
    /// suggested. Examples: an attribute in `--order` that the policy does
    /// not declare (or names twice), an outcome in `--why-not` that the
    /// decision does not have, a lint in `--deny` that does not exist, an
    /// unknown code given to `writ explain`, `-o` naming one of the files
    /// the command reads, or `--engine index` on a compiled file (which has
    /// no rules left to index).
    ///
    /// Example:
    ///
    ///     writ compile policies/sca_2703.policy --order locaton
    ///
    /// Fixed:
    ///
    ///     writ compile policies/sca_2703.policy --order location
    ///
    /// Exit status 2, as for every usage error.
    INVALID_ARGUMENT = "E0047", "invalid-argument";

    /// A case given to `writ eval` is not a case of the policy.
    ///
    /// A case is one JSON object from attribute name to value: a string
    /// naming one of the values of an enum attribute, `true` or `false` for
    /// a `bool`, and an integer inside the declared range for an `int`.
    /// The message says what is wrong: text that is not a JSON object, an
    /// attribute the policy does not declare (with a close name when there
    /// is one), a key given twice, a value of the wrong kind (`1.5` or
    /// `"3"` where an integer is expected), or a value outside the
    /// attribute's type. With `--cases`, each bad line gives a
    /// `{"line": N, "error": ...}` record and the other lines are still
    /// decided; the exit status is then 1.
    ///
    /// Example (with `attribute location: { US, Ireland }`):
    ///
    ///     writ eval p.policy --case '{"location": "Dublin"}'
    ///
    /// Fixed:
    ///
    ///     writ eval p.policy --case '{"location": "Ireland"}'
    INVALID_CASE = "E0048", "invalid-case";

    /// A file read as a compiled policy is not one.
    ///
    /// `writ eval` reads a FILE ending in `.json` as a compiled policy: a
    /// `writ.tree/1` or `writ.dag/1` document, as `writ compile` writes it
    /// (SPEC section 5). The message says what is wrong and where: JSON
    /// that does not parse (with its line and column), a missing or
    /// unknown `format`, a missing or mistyped field (named by its path,
    /// such as `attributes[2].values`), a node that tests an unknown
    /// attribute or value, branches that overlap or leave values out, a
    /// leaf naming an unknown outcome or rule, or nodes out of the order
    /// of `attributes`. A document edited by hand, cut short, or written
    /// by another tool is the usual cause.
    ///
    /// Example:
    ///
    ///     writ eval package.json --case '{"role": "admin"}'
    ///
    /// Fixed: name the compiled file, or compile the policy again:
    ///
    ///     writ compile review.policy -o review.json
    ///     writ eval review.json --case '{"role": "admin"}'
    NOT_COMPILED = "E0049", "not-a-compiled-policy";

    /// A `use` or `extends` names a file that writ does not read: outside
    /// the project, by an absolute path, of another kind than `.vocab` or
    /// `.policy`, or not a regular file.
    ///
    /// Policies may come from untrusted hands (a pull request, a shared
    /// workspace), so a policy reads nothing outside its *project*: the
    /// nearest folder at or above the checked file that holds `writ.toml`
    /// or `.git`, else the checked file's own folder, or the folder given
    /// with `--root DIR`. A path that leaves it, through `..` or a symbolic
    /// link (links are resolved before the check), is refused, and so is
    /// an absolute path, a file whose name does not end in `.vocab` or
    /// `.policy`, and a device, a FIFO or a socket. Nothing of such a file
    /// is read, so nothing of it can appear in any output; the message
    /// shows the path as written and the project.
    ///
    /// Example (in `policies/leak.policy`, in a repository):
    ///
    ///     use "../../.ssh/id_rsa"
    ///     use "/etc/passwd"
    ///
    /// Fixed: keep shared vocabularies inside the project and name them
    /// relative to the file that uses them,
    ///
    ///     use "sca.vocab"
    ///
    /// or, to check files that belong together but sit in several folders,
    /// give their common folder with `--root DIR`.
    OUTSIDE_PROJECT = "E0050", "outside-project";

    /// A `REV:PATH` operand names a revision git does not know, or a path
    /// that is not a file at that revision.
    ///
    /// `writ diff` reads an operand as `REV:PATH` when no file exists at
    /// the operand as written and it holds a `:`. It then reads PATH, and
    /// everything PATH `use`s or `extends`, from the revision REV of the
    /// git repository that holds the current folder, never from the
    /// working tree. REV is anything git resolves to a commit or a tree
    /// (`HEAD`, `HEAD~1`, `main`, `origin/main`, a commit id); PATH is
    /// relative to the repository's root, as in `git show REV:PATH`.
    ///
    /// Example:
    ///
    ///     writ diff mian:policies/sca.policy policies/sca.policy
    ///     writ diff HEAD:policies/renamed.policy policies/renamed.policy
    ///
    /// Fixed: name a revision that exists (`git log --oneline`) and a
    /// path that exists there (`git ls-tree -r --name-only REV`):
    ///
    ///     writ diff main:policies/sca.policy policies/sca.policy
    ///     writ diff HEAD:policies/old_name.policy policies/renamed.policy
    UNKNOWN_REVISION = "E0051", "unknown-revision";

    /// A `REV:PATH` operand cannot be read because there is no git to read
    /// it with: the current folder is not inside a git repository, or the
    /// `git` program cannot be run.
    ///
    /// writ reads `REV:PATH` operands by running `git` (found on the
    /// `PATH`) in the current folder, with fixed arguments; it runs nothing
    /// else. An operand with a `:` that names no file is taken for
    /// `REV:PATH`, so a misspelt file name with a colon in it ends here
    /// too.
    ///
    /// Example (outside any repository, or without git installed):
    ///
    ///     writ diff HEAD:policies/sca.policy policies/sca.policy
    ///
    /// Fixed: run writ from inside the repository's working tree, with git
    /// installed, or name two files:
    ///
    ///     cd my-policies && writ diff HEAD:policies/sca.policy policies/sca.policy
    NO_GIT = "E0052", "no-git";

    /// `writ compile --emit svg` was asked for a picture of a tree too
    /// large to draw.
    ///
    /// The picture unfolds the decision diagram into a tree, as the
    /// `writ.tree/1` form does: a sub-tree that several paths share is
    /// drawn once for each path, so the tree can be much larger than the
    /// diagram, exponentially in the worst case. A picture of more than
    /// 500 boxes (questions and leaves) is thousands of pixels tall and no
    /// longer read, so `writ` refuses it, before drawing anything, rather
    /// than write a file of unbounded size. The message gives the number
    /// of boxes the tree would have.
    ///
    /// Example:
    ///
    ///     writ compile payroll.policy --emit svg -o payroll.svg
    ///
    /// Fixed: draw the diagram with each shared sub-tree once, with
    /// Graphviz,
    ///
    ///     writ compile payroll.policy --emit dot | dot -Tsvg -o payroll.svg
    ///
    /// or read it as an indented outline (`--emit text`) or as JSON
    /// (`--emit dag`). `--order auto` may find a smaller diagram, and so a
    /// smaller tree.
    PICTURE_TOO_LARGE = "E0053", "picture-too-large";
    /// `writ doc -o DIR` writes a site of several files (`index.html`,
    /// `style.css`, a page per policy and per comparison) into the folder
    /// DIR, creating it if needed. A DIR that exists and is not a folder
    /// (a policy file, a device) is refused before anything is written, so
    /// that a mistyped command cannot replace a file with a site.
    ///
    /// Example:
    ///
    ///     writ doc magistrate_2014.policy -o magistrate_2014.policy
    ///
    /// Fixed: name a folder, new or existing,
    ///
    ///     writ doc magistrate_2014.policy -o site
    SITE_OUTPUT = "E0054", "site-output-not-a-folder";
}

/// How a lint is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Not reported (and not computed).
    Allow,
    /// Reported as a warning.
    Warn,
    /// Reported as an error: the command fails.
    Deny,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_unique_and_explained() {
        let mut seen = std::collections::HashSet::new();
        for code in ERRORS {
            assert_eq!(code.default_level(), None);
            assert!(seen.insert(code.code), "duplicate code {}", code.code);
            assert!(seen.insert(code.name), "duplicate name {}", code.name);
            let text = code.explain();
            assert!(text.len() > 80, "{} has no real explanation", code.code);
            assert!(!text.starts_with(' '));
        }
    }
}
