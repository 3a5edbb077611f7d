//! The comparison as a terminal table that fits a given width.
//!
//! One column per platform does not fit 80 columns once there are more than a few platforms, or
//! once a cell holds a long Env value, so cells wrap (at a space, comma, slash or `=` when one is
//! near, else anywhere between characters: a UTF-8 character is never split), a cell longer than
//! [`MAX_LINES`] lines is elided with `…`, and platforms that do not fit side by side continue in
//! another block below with the same row labels. Rows that differ are marked `*` in the first
//! column, so `grep '^\*'` finds them too.

use super::{Comparison, Row};

/// Lines a cell may take before the rest is elided.
pub const MAX_LINES: usize = 4;
/// The narrowest a platform column gets before platforms move to another block.
const MIN_COLUMN: usize = 14;
const SEPARATOR: &str = "  ";

/// How to draw the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// The terminal's width in characters (80 when unknown).
    pub width: usize,
    /// Only the rows that differ (`--diff`).
    pub diff_only: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            width: 80,
            diff_only: false,
        }
    }
}

/// The table's lines, none wider than `options.width` characters (widths under 40 are drawn as
/// 40).
pub fn render(c: &Comparison, options: RenderOptions) -> Vec<String> {
    let width = options.width.max(40);
    let rows: Vec<&Row> = c
        .rows
        .iter()
        .filter(|r| !options.diff_only || r.differs)
        .collect();
    let mut out = Vec::new();
    if c.columns.is_empty() {
        out.push("no images to compare".to_string());
        return out;
    }
    if rows.is_empty() {
        out.push(format!(
            "no differences between the {} platform(s)",
            c.columns.len()
        ));
        return out;
    }
    let longest_label = rows.iter().map(|r| chars(&r.label)).max().unwrap_or(0);
    let label_w = longest_label.clamp(8, (width / 3).max(12));
    let avail = width - 2 - label_w;
    let per_block = (avail / (MIN_COLUMN + SEPARATOR.len())).clamp(1, c.columns.len());
    let blocks: Vec<Vec<usize>> = (0..c.columns.len())
        .collect::<Vec<_>>()
        .chunks(per_block)
        .map(<[usize]>::to_vec)
        .collect();
    for (b, cols) in blocks.iter().enumerate() {
        if b > 0 {
            out.push(String::new());
        }
        let room = avail / cols.len() - SEPARATOR.len();
        let widest = cols
            .iter()
            .map(|&i| {
                rows.iter()
                    .map(|r| chars(&shown(&r.values[i])))
                    .chain([chars(&c.columns[i])])
                    .max()
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        let col_w = room.min(widest.max(1));
        let heading: Vec<String> = cols.iter().map(|&i| c.columns[i].clone()).collect();
        draw(&mut out, " ", "", &heading, label_w, col_w);
        let rule =
            "-".repeat(label_w) + &(SEPARATOR.to_string() + &"-".repeat(col_w)).repeat(cols.len());
        out.push(format!("  {rule}"));
        for r in &rows {
            let cells: Vec<String> = cols.iter().map(|&i| shown(&r.values[i])).collect();
            draw(
                &mut out,
                if r.differs { "*" } else { " " },
                &r.label,
                &cells,
                label_w,
                col_w,
            );
        }
    }
    if rows.iter().any(|r| r.differs) {
        out.push(String::new());
        out.push("* differs between platforms".to_string());
    }
    out
}

/// A value as a cell shows it: `-` for absent, `""` for empty.
fn shown(v: &Option<String>) -> String {
    match v.as_deref() {
        None => "-".to_string(),
        Some("") => "\"\"".to_string(),
        Some(s) => s.replace(['\n', '\t'], " "),
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// One table row, each cell wrapped to its width; the row takes as many lines as its tallest
/// cell.
fn draw(
    out: &mut Vec<String>,
    mark: &str,
    label: &str,
    cells: &[String],
    label_w: usize,
    col_w: usize,
) {
    let label_lines = wrap(label, label_w);
    let cell_lines: Vec<Vec<String>> = cells.iter().map(|c| wrap(c, col_w)).collect();
    let height = cell_lines
        .iter()
        .map(Vec::len)
        .chain([label_lines.len()])
        .max()
        .unwrap_or(1);
    for line in 0..height {
        let mut s = String::new();
        s.push_str(if line == 0 { mark } else { " " });
        s.push(' ');
        pad(
            &mut s,
            label_lines.get(line).map_or("", String::as_str),
            label_w,
        );
        for c in &cell_lines {
            s.push_str(SEPARATOR);
            pad(&mut s, c.get(line).map_or("", String::as_str), col_w);
        }
        out.push(s.trim_end().to_string());
    }
}

fn pad(s: &mut String, text: &str, w: usize) {
    s.push_str(text);
    for _ in chars(text)..w {
        s.push(' ');
    }
}

/// `text` in lines of at most `w` characters, at most [`MAX_LINES`] of them (the last ending in
/// `…` when some was left out). Breaks after a space, comma, slash or `=` in the second half of
/// a line, else between any two characters.
pub(crate) fn wrap(text: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut rest: Vec<char> = text.chars().collect();
    let mut lines = Vec::new();
    while !rest.is_empty() {
        if lines.len() + 1 == MAX_LINES && rest.len() > w {
            let mut last: String = rest[..w - 1].iter().collect();
            last.push('…');
            lines.push(last);
            return lines;
        }
        if rest.len() <= w {
            lines.push(rest.iter().collect());
            break;
        }
        let cut = (w / 2..w)
            .rev()
            .find(|&i| matches!(rest[i], ' ' | ',' | '/' | '=' | ':'))
            .map_or(w, |i| i + 1);
        let line: String = rest[..cut].iter().collect();
        lines.push(line.trim_end().to_string());
        rest.drain(..cut);
        while rest.first() == Some(&' ') {
            rest.remove(0);
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}
