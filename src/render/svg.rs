//! `writ compile --emit svg`: a picture of the decision tree, laid out by
//! `writ` itself.
//!
//! In: a [`Header`] and a [`Diagram`], like the compiled forms of
//! [`crate::emit`]. Out: one self-contained `<svg>` element, usable as a
//! `.svg` file and inline in an HTML page: no prolog, no scripts, no
//! external fonts, and no `<style>` element (a stylesheet inside inline SVG
//! would style the whole page), only presentation attributes.
//!
//! The picture is the diagram *unfolded* into a tree, as `writ.tree/1` is,
//! read from the left: each box asks about one attribute, each line to a
//! child is labelled with the values or ranges that lead along it
//! (`Ireland, other_foreign`, `≤ 180`, `18..40`, `all but v5, v7`; the same
//! values the text and DOT forms show), and each leaf gives the outcome
//! and, below it, the ids of the rules that explain it (`(default)` when
//! the default decided). Left to right rather than top down because the
//! labels are words: siblings stack one line apart instead of one word
//! apart, so a tree of forty leaves stays a page tall rather than several
//! screens wide. The layout is [`super::layout::tidy`] along the vertical
//! axis; generations are columns.
//!
//! Outcomes are coloured from the Okabe–Ito palette (distinguishable with
//! the common colour-vision deficiencies), in the order the decision
//! declares them, and always named in text as well; a leaf the default
//! decided has a dashed border and says `(default)`, an undecided leaf is
//! white with a grey dashed border and says `undecided`.
//!
//! Bounded: a tree of more than [`MAX_PICTURE_NODES`] nodes is refused
//! ([`TooLarge`], E0053) before anything is unfolded; every text is cut to
//! a fixed number of characters (the whole text is in the element's
//! `<title>`, itself capped), and a leaf shows at most four lines of rules.
//! Everything is in whole pixels and a pure function of the input.

use super::layout;
use crate::check::{Domain, Policy};
use crate::compile::Diagram;
use crate::diag::{Code, Diagnostic};
use crate::emit::{self, Label, Named};
use crate::names::Header;
use crate::semantics::Verdict;
use crate::source::SourceMap;
use std::fmt::Write;

/// The most nodes (questions and leaves) the unfolded tree of a picture
/// may have. The largest bundled policy has 68; at 500 a picture is
/// already thousands of pixels tall.
pub const MAX_PICTURE_NODES: u64 = 500;

/// A diagram whose unfolded tree is too large to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooLarge {
    /// The nodes the tree would have (saturated at `u128::MAX`).
    pub nodes: u128,
    /// The limit, [`MAX_PICTURE_NODES`].
    pub max: u64,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = if self.nodes == u128::MAX {
            "more than 10^38".to_string()
        } else {
            self.nodes.to_string()
        };
        write!(
            f,
            "the picture of this policy's tree would have {count} boxes, more than the {} \
             a picture can show",
            self.max
        )
    }
}

impl std::error::Error for TooLarge {}

/// The E0053 diagnostic for a policy whose tree is too large to draw.
pub fn too_large(policy: &Policy, e: &TooLarge) -> Diagnostic {
    Diagnostic::error(Code::PICTURE_TOO_LARGE, e.to_string())
        .at(policy.meta.loc.0, "this policy's tree is too large to draw")
        .help(
            "`--emit dot` draws each shared sub-tree once (render it with Graphviz, \
             `dot -Tsvg`); `--emit dag` writes it as JSON",
        )
}

/// The picture of a checked policy's diagram (see [`tree`]).
pub fn to_svg(policy: &Policy, diagram: &Diagram, sources: &SourceMap) -> Result<String, TooLarge> {
    tree(&Header::from_policy(policy, sources), diagram)
}

/// The picture of a diagram's tree: one `<svg>` element ending with a
/// newline; refused when the tree would have more than
/// [`MAX_PICTURE_NODES`] nodes.
pub fn tree(header: &Header, diagram: &Diagram) -> Result<String, TooLarge> {
    Ok(write(header, &picture(header, diagram)?))
}

