//! YAML read into a small tree that keeps each node's line, with the bounds a spec file needs:
//! tabs in indentation refused up front (YAML forbids them and parsers word that obscurely),
//! nesting depth, alias count and the number of nodes after aliases are expanded (a
//! "billion laughs" file is a few hundred bytes that expand to 10⁹ nodes), and documents.
//!
//! Events come from `saphyr-parser` (a pure-Rust YAML 1.2 parser that never expands aliases
//! itself); the tree is built here so every bound is checked before memory is spent.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

/// Files larger than this are refused before parsing: a list spec is a few kilobytes.
pub const MAX_SPEC_BYTES: usize = 1024 * 1024;
/// Deepest nesting of sequences and mappings.
pub const MAX_DEPTH: usize = 32;
/// Aliases (`*name`) in one file.
pub const MAX_ALIASES: usize = 256;
/// Nodes in one file after aliases are expanded.
pub const MAX_NODES: usize = 100_000;
/// Documents (lists) in one file.
pub const MAX_DOCUMENTS: usize = 256;

/// A node of the tree and the (1-based) line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub value: Value,
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `~`, `null`, or nothing.
    Null,
    /// Any scalar, as written (YAML's `1.0` is the string `1.0`, as a tag must be).
    Scalar(String),
    Seq(Vec<Node>),
    /// Pairs in file order (keys are scalars; anything else is refused where read).
    Map(Vec<(Node, Node)>),
}

impl Node {
    fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(pairs) => pairs.iter().map(|(k, v)| k.size() + v.size()).sum(),
            _ => 0,
        }
    }
}

/// Why the YAML could not be read: the line, the key there (best effort) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub key: String,
    pub message: String,
}

/// The key written on `line` of `text` (`  - image: x` → `image`), or `-` for none.
pub fn key_on_line(text: &str, line: usize) -> String {
    let l = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let l = l.trim_start_matches([' ', '\t', '-']).trim_start();
    match l.split_once(':') {
        Some((k, _)) if !k.trim().is_empty() && !k.contains(['{', '[', '"', '\'']) => {
            k.trim().to_string()
        }
        _ => "-".to_string(),
    }
}

/// The first line indented with a tab (YAML allows only spaces there).
fn tab_indented(text: &str) -> Option<usize> {
    text.lines().position(|l| {
        let indent: &str = &l[..l.len() - l.trim_start_matches([' ', '\t']).len()];
        indent.contains('\t') && !l.trim().is_empty()
    })
}

enum Frame {
    Seq(Vec<Node>, usize, usize),
    Map(Vec<(Node, Node)>, Option<Node>, usize, usize),
}

