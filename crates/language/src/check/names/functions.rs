//! The fixed function library: names and arities. Types are the checker's business; the
//! names stage only needs to know which functions exist and how many arguments they take.

/// One library function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    pub name: &'static str,
    pub min_args: usize,
    /// `None`: any number from `min_args` up.
    pub max_args: Option<usize>,
    /// How it is called, for messages and the language reference.
    pub usage: &'static str,
}

const fn function(
    name: &'static str,
    min_args: usize,
    max_args: Option<usize>,
    usage: &'static str,
) -> Function {
    Function {
        name,
        min_args,
        max_args,
        usage,
    }
}

/// Every function a spec may call, alphabetically.
pub const FUNCTIONS: &[Function] = &[
    function("concat", 1, None, "concat(text, ...)"),
    function("date", 1, Some(2), "date(text[, format])"),
    function("datetime", 1, Some(2), "datetime(text[, format])"),
    function("domain", 1, Some(1), "domain(url_or_email)"),
    function("format_date", 2, Some(2), "format_date(date, format)"),
    function(
        "format_datetime",
        2,
        Some(2),
        "format_datetime(datetime, format)",
    ),
    function("left", 2, Some(2), "left(text, count)"),
    function("lookup", 2, Some(2), "lookup(table, key)"),
    function("lower", 1, Some(1), "lower(text)"),
    function("number", 1, Some(1), "number(text)"),
    function("replace", 3, Some(3), "replace(text, find, replacement)"),
    function("round", 1, Some(2), "round(number[, digits])"),
    function("split", 3, Some(3), "split(text, separator, index)"),
    function("text", 1, Some(1), "text(value)"),
    function("trim", 1, Some(1), "trim(text)"),
    function("truncate", 2, Some(2), "truncate(text, length)"),
    function("upper", 1, Some(1), "upper(text)"),
];

pub fn lookup_function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|function| function.name == name)
}

impl Function {
    pub fn accepts(&self, count: usize) -> bool {
        count >= self.min_args && self.max_args.is_none_or(|max| count <= max)
    }

    /// "1 argument", "1 or 2 arguments", "at least 1 argument".
    pub fn arity_text(&self) -> String {
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        match self.max_args {
            None => format!("at least {} {}", self.min_args, plural(self.min_args)),
            Some(max) if max == self.min_args => format!("{max} {}", plural(max)),
            Some(max) => format!("{} to {max} arguments", self.min_args),
        }
    }
}
