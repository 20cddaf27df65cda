//! A small XML reader for SOAP envelopes: elements (by local name; namespace prefixes are
//! kept but matching ignores them, since clients pick their own prefixes: `soapenv:`,
//! `s:`, `urn:` or a default namespace), attributes, text with the five entities and
//! character references, CDATA, comments and the XML declaration. No DTDs. Pure.

/// A parsed element.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    /// The local name (`Envelope` for `soapenv:Envelope`).
    pub name: String,
    /// Attributes by local name (`type` for `xsi:type`), values unescaped.
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// The element's text content (concatenated, unescaped).
    pub text: String,
}

impl Element {
    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child with this name, when present and not empty.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|c| c.text.trim().to_string())
            .filter(|t| !t.is_empty())
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `xsi:nil="true"`.
    pub fn is_nil(&self) -> bool {
        self.attribute("nil") == Some("true")
    }
}

/// Why a body is not the XML a SOAP call must be.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlError(pub String);

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

const MAX_DEPTH: usize = 64;

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

/// Parses a document and returns its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = Reader { text, at: 0 };
    reader.skip_prolog()?;
    let root = reader.element(0)?;
    reader.skip_misc()?;
    if reader.at < reader.text.len() {
        return Err(XmlError("content after the root element".into()));
    }
    Ok(root)
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn skip_whitespace(&mut self) {
        let trimmed = self.rest().trim_start();
        self.at = self.text.len() - trimmed.len();
    }

    fn skip_until(&mut self, end: &str) -> Result<(), XmlError> {
        match self.rest().find(end) {
            Some(position) => {
                self.at += position + end.len();
                Ok(())
            }
            None => Err(XmlError(format!(
                "unterminated construct: expected `{end}`"
            ))),
        }
    }

    /// Skips the declaration, comments and whitespace before the root (a BOM too).
    fn skip_prolog(&mut self) -> Result<(), XmlError> {
        if self.rest().starts_with('\u{feff}') {
            self.at += '\u{feff}'.len_utf8();
        }
        self.skip_misc()?;
        if self.rest().starts_with("<!DOCTYPE") {
            return Err(XmlError("DOCTYPE is not allowed in a SOAP message".into()));
        }
        Ok(())
    }

    fn skip_misc(&mut self) -> Result<(), XmlError> {
        loop {
            self.skip_whitespace();
            if self.rest().starts_with("<?") {
                self.skip_until("?>")?;
            } else if self.rest().starts_with("<!--") {
                self.skip_until("-->")?;
            } else {
                return Ok(());
            }
        }
    }

    fn name(&mut self) -> Result<String, XmlError> {
        let end = self
            .rest()
            .find(|c: char| c.is_whitespace() || matches!(c, '>' | '/' | '='))
            .unwrap_or(self.rest().len());
        if end == 0 {
            return Err(XmlError(format!("expected a name at byte {}", self.at)));
        }
        let name = self.rest()[..end].to_string();
        self.at += end;
        Ok(name)
    }

    fn element(&mut self, depth: usize) -> Result<Element, XmlError> {
        if depth > MAX_DEPTH {
            return Err(XmlError("elements nest too deeply".into()));
        }
        if !self.rest().starts_with('<') {
            return Err(XmlError(format!("expected `<` at byte {}", self.at)));
        }
        self.at += 1;
        let qualified = self.name()?;
        let mut element = Element {
            name: local(&qualified).to_string(),
            ..Element::default()
        };
        loop {
            self.skip_whitespace();
            if self.rest().starts_with("/>") {
                self.at += 2;
                return Ok(element);
            }
            if self.rest().starts_with('>') {
                self.at += 1;
                break;
            }
            let attribute = self.name()?;
            self.skip_whitespace();
            if !self.rest().starts_with('=') {
                return Err(XmlError(format!("attribute `{attribute}` has no value")));
            }
            self.at += 1;
            self.skip_whitespace();
            let quote = self
                .rest()
                .chars()
                .next()
                .filter(|c| matches!(c, '"' | '\''))
                .ok_or_else(|| XmlError(format!("attribute `{attribute}` is not quoted")))?;
            self.at += 1;
            let end = self
                .rest()
                .find(quote)
                .ok_or_else(|| XmlError(format!("attribute `{attribute}` is not closed")))?;
            let value = unescape(&self.rest()[..end])?;
            self.at += end + 1;
            if !attribute.starts_with("xmlns") {
                element
                    .attributes
                    .push((local(&attribute).to_string(), value));
            }
        }
        loop {
            if self.rest().is_empty() {
                return Err(XmlError(format!("element `{qualified}` is not closed")));
            }
            if self.rest().starts_with("</") {
                self.at += 2;
                let closing = self.name()?;
                if closing != qualified {
                    return Err(XmlError(format!("`</{closing}>` closes `<{qualified}>`")));
                }
                self.skip_whitespace();
                if !self.rest().starts_with('>') {
                    return Err(XmlError(format!("`</{closing}` is not closed")));
                }
                self.at += 1;
                return Ok(element);
            }
            if self.rest().starts_with("<!--") {
                self.skip_until("-->")?;
            } else if self.rest().starts_with("<![CDATA[") {
                self.at += "<![CDATA[".len();
                let end = self
                    .rest()
                    .find("]]>")
                    .ok_or_else(|| XmlError("unterminated CDATA section".into()))?;
                element.text.push_str(&self.rest()[..end]);
                self.at += end + 3;
            } else if self.rest().starts_with("<?") {
                self.skip_until("?>")?;
            } else if self.rest().starts_with('<') {
                let child = self.element(depth + 1)?;
                element.children.push(child);
            } else {
                let end = self.rest().find('<').unwrap_or(self.rest().len());
                element.text.push_str(&unescape(&self.rest()[..end])?);
                self.at += end;
            }
        }
    }
}