/// Reads every document of `text` into a tree, within the bounds above.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, YamlError> {
    let err = |line: usize, message: String| YamlError {
        line,
        key: key_on_line(text, line),
        message,
    };
    if text.len() > MAX_SPEC_BYTES {
        return Err(YamlError {
            line: 1,
            key: "-".into(),
            message: format!(
                "the file is {} bytes; a spec may be at most {} KiB",
                text.len(),
                MAX_SPEC_BYTES / 1024
            ),
        });
    }
    if let Some(i) = tab_indented(text) {
        return Err(err(
            i + 1,
            "indented with a tab; YAML indents with spaces only".into(),
        ));
    }
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let (mut nodes, mut aliases) = (0usize, 0usize);
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, span) = match parser.next() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(e)) => return Err(err(e.marker().line().max(1), e.info().to_string())),
        };
        let line = span.start.line().max(1);
        let done: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                if docs.len() >= MAX_DOCUMENTS {
                    return Err(err(line, format!("more than {MAX_DOCUMENTS} documents")));
                }
                None
            }
            Event::Scalar(v, style, anchor, _) => {
                let null = style == ScalarStyle::Plain
                    && matches!(&*v, "" | "~" | "null" | "Null" | "NULL");
                let value = if null {
                    Value::Null
                } else {
                    Value::Scalar(v.into_owned())
                };
                Some((Node { value, line }, anchor))
            }
            Event::Alias(id) => {
                aliases += 1;
                if aliases > MAX_ALIASES {
                    return Err(err(line, format!("more than {MAX_ALIASES} aliases")));
                }
                let Some(target) = anchors.get(&id) else {
                    return Err(err(line, "alias of an unknown anchor".into()));
                };
                let size = target.size();
                if nodes + size > MAX_NODES {
                    return Err(err(
                        line,
                        format!("aliases expand to more than {MAX_NODES} nodes"),
                    ));
                }
                nodes += size - 1;
                let mut n = target.clone();
                n.line = line;
                Some((n, 0))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(line, format!("nested deeper than {MAX_DEPTH} levels")));
                }
                stack.push(match event {
                    Event::SequenceStart(..) => Frame::Seq(Vec::new(), line, anchor),
                    _ => Frame::Map(Vec::new(), None, line, anchor),
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, l, anchor)) => Some((
                    Node {
                        value: Value::Seq(items),
                        line: l,
                    },
                    anchor,
                )),
                _ => return Err(err(line, "unbalanced sequence".into())),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(pairs, _, l, anchor)) => Some((
                    Node {
                        value: Value::Map(pairs),
                        line: l,
                    },
                    anchor,
                )),
                _ => return Err(err(line, "unbalanced mapping".into())),
            },
        };
        let Some((node, anchor)) = done else { continue };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(err(line, format!("more than {MAX_NODES} nodes")));
        }
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => docs.push(node),
            Some(Frame::Seq(items, ..)) => items.push(node),
            Some(Frame::Map(pairs, key, ..)) => match key.take() {
                None => *key = Some(node),
                Some(k) => pairs.push((k, node)),
            },
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(n: &Node) -> &str {
        match &n.value {
            Value::Scalar(s) => s,
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn lines_are_kept_and_documents_split() {
        let docs = parse_documents("image: a\ntags: [1.0, x]\n---\nimage: b\n").unwrap();
        assert_eq!(docs.len(), 2);
        let Value::Map(pairs) = &docs[1].value else {
            panic!()
        };
        assert_eq!(scalar(&pairs[0].0), "image");
        assert_eq!(pairs[0].0.line, 4);
        let Value::Map(pairs) = &docs[0].value else {
            panic!()
        };
        let Value::Seq(tags) = &pairs[1].1.value else {
            panic!()
        };
        assert_eq!(scalar(&tags[0]), "1.0");
    }

    #[test]
    fn tabs_in_indentation_are_named_with_their_line_and_key() {
        let e = parse_documents("image: a\nmanifests:\n\t- image: b\n").unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (3, "image"));
        assert!(e.message.contains("tab"), "{e:?}");
    }

    #[test]
    fn a_billion_laughs_stops_at_the_node_bound() {
        let mut y = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (i, c) in "bcdefghi".chars().enumerate() {
            let prev = (b'a' + i as u8) as char;
            let refs = vec![format!("*{prev}"); 9].join(",");
            y.push_str(&format!("{c}: &{c} [{refs}]\n"));
        }
        let e = parse_documents(&y).unwrap_err();
        assert!(e.message.contains("expand to more than"), "{e:?}");
        assert!(e.line >= 4 && e.line <= 6, "{e:?}");
    }

    #[test]
    fn many_aliases_are_refused() {
        let mut y = String::from("a: &x 1\nb: [");
        y.push_str(&vec!["*x"; MAX_ALIASES + 1].join(","));
        y.push_str("]\n");
        let e = parse_documents(&y).unwrap_err();
        assert!(e.message.contains("aliases"), "{e:?}");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn size_depth_and_syntax_errors_have_lines() {
        let big = "a: b\n".repeat(MAX_SPEC_BYTES / 4);
        assert!(parse_documents(&big).unwrap_err().message.contains("KiB"));
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(parse_documents(&deep)
            .unwrap_err()
            .message
            .contains("deeper"));
        let e = parse_documents("image: a\nmanifests:\n  - image: [b\n").unwrap_err();
        assert!(e.line >= 3, "{e:?}");
    }
}
