//! SOQL text -> [`Query`]. A recursive-descent parser over the lexer's tokens.

use super::SoqlError;
use super::lexer::{Token, tokenize};
use crate::clock;

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub select: Vec<SelectItem>,
    /// `SELECT COUNT() FROM ...`
    pub count: bool,
    pub object: String,
    pub filter: Option<Expr>,
    pub order: Vec<OrderItem>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// A selected field: `Email`, a parent field through a relationship, `Account.Name`, or a
/// child relationship subquery, `(SELECT Id, Email FROM Contacts)`, whose `path` is the
/// relationship name (SOQL and SOSL Reference, "Relationship Queries": one level of
/// parent-to-child nesting in the select list).
#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    pub path: String,
    pub subquery: Option<Box<Query>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    pub field: String,
    pub descending: bool,
    pub nulls_last: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Number(f64),
    Bool(bool),
    Null,
    /// Epoch milliseconds of a date (midnight UTC) or datetime literal.
    Instant(i64),
    /// A date literal such as TODAY or LAST_N_DAYS:7: [start, end) in epoch milliseconds.
    Range(i64, i64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp {
        field: String,
        op: CmpOp,
        value: Literal,
    },
    In {
        field: String,
        values: Vec<Literal>,
        negated: bool,
    },
    Like {
        field: String,
        pattern: String,
    },
}

impl Expr {
    /// Every field the expression reads.
    pub fn fields(&self, out: &mut Vec<String>) {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.fields(out);
                b.fields(out);
            }
            Expr::Not(inner) => inner.fields(out),
            Expr::Cmp { field, .. } | Expr::In { field, .. } | Expr::Like { field, .. } => {
                out.push(field.clone())
            }
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    now_ms: i64,
}

/// Parses SOQL; `now_ms` resolves relative date literals (TODAY, LAST_N_DAYS:n).
pub fn parse(text: &str, now_ms: i64) -> Result<Query, SoqlError> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        position: 0,
        now_ms,
    };
    let query = parser.query(false)?;
    if let Some(token) = parser.peek() {
        return Err(unexpected(token));
    }
    Ok(query)
}

