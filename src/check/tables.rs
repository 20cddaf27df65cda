//! Lookup tables as the checker receives them: already read from disk by the caller (the
//! checker does no IO), parsed here from CSV text.

use std::collections::BTreeMap;

use indexmap::IndexMap;

/// The tables a spec declares, by table name, as the caller loaded them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tables {
    pub by_name: BTreeMap<String, TableInput>,
}

impl Tables {
    pub fn new() -> Self {
        Tables::default()
    }

    pub fn insert(&mut self, name: impl Into<String>, input: TableInput) {
        self.by_name.insert(name.into(), input);
    }
}

/// One table's contents, or why it could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum TableInput {
    /// key -> value, in file order.
    Rows(IndexMap<String, String>),
    /// The file could not be read or parsed; the checker reports it on the table's path.
    Unreadable { reason: String },
}

impl TableInput {
    /// Parses CSV text with a header row and exactly two columns (key, value). Keys must be
    /// unique. Any problem becomes `Unreadable` with a reason naming the line.
    pub fn from_csv(text: &str) -> TableInput {
        match parse_csv(text) {
            Ok(rows) => TableInput::Rows(rows),
            Err(reason) => TableInput::Unreadable { reason },
        }
    }
}

fn parse_csv(text: &str) -> Result<IndexMap<String, String>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|error| format!("invalid CSV header: {error}"))?
        .clone();
    if headers.len() != 2 {
        return Err(format!(
            "the header has {} column(s); a table has exactly two (key,value)",
            headers.len()
        ));
    }
    let mut rows = IndexMap::new();
    for (index, record) in reader.records().enumerate() {
        // Line 1 is the header.
        let line = index + 2;
        let record = record.map_err(|error| format!("line {line}: {error}"))?;
        if record.len() != 2 {
            return Err(format!(
                "line {line} has {} column(s), expected 2",
                record.len()
            ));
        }
        let key = record[0].to_string();
        if rows.contains_key(&key) {
            return Err(format!("line {line}: key \"{key}\" appears twice"));
        }
        rows.insert(key, record[1].to_string());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::TableInput;

    #[test]
    fn two_column_csv_parses_in_file_order() {
        let TableInput::Rows(rows) = TableInput::from_csv("key,value\nb, 2\na,1\n") else {
            panic!("expected rows");
        };
        let pairs: Vec<(&str, &str)> = rows.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("b", "2"), ("a", "1")]);
    }

    #[test]
    fn duplicate_key_names_the_line() {
        let TableInput::Unreadable { reason } = TableInput::from_csv("key,value\na,1\na,2\n")
        else {
            panic!("expected an error");
        };
        assert!(reason.contains("line 3"), "{reason}");
    }

    #[test]
    fn three_columns_are_refused() {
        assert!(matches!(
            TableInput::from_csv("a,b,c\n1,2,3\n"),
            TableInput::Unreadable { .. }
        ));
    }
}