fn unescape(text: &str) -> Result<String, XmlError> {
    if !text.contains('&') {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(position) = rest.find('&') {
        out.push_str(&rest[..position]);
        rest = &rest[position..];
        let end = rest
            .find(';')
            .ok_or_else(|| XmlError("an entity reference is not closed".into()))?;
        let entity = &rest[1..end];
        let decoded = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(decimal) = entity.strip_prefix('#') {
                    decimal.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| XmlError(format!("unknown entity `&{entity};`")))?
            }
        };
        out.push(decoded);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Escapes text for an element or attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_envelope_whatever_the_prefixes() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">
  <soapenv:Header><urn:SessionHeader><urn:sessionId>00D!abc&amp;def</urn:sessionId></urn:SessionHeader></soapenv:Header>
  <soapenv:Body>
    <urn:merge><urn:request><urn:masterRecord xsi:type="Account"><Name><![CDATA[A & B]]></Name></urn:masterRecord>
    <urn:recordToMergeIds>001</urn:recordToMergeIds><urn:recordToMergeIds>002</urn:recordToMergeIds></urn:request></urn:merge>
  </soapenv:Body>
</soapenv:Envelope>"#;
        let root = parse(text).expect("parses");
        assert_eq!(root.name, "Envelope");
        let session = root
            .child("Header")
            .and_then(|h| h.child("SessionHeader"))
            .and_then(|s| s.child_text("sessionId"));
        assert_eq!(session.as_deref(), Some("00D!abc&def"));
        let request = root
            .child("Body")
            .and_then(|b| b.child("merge"))
            .and_then(|m| m.child("request"))
            .expect("request");
        let master = request.child("masterRecord").expect("master");
        assert_eq!(master.attribute("type"), Some("Account"));
        assert_eq!(master.child_text("Name").as_deref(), Some("A & B"));
        assert_eq!(request.children_named("recordToMergeIds").count(), 2);
    }

    #[test]
    fn refuses_broken_documents() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse("<a x=1/>").is_err());
        assert!(parse("<!DOCTYPE a><a/>").is_err());
        assert!(parse("<a>&bogus;</a>").is_err());
        assert_eq!(escape("a<b&\"c\""), "a&lt;b&amp;&quot;c&quot;");
    }
}