fn unexpected(token: &Token) -> SoqlError {
    let text = match token {
        Token::Ident(s) | Token::Number(s) | Token::DateLike(s) => s.clone(),
        Token::Str(s) => format!("'{s}'"),
        Token::Comma => ",".into(),
        Token::LParen => "(".into(),
        Token::RParen => ")".into(),
        Token::Colon => ":".into(),
        Token::Op(op) => op.to_string(),
    };
    SoqlError::Malformed(format!("unexpected token: '{text}'"))
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Ident(s)) if s.eq_ignore_ascii_case(word))
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), SoqlError> {
        if self.keyword(word) {
            self.position += 1;
            Ok(())
        } else {
            match self.peek() {
                Some(token) => Err(unexpected(token)),
                None => Err(SoqlError::Malformed(format!(
                    "unexpected end of query: expecting '{word}'"
                ))),
            }
        }
    }

    fn expect(&mut self, wanted: Token) -> Result<(), SoqlError> {
        match self.next() {
            Some(token) if token == wanted => Ok(()),
            Some(token) => Err(unexpected(&token)),
            None => Err(SoqlError::Malformed("unexpected end of query".into())),
        }
    }

    fn ident(&mut self) -> Result<String, SoqlError> {
        match self.next() {
            Some(Token::Ident(name)) => Ok(name),
            Some(token) => Err(unexpected(&token)),
            None => Err(SoqlError::Malformed(
                "unexpected end of query: expecting a field or object name".into(),
            )),
        }
    }

    fn number(&mut self) -> Result<usize, SoqlError> {
        match self.next() {
            Some(Token::Number(text)) => text
                .parse()
                .map_err(|_| SoqlError::Malformed(format!("invalid number: {text}"))),
            Some(token) => Err(unexpected(&token)),
            None => Err(SoqlError::Malformed(
                "unexpected end of query: expecting a number".into(),
            )),
        }
    }

    /// `nested`: this is a subquery in a select list, where COUNT() and further subqueries
    /// are not allowed.
    fn query(&mut self, nested: bool) -> Result<Query, SoqlError> {
        self.expect_keyword("SELECT")?;
        let mut select = Vec::new();
        let mut count = false;
        if self.keyword("COUNT") && self.tokens.get(self.position + 1) == Some(&Token::LParen) {
            if nested {
                return Err(SoqlError::Malformed(
                    "COUNT() is not supported in a relationship subquery".into(),
                ));
            }
            self.position += 2;
            self.expect(Token::RParen)?;
            count = true;
        } else {
            loop {
                if self.peek() == Some(&Token::LParen) {
                    if nested {
                        return Err(SoqlError::Malformed(
                            "unexpected token: '(': relationship subqueries nest one level only"
                                .into(),
                        ));
                    }
                    self.position += 1;
                    let inner = self.query(true)?;
                    self.expect(Token::RParen)?;
                    select.push(SelectItem {
                        path: inner.object.clone(),
                        subquery: Some(Box::new(inner)),
                    });
                } else {
                    let name = self.ident()?;
                    if name.eq_ignore_ascii_case("FROM") {
                        return Err(SoqlError::Malformed("unexpected token: 'FROM'".into()));
                    }
                    select.push(SelectItem {
                        path: name,
                        subquery: None,
                    });
                }
                if self.peek() == Some(&Token::Comma) {
                    self.position += 1;
                } else {
                    break;
                }
            }
        }
        self.expect_keyword("FROM")?;
        let object = self.ident()?;
        let mut query = Query {
            select,
            count,
            object,
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
        };
        if self.keyword("WHERE") {
            self.position += 1;
            query.filter = Some(self.or_expr()?);
        }
        if self.keyword("ORDER") {
            self.position += 1;
            self.expect_keyword("BY")?;
            loop {
                let field = self.ident()?;
                let mut item = OrderItem {
                    field,
                    descending: false,
                    nulls_last: false,
                };
                if self.keyword("ASC") {
                    self.position += 1;
                } else if self.keyword("DESC") {
                    self.position += 1;
                    item.descending = true;
                    item.nulls_last = true;
                }
                if self.keyword("NULLS") {
                    self.position += 1;
                    if self.keyword("FIRST") {
                        item.nulls_last = false;
                    } else if self.keyword("LAST") {
                        item.nulls_last = true;
                    } else {
                        return Err(SoqlError::Malformed(
                            "expecting FIRST or LAST after NULLS".into(),
                        ));
                    }
                    self.position += 1;
                }
                query.order.push(item);
                if self.peek() == Some(&Token::Comma) {
                    self.position += 1;
                } else {
                    break;
                }
            }
        }
        if self.keyword("LIMIT") {
            self.position += 1;
            query.limit = Some(self.number()?);
        }
        if self.keyword("OFFSET") {
            self.position += 1;
            query.offset = Some(self.number()?);
        }
        Ok(query)
    }

    fn or_expr(&mut self) -> Result<Expr, SoqlError> {
        let mut left = self.and_expr()?;
        while self.keyword("OR") {
            self.position += 1;
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, SoqlError> {
        let mut left = self.not_expr()?;
        while self.keyword("AND") {
            self.position += 1;
            let right = self.not_expr()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> Result<Expr, SoqlError> {
        if self.keyword("NOT") {
            self.position += 1;
            return Ok(Expr::Not(Box::new(self.not_expr()?)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.position += 1;
            let inner = self.or_expr()?;
            self.expect(Token::RParen)?;
            return Ok(inner);
        }
        self.condition()
    }

    fn condition(&mut self) -> Result<Expr, SoqlError> {
        let field = self.ident()?;
        if self.keyword("LIKE") {
            self.position += 1;
            return match self.next() {
                Some(Token::Str(pattern)) => Ok(Expr::Like { field, pattern }),
                Some(token) => Err(unexpected(&token)),
                None => Err(SoqlError::Malformed(
                    "unexpected end of query after LIKE".into(),
                )),
            };
        }
        let negated = if self.keyword("NOT") {
            self.position += 1;
            if !self.keyword("IN") {
                return Err(SoqlError::Malformed("expecting IN after NOT".into()));
            }
            true
        } else {
            false
        };
        if self.keyword("IN") {
            self.position += 1;
            self.expect(Token::LParen)?;
            let mut values = Vec::new();
            loop {
                values.push(self.literal()?);
                match self.next() {
                    Some(Token::Comma) => continue,
                    Some(Token::RParen) => break,
                    Some(token) => return Err(unexpected(&token)),
                    None => {
                        return Err(SoqlError::Malformed(
                            "unexpected end of query in IN list".into(),
                        ));
                    }
                }
            }
            return Ok(Expr::In {
                field,
                values,
                negated,
            });
        }
        let op = match self.next() {
            Some(Token::Op(op)) => match op {
                "=" => CmpOp::Eq,
                "!=" => CmpOp::Ne,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                _ => CmpOp::Ge,
            },
            Some(token) => return Err(unexpected(&token)),
            None => {
                return Err(SoqlError::Malformed(format!(
                    "unexpected end of query after {field}"
                )));
            }
        };
        let value = self.literal()?;
        Ok(Expr::Cmp { field, op, value })
    }

    fn literal(&mut self) -> Result<Literal, SoqlError> {
        match self.next() {
            Some(Token::Str(text)) => Ok(Literal::Str(text)),
            Some(Token::Number(text)) => text
                .parse()
                .map(Literal::Number)
                .map_err(|_| SoqlError::Malformed(format!("invalid number: {text}"))),
            Some(Token::DateLike(text)) => {
                // Salesforce compares datetimes to the second: a literal's milliseconds
                // never make a difference.
                let ms = if text.contains('T') {
                    clock::parse_datetime_ms(&text).map(clock::whole_second_ms)
                } else {
                    clock::parse_date_ms(&text)
                };
                ms.map(Literal::Instant).ok_or_else(|| {
                    SoqlError::Malformed(format!(
                        "line 1:0 no viable alternative at character '{text}'"
                    ))
                })
            }
            Some(Token::Ident(word)) => self.word_literal(&word),
            Some(token) => Err(unexpected(&token)),
            None => Err(SoqlError::Malformed(
                "unexpected end of query: expecting a value".into(),
            )),
        }
    }

    fn word_literal(&mut self, word: &str) -> Result<Literal, SoqlError> {
        const DAY: i64 = 86_400_000;
        let today = clock::day_start_ms(self.now_ms);
        match word.to_ascii_uppercase().as_str() {
            "NULL" => Ok(Literal::Null),
            "TRUE" => Ok(Literal::Bool(true)),
            "FALSE" => Ok(Literal::Bool(false)),
            "TODAY" => Ok(Literal::Range(today, today + DAY)),
            "YESTERDAY" => Ok(Literal::Range(today - DAY, today)),
            "TOMORROW" => Ok(Literal::Range(today + DAY, today + 2 * DAY)),
            upper @ ("LAST_N_DAYS" | "NEXT_N_DAYS") => {
                self.expect(Token::Colon)?;
                let n = self.number()? as i64;
                if upper == "LAST_N_DAYS" {
                    Ok(Literal::Range(today - n * DAY, today + DAY))
                } else {
                    Ok(Literal::Range(today + DAY, today + (n + 1) * DAY))
                }
            }
            _ => Err(SoqlError::Malformed(format!("unexpected token: '{word}'"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_query() {
        let query = parse(
            "SELECT Id, Email, Account.Name FROM Contact WHERE (Email LIKE '%@acme.com' OR LastName IN ('A','B')) AND NOT IsDeleted = true AND SystemModstamp > 2024-01-31T00:00:00Z ORDER BY SystemModstamp DESC NULLS LAST, Id LIMIT 10 OFFSET 5",
            0,
        )
        .expect("parses");
        assert_eq!(query.object, "Contact");
        assert_eq!(query.select.len(), 3);
        assert_eq!(query.order.len(), 2);
        assert!(query.order[0].descending);
        assert_eq!(query.limit, Some(10));
        assert_eq!(query.offset, Some(5));
    }

    #[test]
    fn count_and_date_literals() {
        let query = parse(
            "select count() from Lead where CreatedDate = LAST_N_DAYS:7",
            10 * 86_400_000,
        )
        .expect("parses");
        assert!(query.count);
        assert!(matches!(
            query.filter,
            Some(Expr::Cmp {
                value: Literal::Range(_, _),
                ..
            })
        ));
    }

    #[test]
    fn child_relationship_subqueries_parse() {
        let query = parse(
            "SELECT Id, Name, (SELECT Id, Email FROM Contacts WHERE Email != null ORDER BY Email LIMIT 5) FROM Account",
            0,
        )
        .expect("parses");
        assert_eq!(query.select.len(), 3);
        let child = query.select[2].subquery.as_ref().expect("subquery");
        assert_eq!(query.select[2].path, "Contacts");
        assert_eq!(child.select.len(), 2);
        assert_eq!(child.limit, Some(5));
        assert!(
            parse(
                "SELECT Id, (SELECT Id, (SELECT Id FROM Cases) FROM Contacts) FROM Account",
                0
            )
            .is_err()
        );
        assert!(parse("SELECT Id, (SELECT COUNT() FROM Contacts) FROM Account", 0).is_err());
    }

    #[test]
    fn datetime_literals_compare_to_the_second() {
        let query = parse(
            "SELECT Id FROM Lead WHERE SystemModstamp > 1970-01-01T00:00:01.900Z",
            0,
        )
        .expect("parses");
        assert!(matches!(
            query.filter,
            Some(Expr::Cmp {
                value: Literal::Instant(1000),
                ..
            })
        ));
    }

    #[test]
    fn malformed_queries_say_where() {
        assert!(
            matches!(parse("SELECT FROM Contact", 0), Err(SoqlError::Malformed(m)) if m.contains("FROM"))
        );
        assert!(parse("SELECT Id FROM Contact WHERE", 0).is_err());
        assert!(parse("SELECT Id FROM Contact WHERE Name = 'x", 0).is_err());
        assert!(parse("SELECT Id Contact", 0).is_err());
    }
}
