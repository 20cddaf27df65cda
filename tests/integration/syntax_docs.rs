//! Every `tandem` code block in docs/language.md parses: whole items as they stand, sync
//! lines (mappings, settings) inside a sync.

use tandem::diagnostics::SourceMap;
use tandem::syntax::parse_spec;

fn syntax_errors(text: &str) -> Vec<String> {
    let mut sources = SourceMap::new();
    sources.add("doc.tandem", text);
    let (_, diags) = parse_spec(&sources);
    diags
        .iter()
        .map(|d| format!("{}: {}", d.code(), d.message()))
        .collect()
}

#[test]
fn language_reference_examples_parse() {
    let doc = std::fs::read_to_string("docs/language.md").expect("docs/language.md exists");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```tandem") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(blocks.len() >= 15, "expected the reference's examples");
    for block in blocks {
        let as_items = syntax_errors(&block);
        if as_items.is_empty() {
            continue;
        }
        let in_sync = syntax_errors(&format!("sync doc: hs.x <-> sf.Y {{\n{block}}}\n"));
        assert!(
            in_sync.is_empty(),
            "this example does not parse:\n{block}\nas items: {as_items:?}\nin a sync: {in_sync:?}"
        );
    }
}
