//! SOQL tokens. Keywords are case-insensitive; identifiers keep their spelling.

use super::SoqlError;

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Ident(String),
    Str(String),
    Number(String),
    /// `2024-01-31`, `2024-01-31T10:00:00Z`, `2024-01-31T10:00:00.000+05:00`.
    DateLike(String),
    Comma,
    LParen,
    RParen,
    Colon,
    Op(&'static str),
}

pub fn tokenize(text: &str) -> Result<Vec<Token>, SoqlError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '(' => {
                tokens.push(Token::LParen);
                i += 1;
            }
            ')' => {
                tokens.push(Token::RParen);
                i += 1;
            }
            ':' => {
                tokens.push(Token::Colon);
                i += 1;
            }
            '=' => {
                tokens.push(Token::Op("="));
                i += 1;
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                tokens.push(Token::Op("!="));
                i += 2;
            }
            '<' => match chars.get(i + 1) {
                Some('=') => {
                    tokens.push(Token::Op("<="));
                    i += 2;
                }
                Some('>') => {
                    tokens.push(Token::Op("!="));
                    i += 2;
                }
                _ => {
                    tokens.push(Token::Op("<"));
                    i += 1;
                }
            },
            '>' => {
                if chars.get(i + 1) == Some(&'=') {
                    tokens.push(Token::Op(">="));
                    i += 2;
                } else {
                    tokens.push(Token::Op(">"));
                    i += 1;
                }
            }
            '\'' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(SoqlError::Malformed("unterminated string literal".into()));
                        }
                        Some('\\') => {
                            let escaped = chars.get(i + 1).copied().ok_or_else(|| {
                                SoqlError::Malformed("unterminated string literal".into())
                            })?;
                            value.push(match escaped {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                other => other,
                            });
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(other) => {
                            value.push(*other);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Str(value));
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                // A date: digits '-' digits '-' digits, optionally followed by a time.
                if i < chars.len() && chars[i] == '-' && i - start == 4 {
                    while i < chars.len()
                        && (chars[i].is_ascii_alphanumeric()
                            || matches!(chars[i], '-' | ':' | '.' | '+'))
                    {
                        i += 1;
                    }
                    tokens.push(Token::DateLike(chars[start..i].iter().collect()));
                } else {
                    tokens.push(Token::Number(chars[start..i].iter().collect()));
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.'))
                {
                    i += 1;
                }
                tokens.push(Token::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(SoqlError::Malformed(format!("unexpected token: '{other}'"))),
        }
    }
    Ok(tokens)
}