/// A rectangle in whole pixels, `x` rightwards and `y` downwards from the
/// picture's top left corner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub x: i64,
    /// Top edge.
    pub y: i64,
    /// Width.
    pub w: i64,
    /// Height.
    pub h: i64,
}

impl Rect {
    /// Whether the two rectangles share any area (touching edges do not).
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.w
            && other.x < self.x + self.w
            && self.y < other.y + other.h
            && other.y < self.y + self.h
    }
}

/// The geometry of a picture, before it is written: what [`tree`] draws,
/// exposed so that tests can check it without parsing SVG.
#[derive(Clone, Debug)]
pub struct Picture {
    /// The picture's width.
    pub width: i64,
    /// The picture's height.
    pub height: i64,
    /// Every box (questions and leaves), in preorder of the tree.
    pub boxes: Vec<Rect>,
    /// Every edge label's background, one per edge.
    pub labels: Vec<Rect>,
    /// The heading and legend, above the tree.
    pub heading: Rect,
    nodes: Vec<Node>,
    /// The width of each generation's column of boxes (its widest box).
    columns: Vec<i64>,
    /// The width the legend's rows may take.
    legend_w: i64,
}

/// Text sizes: the body (questions, outcomes, edge labels) and the small
/// lines (rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Size {
    Body,
    Small,
    Heading,
}

impl Size {
    fn px(self) -> i64 {
        match self {
            Size::Body => 13,
            Size::Small => 11,
            Size::Heading => 15,
        }
    }

    /// The advance of one character, rounded up from 0.6 em (the advance of
    /// DejaVu Sans Mono, Menlo, Liberation Mono and Courier; Consolas is
    /// narrower), so that text never leaves its box.
    fn char_width(self) -> i64 {
        match self {
            Size::Body => 8,
            Size::Small => 7,
            Size::Heading => 10,
        }
    }

    fn line_height(self) -> i64 {
        self.px() + 4
    }
}

/// The font stack: monospaced, so that widths can be known without the
/// font's metrics.
const FONT: &str =
    "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', 'Courier New', monospace";

/// The widest text shown on one line, in characters; longer texts are cut
/// with `…` (the whole text is in the element's `<title>`).
const MAX_LINE_CHARS: usize = 40;
/// The most characters of a tooltip (a box's `<title>`), of the picture's
/// `<title>` and of its `<desc>`. Not the whole text: an edge's values can
/// run to the size of an enumeration (hundreds of thousands of names), and
/// a tree repeats an edge in every sub-tree it is in, so whole texts could
/// make a picture of 500 boxes gigabytes long; cut, a picture stays under
/// about a megabyte.
const MAX_TOOLTIP_CHARS: usize = 1000;
/// The most lines of an edge label and of a leaf's rules.
const MAX_LINES: usize = 4;
/// The most outcomes named in the legend.
const MAX_LEGEND: usize = 12;

const MARGIN: i64 = 16;
const PAD_X: i64 = 10;
const PAD_Y: i64 = 5;
/// Between two boxes of one generation.
const GAP: i64 = 10;
/// From a parent's right edge to the vertical line joining its children.
const TRUNK: i64 = 14;
/// From that line to the widest label of the next column, and from each
/// label to its box.
const LABEL_GAP: i64 = 8;

/// Okabe and Ito's colour-blind-safe palette (stroke) and the same colours
/// mixed with 65% white (fill, dark text stays legible on it). The yellow's
/// stroke is darkened (same hue): at full lightness a border of it
/// vanishes on its own fill.
const PALETTE: [(&str, &str); 7] = [
    ("#0072B2", "#A6CEE4"),
    ("#E69F00", "#F6DDA6"),
    ("#009E73", "#A6DDCE"),
    ("#D55E00", "#F0C7A6"),
    ("#CC79A7", "#EDD0E0"),
    ("#56B4E9", "#C4E5F7"),
    ("#B5A500", "#FAF6BD"),
];

