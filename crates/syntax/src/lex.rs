//! A small lexical scan of spec text: where comments, strings and braces are. The grammar
//! does the real parsing; this scan serves error reporting (unterminated strings, unclosed
//! blocks), error recovery (where top-level items start) and the formatter (comments).

/// A `#` comment: its byte range, without the line break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub start: usize,
    pub end: usize,
}

/// What the scan found in one file.
#[derive(Debug, Default)]
pub struct Scan {
    pub comments: Vec<Comment>,
    /// The opening quote of each string that reaches the end of its line unclosed.
    pub unterminated_strings: Vec<usize>,
    /// Opening braces never closed, innermost last.
    pub unclosed_braces: Vec<usize>,
    /// The first `(`, `[` or `if` that nests deeper than [`MAX_NESTING`], if any.
    pub too_deep: Option<usize>,
}

/// How deeply brackets may nest, and how many `if`s one top-level item may hold. The
/// grammar is recursive, so these bound the parser's stack use on hostile input.
pub const MAX_NESTING: usize = 48;

pub fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut result = Scan::default();
    let mut open_braces: Vec<usize> = Vec::new();
    let mut bracket_depth = 0usize;
    let mut ifs_in_item = 0usize;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'#' => {
                let end = line_end(bytes, index);
                result.comments.push(Comment { start: index, end });
                index = end;
            }
            b'"' => {
                let start = index;
                index += 1;
                let mut closed = false;
                while index < bytes.len() {
                    match bytes[index] {
                        b'\\' if index + 1 < bytes.len() && !is_line_break(bytes[index + 1]) => {
                            index += 2
                        }
                        b'"' => {
                            closed = true;
                            index += 1;
                            break;
                        }
                        b'\n' | b'\r' => break,
                        _ => index += 1,
                    }
                }
                if !closed {
                    result.unterminated_strings.push(start);
                }
            }
            b'{' => {
                open_braces.push(index);
                index += 1;
            }
            b'}' => {
                open_braces.pop();
                if open_braces.is_empty() {
                    ifs_in_item = 0;
                }
                index += 1;
            }
            b'(' | b'[' => {
                bracket_depth += 1;
                if bracket_depth > MAX_NESTING && result.too_deep.is_none() {
                    result.too_deep = Some(index);
                }
                index += 1;
            }
            b')' | b']' => {
                bracket_depth = bracket_depth.saturating_sub(1);
                index += 1;
            }
            byte if byte.is_ascii_alphabetic() || byte == b'_' => {
                let start = index;
                while index < bytes.len()
                    && (bytes[index].is_ascii_alphanumeric() || bytes[index] == b'_')
                {
                    index += 1;
                }
                if &bytes[start..index] == b"if" {
                    ifs_in_item += 1;
                    if ifs_in_item > MAX_NESTING && result.too_deep.is_none() {
                        result.too_deep = Some(start);
                    }
                }
            }
            _ => index += 1,
        }
    }
    result.unclosed_braces = open_braces;
    result
}

fn is_line_break(byte: u8) -> bool {
    byte == b'\n' || byte == b'\r'
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    let mut index = from;
    while index < bytes.len() && !is_line_break(bytes[index]) {
        index += 1;
    }
    index
}

/// Offsets where a top-level item plausibly starts: a line beginning in column 0 with
/// `connection`, `map`, `table`, `sync` or `on` (but not `on delete`, which belongs to a
/// sync). Error recovery resumes parsing at these.
pub fn item_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if starts_item(line) {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

fn starts_item(line: &str) -> bool {
    let word: String = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match word.as_str() {
        "connection" | "map" | "table" | "sync" => true,
        "on" => !line[2..].trim_start().starts_with("delete"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_inside_strings_are_not_comments() {
        let found = scan("a \"# not\" # yes\n");
        assert_eq!(found.comments, vec![Comment { start: 10, end: 15 }]);
        assert!(found.unterminated_strings.is_empty());
    }

    #[test]
    fn unterminated_string_stops_at_line_end() {
        let found = scan("x \"abc\ny \"ok\"");
        assert_eq!(found.unterminated_strings, vec![2]);
    }

    #[test]
    fn unclosed_brace_is_found() {
        let found = scan("sync a { b { } \"}\"");
        assert_eq!(found.unclosed_braces, vec![7]);
    }

    #[test]
    fn deep_brackets_and_long_if_chains_are_flagged() {
        let deep = format!("{}1{}", "(".repeat(60), ")".repeat(60));
        assert_eq!(scan(&deep).too_deep, Some(MAX_NESTING));
        let shallow = format!("{}1{}", "(".repeat(10), ")".repeat(10));
        assert_eq!(scan(&shallow).too_deep, None);
        let ifs = "if a then b else ".repeat(60);
        assert!(scan(&ifs).too_deep.is_some());
    }

    #[test]
    fn on_delete_is_not_an_item_start() {
        let text = "sync a {\non delete ignore\n}\non sf.X.Y changes {\n}\n";
        assert_eq!(item_starts(text), vec![0, 28]);
    }
}
