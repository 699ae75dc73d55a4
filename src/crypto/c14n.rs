//! Exclusive XML canonicalization (`http://www.w3.org/2001/10/xml-exc-c14n#`, without
//! comments) of one element over a parsed `roxmltree` document: the subset XML signatures
//! on SAML messages use. Elements, attributes in canonical order, namespace declarations
//! rendered only where visibly used or named in the InclusiveNamespaces PrefixList, text
//! and attribute values escaped as the spec says; one subtree (the enveloped signature) can
//! be left out.
//!
//! roxmltree keeps namespace URIs but not the prefixes elements and attributes were written
//! with; c14n must reproduce those, so they are read back from the source text through
//! the nodes' positions.

use roxmltree::{Node, NodeId, NodeType};
use std::collections::BTreeMap;

/// The prefix an element was written with ("" for none).
fn element_prefix<'a>(node: Node<'a, '_>) -> &'a str {
    let text = node.document().input_text();
    let start = node.range().start + 1;
    let rest = text.get(start..).unwrap_or_default();
    let qname_end = rest
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(rest.len());
    match rest[..qname_end].split_once(':') {
        Some((prefix, _)) => prefix,
        None => "",
    }
}

/// An attribute's qualified name as written, and its prefix.
fn attribute_qname<'a>(node: Node<'a, '_>, attr: &roxmltree::Attribute<'a, '_>) -> &'a str {
    node.document()
        .input_text()
        .get(attr.range_qname())
        .unwrap_or(attr.name())
}

fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}

fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}

/// The namespace `prefix` is bound to at `node` ("" prefix: the default namespace; "" URI:
/// none).
fn in_scope<'a>(node: Node<'a, '_>, prefix: &str) -> Option<&'a str> {
    node.namespaces()
        .find(|ns| ns.name().unwrap_or_default() == prefix)
        .map(|ns| ns.uri())
}

/// `element` in exclusive canonical form. `inclusive` is the InclusiveNamespaces PrefixList
/// (`#default` names the default namespace); `exclude` a subtree to leave out.
pub fn exclusive(element: Node, inclusive: &[&str], exclude: Option<NodeId>) -> String {
    let inclusive: Vec<&str> = inclusive
        .iter()
        .map(|p| if *p == "#default" { "" } else { *p })
        .collect();
    let mut out = String::new();
    render(element, &inclusive, exclude, &BTreeMap::new(), &mut out);
    out
}

fn render(
    node: Node,
    inclusive: &[&str],
    exclude: Option<NodeId>,
    rendered: &BTreeMap<String, String>,
    out: &mut String,
) {
    let prefix = element_prefix(node);
    // Prefixes this element visibly uses, plus the listed ones in scope.
    let mut wanted: Vec<&str> = vec![prefix];
    let attrs: Vec<_> = node.attributes().collect();
    for a in &attrs {
        if let Some((p, _)) = attribute_qname(node, a).split_once(':') {
            wanted.push(p);
        }
    }
    for p in inclusive {
        if p.is_empty() || in_scope(node, p).is_some() {
            wanted.push(p);
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    let mut now_rendered = rendered.clone();
    let mut decls: Vec<(&str, String)> = Vec::new();
    for p in wanted {
        if p == "xml" {
            continue;
        }
        let uri = in_scope(node, p).unwrap_or_default().to_string();
        let before = rendered.get(p).map(String::as_str);
        // An empty default namespace needs saying only when an output ancestor set another.
        let needed = if p.is_empty() && uri.is_empty() {
            before.is_some_and(|b| !b.is_empty())
        } else {
            before != Some(uri.as_str())
        };
        if needed {
            now_rendered.insert(p.to_string(), uri.clone());
            decls.push((p, uri));
        }
    }
    let name = node.tag_name().name();
    let qname = if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}:{name}")
    };
    out.push('<');
    out.push_str(&qname);
    for (p, uri) in &decls {
        out.push_str(if p.is_empty() { " xmlns" } else { " xmlns:" });
        out.push_str(p);
        out.push_str("=\"");
        escape_attr(uri, out);
        out.push('"');
    }
    let mut sorted: Vec<(&str, &str, &str, &str)> = attrs
        .iter()
        .map(|a| {
            let ns = a.namespace().unwrap_or_default();
            (ns, a.name(), attribute_qname(node, a), a.value())
        })
        .collect();
    sorted.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
    // By namespace URI, then local name; unqualified attributes (no URI) first.
    for (_, _, qname, value) in sorted {
        out.push(' ');
        out.push_str(qname);
        out.push_str("=\"");
        escape_attr(value, out);
        out.push('"');
    }
    out.push('>');
    for child in node.children() {
        match child.node_type() {
            NodeType::Element if Some(child.id()) != exclude => {
                render(child, inclusive, exclude, &now_rendered, out);
            }
            NodeType::Text => escape_text(child.text().unwrap_or_default(), out),
            NodeType::PI => {
                if let Some(pi) = child.pi() {
                    out.push_str("<?");
                    out.push_str(pi.target);
                    if let Some(v) = pi.value {
                        out.push(' ');
                        out.push_str(v);
                    }
                    out.push_str("?>");
                }
            }
            _ => {}
        }
    }
    out.push_str("</");
    out.push_str(&qname);
    out.push('>');
}

#[cfg(test)]
mod tests;