/// How a box is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    Question,
    Decided {
        outcome: usize,
        default: bool,
    },
    Undecided,
    Conflict,
    /// The legend's sample of a leaf the default decided, whatever its
    /// outcome: only the dashed border.
    DefaultSample,
}

#[derive(Clone, Debug)]
struct Line {
    text: String,
    size: Size,
    bold: bool,
    italic: bool,
}

impl Line {
    fn new(text: &str, size: Size) -> Line {
        Line {
            text: clip(text, MAX_LINE_CHARS),
            size,
            bold: false,
            italic: false,
        }
    }

    fn width(&self) -> i64 {
        text_width(&self.text, self.size)
    }
}

#[derive(Clone, Debug)]
struct Node {
    depth: usize,
    look: Look,
    lines: Vec<Line>,
    /// The label of the edge from the parent; empty at the root.
    label: Vec<Line>,
    tooltip: String,
    children: Vec<usize>,
}

/// The geometry of [`tree`]'s picture: the tree unfolded, every text
/// measured, laid out. Refused like [`tree`].
pub fn picture(header: &Header, diagram: &Diagram) -> Result<Picture, TooLarge> {
    let nodes = emit::tree_size(diagram);
    if nodes > u128::from(MAX_PICTURE_NODES) {
        return Err(TooLarge {
            nodes,
            max: MAX_PICTURE_NODES,
        });
    }
    let nodes = unfold(header, diagram);
    let size = |lines: &[Line]| -> (i64, i64) {
        let w = lines.iter().map(Line::width).max().unwrap_or(0);
        let h = lines.iter().map(|l| l.size.line_height()).sum::<i64>();
        (w, h)
    };
    let box_size: Vec<(i64, i64)> = nodes
        .iter()
        .map(|n| {
            let (w, h) = size(&n.lines);
            (w + 2 * PAD_X, h + 2 * PAD_Y)
        })
        .collect();
    let label_size: Vec<(i64, i64)> = nodes
        .iter()
        .map(|n| {
            if n.label.is_empty() {
                (0, 0)
            } else {
                let (w, h) = size(&n.label);
                (w + 8, h + 4)
            }
        })
        .collect();
    let depth = nodes.iter().map(|n| n.depth).max().unwrap_or(0) + 1;
    let mut box_w = vec![0i64; depth];
    let mut label_w = vec![0i64; depth];
    for (i, n) in nodes.iter().enumerate() {
        box_w[n.depth] = box_w[n.depth].max(box_size[i].0);
        label_w[n.depth] = label_w[n.depth].max(label_size[i].0);
    }
    // Columns: box_x[d] is where the boxes of generation d start.
    let mut box_x = vec![MARGIN; depth];
    for d in 1..depth {
        box_x[d] = box_x[d - 1] + box_w[d - 1] + TRUNK + LABEL_GAP + label_w[d] + LABEL_GAP;
    }
    let extent: Vec<i64> = (0..nodes.len())
        .map(|i| box_size[i].1.max(label_size[i].1))
        .collect();
    let children: Vec<Vec<usize>> = nodes.iter().map(|n| n.children.clone()).collect();
    let centre = layout::tidy(&children, &extent, GAP);

    let tree_w = box_x[depth - 1] + box_w[depth - 1] - MARGIN;
    let legend_w = tree_w.max(MIN_LEGEND_WIDTH);
    let (heading_w, heading_h) = heading_size(header, &nodes, legend_w);
    let top = MARGIN + heading_h + 2 * GAP;
    let mut boxes = Vec::with_capacity(nodes.len());
    let mut labels = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let (w, h) = box_size[i];
        let x = box_x[n.depth];
        boxes.push(Rect {
            x,
            y: top + centre[i] - h / 2,
            w,
            h,
        });
        if !n.label.is_empty() {
            let (lw, lh) = label_size[i];
            labels.push(Rect {
                x: x - LABEL_GAP - lw,
                y: top + centre[i] - lh / 2,
                w: lw,
                h: lh,
            });
        }
    }
    let right = boxes.iter().map(|b| b.x + b.w).max().unwrap_or(0);
    let bottom = boxes.iter().map(|b| b.y + b.h).max().unwrap_or(0);
    Ok(Picture {
        width: (right + MARGIN).max(heading_w + 2 * MARGIN),
        height: bottom + MARGIN,
        boxes,
        labels,
        heading: Rect {
            x: MARGIN,
            y: MARGIN,
            w: heading_w,
            h: heading_h,
        },
        nodes,
        columns: box_w,
        legend_w,
    })
}

/// The diagram unfolded into a tree, in preorder (children in branch
/// order), with an explicit stack.
fn unfold(header: &Header, diagram: &Diagram) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    // (diagram node, parent in `nodes`, the edge's label and tooltip)
    let mut stack = vec![(diagram.root, None::<usize>, Vec::new(), String::new())];
    while let Some((n, parent, label, edge_tip)) = stack.pop() {
        let id = nodes.len();
        let depth = parent.map_or(0, |p| nodes[p].depth + 1);
        if let Some(p) = parent {
            nodes[p].children.push(id);
        }
        let (look, lines, what) = if emit::is_leaf(diagram, n) {
            leaf(header, emit::verdict(diagram, n))
        } else {
            let attr = diagram.attribute_at(diagram.mdd.level(n));
            let name = &header.attributes[attr].name;
            let mut branches = emit::branches(diagram, n);
            branches.reverse();
            for b in branches {
                let values = edge_values(header, attr, &emit::label(header, diagram, attr, &b));
                let tip = format!("{name}: {}", values.join(", "));
                stack.push((b.child, Some(id), wrap(&values), tip));
            }
            // The question mark tells a question from an outcome at a glance.
            let question = Line::new(&format!("{name}?"), Size::Body);
            (Look::Question, vec![question], name.clone())
        };
        let tooltip = if edge_tip.is_empty() {
            what
        } else {
            format!("{edge_tip} → {what}")
        };
        nodes.push(Node {
            depth,
            look,
            lines,
            label,
            tooltip: clip(&tooltip, MAX_TOOLTIP_CHARS),
            children: Vec::new(),
        });
    }
    nodes
}

/// A leaf's look, its lines and its tooltip.
fn leaf(header: &Header, verdict: &Verdict) -> (Look, Vec<Line>, String) {
    let tooltip = emit::verdict_label(header, verdict, " ");
    let bold = |text: &str| Line {
        bold: true,
        ..Line::new(text, Size::Body)
    };
    let italic = |text: &str, size| Line {
        italic: true,
        ..Line::new(text, size)
    };
    let rules = |lines: &mut Vec<Line>, rules: &[usize]| {
        let shown = if rules.len() > MAX_LINES {
            MAX_LINES - 1
        } else {
            rules.len()
        };
        for &r in &rules[..shown] {
            lines.push(Line::new(&header.rules[r].id, Size::Small));
        }
        if shown < rules.len() {
            lines.push(italic(
                &format!("and {} more rules", rules.len() - shown),
                Size::Small,
            ));
        }
    };
    match verdict {
        Verdict::Decided {
            outcome,
            rules: ids,
            default,
        } => {
            let mut lines = vec![bold(&header.outcomes[*outcome])];
            if *default {
                lines.push(italic("(default)", Size::Small));
            } else {
                rules(&mut lines, ids);
            }
            let look = Look::Decided {
                outcome: *outcome,
                default: *default,
            };
            (look, lines, tooltip)
        }
        Verdict::Undecided => (
            Look::Undecided,
            vec![italic("undecided", Size::Body)],
            tooltip,
        ),
        Verdict::Conflict { rules: ids } => {
            let mut lines = vec![bold("conflict")];
            rules(&mut lines, ids);
            (Look::Conflict, lines, tooltip)
        }
    }
}

/// The values or ranges of a branch, one item each: `Ireland`,
/// `other_foreign`; `all but v5`, `v7`; `≤ 180`; `18..40`, `50`.
fn edge_values(header: &Header, attr: usize, label: &Label) -> Vec<String> {
    match label {
        Label::Values(vs) => match emit::named_values(header, attr, vs) {
            Named::In(names) => names,
            Named::NotIn(mut names) => {
                if let Some(first) = names.first_mut() {
                    *first = format!("all but {first}");
                }
                names
            }
        },
        Label::Ranges(rs) => {
            let (min, max) = match header.attributes[attr].domain {
                Domain::Int { lo, hi } => (lo, hi),
                _ => (i64::MIN, i64::MAX),
            };
            match rs.as_slice() {
                [(lo, hi)] if lo != hi && *lo == min => vec![format!("≤ {hi}")],
                [(lo, hi)] if lo != hi && *hi == max => vec![format!("≥ {lo}")],
                _ => rs
                    .iter()
                    .map(|(lo, hi)| {
                        if lo == hi {
                            lo.to_string()
                        } else {
                            format!("{lo}..{hi}")
                        }
                    })
                    .collect(),
            }
        }
    }
}

/// An edge label's items on lines of at most [`MAX_LINE_CHARS`]
/// characters, at most [`MAX_LINES`] lines (the last says how many items
/// it leaves out).
fn wrap(items: &[String]) -> Vec<Line> {
    // (text, items on it)
    let mut lines: Vec<(String, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let sep = if i + 1 < items.len() { "," } else { "" };
        let piece = format!("{item}{sep}");
        let fits = lines
            .last()
            .is_some_and(|(line, _)| chars(line) + 1 + chars(&piece) <= MAX_LINE_CHARS);
        if let (true, Some((line, n))) = (fits, lines.last_mut()) {
            line.push(' ');
            line.push_str(&piece);
            *n += 1;
        } else if lines.len() > MAX_LINES {
            // Enough to know the label is cut.
            break;
        } else {
            lines.push((piece, 1));
        }
    }
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES - 1);
        let shown: usize = lines.iter().map(|(_, n)| n).sum();
        lines.push((format!("and {} more", items.len() - shown), 0));
    }
    lines
        .iter()
        .map(|(l, _)| Line::new(l, Size::Body))
        .collect()
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `s` cut to at most `max` characters, the last of them `…` when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// The width of a text: east Asian and other wide characters are counted
/// twice (any character from U+1100 on, which overestimates the rest).
fn text_width(s: &str, size: Size) -> i64 {
    s.chars()
        .map(|c| if (c as u32) < 0x1100 { 1 } else { 2 })
        .sum::<i64>()
        * size.char_width()
}

/// The outcomes the tree's leaves show, in declaration order, and whether
/// any leaf is decided by default, undecided or a conflict.
struct Legend {
    outcomes: Vec<usize>,
    default: bool,
    undecided: bool,
    conflict: bool,
}

fn legend(nodes: &[Node]) -> Legend {
    let mut outcomes = Vec::new();
    let mut l = Legend {
        outcomes: Vec::new(),
        default: false,
        undecided: false,
        conflict: false,
    };
    for n in nodes {
        match n.look {
            Look::Decided { outcome, default } => {
                outcomes.push(outcome);
                l.default |= default;
            }
            Look::Undecided => l.undecided = true,
            Look::Conflict => l.conflict = true,
            Look::Question | Look::DefaultSample => {}
        }
    }
    outcomes.sort_unstable();
    outcomes.dedup();
    l.outcomes = outcomes;
    l
}

/// One entry of the legend: a swatch and its text.
struct Entry {
    look: Look,
    text: String,
}

fn legend_entries(header: &Header, nodes: &[Node]) -> Vec<Entry> {
    let l = legend(nodes);
    let mut out: Vec<Entry> = l
        .outcomes
        .iter()
        .take(MAX_LEGEND)
        .map(|&o| Entry {
            look: Look::Decided {
                outcome: o,
                default: false,
            },
            text: clip(&header.outcomes[o], MAX_LINE_CHARS),
        })
        .collect();
    if l.outcomes.len() > MAX_LEGEND {
        out.push(Entry {
            look: Look::Question,
            text: format!("and {} more outcomes", l.outcomes.len() - MAX_LEGEND),
        });
    }
    if l.default {
        out.push(Entry {
            look: Look::DefaultSample,
            text: "(default): no rule applies".to_string(),
        });
    }
    if l.undecided {
        out.push(Entry {
            look: Look::Undecided,
            text: "undecided".to_string(),
        });
    }
    if l.conflict {
        out.push(Entry {
            look: Look::Conflict,
            text: "conflict".to_string(),
        });
    }
    out
}

const SWATCH: i64 = 14;
const ENTRY_GAP: i64 = 20;
const LEGEND_ROW: i64 = 20;
/// The legend wraps at the tree's width, or at this when the tree is
/// narrower.
const MIN_LEGEND_WIDTH: i64 = 900;

/// Where each legend entry goes: its offset from the legend's left edge
/// and its row, entries wrapping onto a new row past `width`.
fn legend_places(entries: &[Entry], width: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(entries.len());
    let (mut x, mut row) = (0, 0);
    for e in entries {
        let w = SWATCH + 6 + text_width(&e.text, Size::Body);
        if x > 0 && x + w > width {
            x = 0;
            row += 1;
        }
        out.push((x, row));
        x += w + ENTRY_GAP;
    }
    out
}

/// The heading's first line: the policy, its title.
fn heading_text(header: &Header) -> String {
    let name = &header.policy.name;
    match &header.policy.title {
        Some(t) => clip(&format!("{name}: {t}"), 2 * MAX_LINE_CHARS),
        None => clip(&format!("policy {name}"), 2 * MAX_LINE_CHARS),
    }
}

/// The second line: how to read the picture.
fn reading_text(header: &Header, nodes: &[Node]) -> String {
    if nodes.len() == 1 {
        return clip(
            &format!(
                "decides {} the same way for every case: the outcome and the rules that explain it",
                header.decision
            ),
            4 * MAX_LINE_CHARS,
        );
    }
    clip(
        &format!(
            "decides {}: read from the left; each box asks about one attribute, \
             each leaf gives the outcome and the rules that explain it",
            header.decision
        ),
        4 * MAX_LINE_CHARS,
    )
}

fn heading_size(header: &Header, nodes: &[Node], legend_w: i64) -> (i64, i64) {
    let title = text_width(&heading_text(header), Size::Heading);
    let reading = text_width(&reading_text(header, nodes), Size::Small);
    let entries = legend_entries(header, nodes);
    let places = legend_places(&entries, legend_w);
    let legend = entries
        .iter()
        .zip(&places)
        .map(|(e, (x, _))| x + SWATCH + 6 + text_width(&e.text, Size::Body))
        .max()
        .unwrap_or(0);
    let rows = places.last().map_or(0, |(_, r)| r + 1);
    let h = Size::Heading.line_height() + Size::Small.line_height() + 6 + rows * LEGEND_ROW;
    (title.max(reading).max(legend), h)
}

/// Escapes text for XML content and attribute values. Characters XML 1.0
/// does not allow (most control characters), noncharacters and
/// bidirectional controls become U+FFFD (see [`super::replaced`]).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if super::replaced(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A policy name made safe for an id.
fn id_prefix(header: &Header) -> String {
    let name: String = header
        .policy
        .name
        .chars()
        .take(MAX_LINE_CHARS)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("writ-{name}")
}

/// (stroke, fill, stroke-width, dash) of a box.
fn style(look: Look) -> (&'static str, &'static str, u32, Option<&'static str>) {
    match look {
        Look::Question => ("#555555", "#FFFFFF", 1, None),
        Look::Decided { outcome, default } => {
            let (stroke, fill) = PALETTE[outcome % PALETTE.len()];
            (stroke, fill, 2, default.then_some("5 3"))
        }
        Look::Undecided => ("#777777", "#FFFFFF", 1, Some("4 3")),
        Look::Conflict => ("#000000", "#FFFFFF", 3, None),
        Look::DefaultSample => ("#000000", "#FFFFFF", 2, Some("5 3")),
    }
}

fn write_rect(out: &mut String, r: &Rect, look: Look) {
    let (stroke, fill, width, dash) = style(look);
    let _ = write!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"{fill}\" \
         stroke=\"{stroke}\" stroke-width=\"{width}\"",
        r.x, r.y, r.w, r.h
    );
    if let Some(d) = dash {
        let _ = write!(out, " stroke-dasharray=\"{d}\"");
    }
    out.push_str("/>\n");
}

/// Lines centred in `r`, top to bottom.
fn write_lines(out: &mut String, r: &Rect, lines: &[Line], colour: &str) {
    let h: i64 = lines.iter().map(|l| l.size.line_height()).sum();
    let mut y = r.y + (r.h - h) / 2;
    let x = r.x + r.w / 2;
    for l in lines {
        // The baseline sits about 0.8 em below the line's top, centring
        // the glyphs' usual height in the line.
        let baseline = y + l.size.px() * 4 / 5 + 2;
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{baseline}\" text-anchor=\"middle\" font-size=\"{}\" fill=\"{colour}\"",
            l.size.px()
        );
        if l.bold {
            out.push_str(" font-weight=\"bold\"");
        }
        if l.italic {
            out.push_str(" font-style=\"italic\"");
        }
        let _ = writeln!(out, ">{}</text>", escape(&l.text));
        y += l.size.line_height();
    }
}

/// Writes the picture.
fn write(header: &Header, p: &Picture) -> String {
    let mut out = String::new();
    let id = id_prefix(header);
    let (w, h) = (p.width, p.height);
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         font-family=\"{}\">",
        escape(FONT)
    );
    let _ = writeln!(
        out,
        "<title id=\"{id}-title\">Decision tree of policy {}</title>",
        escape(&clip(&header.policy.name, MAX_TOOLTIP_CHARS))
    );
    let _ = writeln!(
        out,
        "<desc id=\"{id}-desc\">{}</desc>",
        escape(&desc(header, p))
    );
    let _ = writeln!(out, "<rect width=\"{w}\" height=\"{h}\" fill=\"#FFFFFF\"/>");

    // The heading and the legend.
    let x = p.heading.x;
    let mut y = p.heading.y;
    let _ = writeln!(
        out,
        "<text x=\"{x}\" y=\"{}\" font-size=\"{}\" font-weight=\"bold\" fill=\"#000000\">{}</text>",
        y + Size::Heading.px(),
        Size::Heading.px(),
        escape(&heading_text(header))
    );
    y += Size::Heading.line_height();
    let _ = writeln!(
        out,
        "<text x=\"{x}\" y=\"{}\" font-size=\"{}\" fill=\"#333333\">{}</text>",
        y + Size::Small.px(),
        Size::Small.px(),
        escape(&reading_text(header, &p.nodes))
    );
    y += Size::Small.line_height() + 6;
    out.push_str("<g aria-hidden=\"true\">\n");
    let entries = legend_entries(header, &p.nodes);
    let places = legend_places(&entries, p.legend_w);
    for (e, &(dx, row)) in entries.iter().zip(&places) {
        let (ex, y) = (x + dx, y + row * LEGEND_ROW);
        if e.look != Look::Question {
            let swatch = Rect {
                x: ex,
                y,
                w: SWATCH,
                h: SWATCH,
            };
            write_rect(&mut out, &swatch, e.look);
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"#000000\">{}</text>",
            ex + SWATCH + 6,
            y + SWATCH - 2,
            Size::Body.px(),
            escape(&e.text)
        );
    }
    out.push_str("</g>\n");

    // Edges first, so that labels and boxes are drawn over them.
    out.push_str("<g fill=\"none\" stroke=\"#555555\" stroke-width=\"1.5\">\n");
    for (i, n) in p.nodes.iter().enumerate() {
        let b = &p.boxes[i];
        let (px, py) = (b.x + b.w, b.y + b.h / 2);
        for &c in &n.children {
            let cb = &p.boxes[c];
            let cy = cb.y + cb.h / 2;
            let trunk = b.x + p.columns[n.depth] + TRUNK;
            let _ = writeln!(out, "<path d=\"M{px} {py}H{trunk}V{cy}H{}\"/>", cb.x);
        }
    }
    out.push_str("</g>\n");

    let mut label = 0;
    for (i, n) in p.nodes.iter().enumerate() {
        let _ = writeln!(out, "<g>\n<title>{}</title>", escape(&n.tooltip));
        if !n.label.is_empty() {
            let r = &p.labels[label];
            label += 1;
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#FFFFFF\"/>",
                r.x, r.y, r.w, r.h
            );
            write_lines(&mut out, r, &n.label, "#333333");
        }
        write_rect(&mut out, &p.boxes[i], n.look);
        let colour = if n.look == Look::Undecided {
            "#444444"
        } else {
            "#000000"
        };
        write_lines(&mut out, &p.boxes[i], &n.lines, colour);
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// The text alternative: what the picture shows, in words.
fn desc(header: &Header, p: &Picture) -> String {
    let questions = p.nodes.iter().filter(|n| n.look == Look::Question).count();
    // Outcomes in declaration order, then undecided, then conflicts.
    let mut by_outcome = vec![0usize; header.outcomes.len()];
    let (mut undecided, mut conflict) = (0, 0);
    for n in &p.nodes {
        match n.look {
            Look::Decided { outcome, .. } => by_outcome[outcome] += 1,
            Look::Undecided => undecided += 1,
            Look::Conflict => conflict += 1,
            Look::Question | Look::DefaultSample => {}
        }
    }
    let counts: Vec<(&str, usize)> = header
        .outcomes
        .iter()
        .map(String::as_str)
        .zip(by_outcome)
        .chain([("undecided", undecided), ("conflict", conflict)])
        .filter(|&(_, c)| c > 0)
        .collect();
    let leaves: usize = counts.iter().map(|(_, c)| c).sum();
    let list: Vec<String> = counts
        .iter()
        .take(MAX_LEGEND)
        .map(|(n, c)| format!("{n} {c}"))
        .collect();
    let plural = super::summary::plural;
    let text = if questions == 0 {
        format!(
            "How policy {} decides {}: the same way for every case, one leaf giving the \
             outcome and the rules that explain it ({}).",
            header.policy.name,
            header.decision,
            list.join(", ")
        )
    } else {
        format!(
            "How policy {} decides {}, as a tree read from the left: {questions} {} \
             about attributes, edges labelled with the values that lead along them, and \
             {leaves} {} giving the outcome and the rules that explain it ({}).",
            header.policy.name,
            header.decision,
            plural(questions, "question", "questions"),
            plural(leaves, "leaf", "leaves"),
            list.join(", ")
        )
    };
    clip(&text, MAX_TOOLTIP_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}\n"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD} "
        );
    }

    #[test]
    fn long_texts_are_cut() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abcd", 4), "abcd");
        assert_eq!(text_width("ab", Size::Body), 16);
        assert_eq!(text_width("日本", Size::Body), 32);
    }

    #[test]
    fn labels_wrap_and_say_what_they_leave_out() {
        let items: Vec<String> = (0..100).map(|i| format!("value_{i:03}")).collect();
        let lines = wrap(&items);
        assert_eq!(lines.len(), MAX_LINES);
        assert!(lines.iter().all(|l| chars(&l.text) <= MAX_LINE_CHARS));
        let last = &lines[MAX_LINES - 1].text;
        assert!(
            last.starts_with("and ") && last.ends_with(" more"),
            "{last}"
        );
        let shown: usize = lines[..MAX_LINES - 1]
            .iter()
            .map(|l| l.text.matches("value_").count())
            .sum();
        assert_eq!(last, &format!("and {} more", 100 - shown));
        let short = wrap(&["Ireland".to_string(), "other_foreign".to_string()]);
        assert_eq!(short.len(), 1);
        assert_eq!(short[0].text, "Ireland, other_foreign");
    }
}
