//! The part of CBOR (RFC 8949) WebAuthn needs: definite-length items of major types 0-5 and
//! the simple values, nested no deeper than `MAX_DEPTH`. Attestation objects and COSE keys
//! come from the client, so every length is checked against what is left and nothing panics.

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Uint(u64),
    /// A negative integer: -1 - n.
    Nint(u64),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Value>),
    Map(Vec<(Value, Value)>),
    Bool(bool),
    Null,
}

const MAX_DEPTH: usize = 16;

impl Value {
    /// The integer this is, if it is one that fits an i64.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Uint(n) => i64::try_from(*n).ok(),
            Value::Nint(n) => i64::try_from(*n).ok().map(|n| -1 - n),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// A map's value under the integer key `key`.
    pub fn int_key(&self, key: i64) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_int() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A map's value under the text key `key`.
    pub fn text_key(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_text() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Decodes the first item of `bytes`; also answers how many bytes it took.
pub fn decode(bytes: &[u8]) -> Option<(Value, usize)> {
    let mut pos = 0;
    let v = item(bytes, &mut pos, 0)?;
    Some((v, pos))
}

/// Decodes `bytes`, which must hold exactly one item.
pub fn decode_all(bytes: &[u8]) -> Option<Value> {
    match decode(bytes)? {
        (v, used) if used == bytes.len() => Some(v),
        _ => None,
    }
}

fn take<'a>(bytes: &'a [u8], pos: &mut usize, n: usize) -> Option<&'a [u8]> {
    let end = pos.checked_add(n)?;
    let out = bytes.get(*pos..end)?;
    *pos = end;
    Some(out)
}

fn argument(bytes: &[u8], pos: &mut usize, info: u8) -> Option<u64> {
    Some(match info {
        0..=23 => u64::from(info),
        24 => u64::from(take(bytes, pos, 1)?[0]),
        25 => u64::from(u16::from_be_bytes(take(bytes, pos, 2)?.try_into().ok()?)),
        26 => u64::from(u32::from_be_bytes(take(bytes, pos, 4)?.try_into().ok()?)),
        27 => u64::from_be_bytes(take(bytes, pos, 8)?.try_into().ok()?),
        // Indefinite lengths and reserved values: not in WebAuthn's canonical CBOR.
        _ => return None,
    })
}

fn item(bytes: &[u8], pos: &mut usize, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    let head = *take(bytes, pos, 1)?.first()?;
    let (major, info) = (head >> 5, head & 0x1f);
    if major == 7 {
        return match info {
            20 => Some(Value::Bool(false)),
            21 => Some(Value::Bool(true)),
            22 => Some(Value::Null),
            _ => None,
        };
    }
    let arg = argument(bytes, pos, info)?;
    // No count may promise more items or bytes than are left.
    let remaining = bytes.len().saturating_sub(*pos) as u64;
    match major {
        0 => Some(Value::Uint(arg)),
        1 => Some(Value::Nint(arg)),
        2 | 3 => {
            if arg > remaining {
                return None;
            }
            let data = take(bytes, pos, usize::try_from(arg).ok()?)?.to_vec();
            if major == 2 {
                Some(Value::Bytes(data))
            } else {
                String::from_utf8(data).ok().map(Value::Text)
            }
        }
        4 => {
            if arg > remaining {
                return None;
            }
            let mut items = Vec::new();
            for _ in 0..arg {
                items.push(item(bytes, pos, depth + 1)?);
            }
            Some(Value::Array(items))
        }
        5 => {
            if arg.saturating_mul(2) > remaining {
                return None;
            }
            let mut entries = Vec::new();
            for _ in 0..arg {
                let k = item(bytes, pos, depth + 1)?;
                let v = item(bytes, pos, depth + 1)?;
                entries.push((k, v));
            }
            Some(Value::Map(entries))
        }
        _ => None,
    }
}

/// Encoding, for tests that build authenticator output.
#[cfg(test)]
pub fn encode(v: &Value) -> Vec<u8> {
    fn head(out: &mut Vec<u8>, major: u8, n: u64) {
        let m = major << 5;
        if n < 24 {
            out.push(m | n as u8);
        } else if n <= 0xff {
            out.extend([m | 24, n as u8]);
        } else if n <= 0xffff {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        } else {
            out.push(m | 27);
            out.extend(n.to_be_bytes());
        }
    }
    let mut out = Vec::new();
    match v {
        Value::Uint(n) => head(&mut out, 0, *n),
        Value::Nint(n) => head(&mut out, 1, *n),
        Value::Bytes(b) => {
            head(&mut out, 2, b.len() as u64);
            out.extend(b);
        }
        Value::Text(t) => {
            head(&mut out, 3, t.len() as u64);
            out.extend(t.as_bytes());
        }
        Value::Array(items) => {
            head(&mut out, 4, items.len() as u64);
            for i in items {
                out.extend(encode(i));
            }
        }
        Value::Map(entries) => {
            head(&mut out, 5, entries.len() as u64);
            for (k, v) in entries {
                out.extend(encode(k));
                out.extend(encode(v));
            }
        }
        Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Value::Null => out.push(0xf6),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_what_webauthn_uses() {
        let v = Value::Map(vec![
            (Value::Uint(1), Value::Uint(2)),
            (Value::Uint(3), Value::Nint(6)),
            (Value::Nint(0), Value::Uint(1)),
            (Value::Nint(1), Value::Bytes(vec![7; 32])),
            (
                Value::Text("fmt".into()),
                Value::Array(vec![Value::Bool(true), Value::Null, Value::Uint(70000)]),
            ),
        ]);
        let bytes = encode(&v);
        assert_eq!(decode_all(&bytes), Some(v.clone()));
        assert_eq!(v.int_key(3).and_then(Value::as_int), Some(-7));
        assert_eq!(
            v.int_key(-2).and_then(Value::as_bytes).map(<[u8]>::len),
            Some(32)
        );
        // Trailing bytes: `decode` says how much it used, `decode_all` refuses.
        let mut more = bytes.clone();
        more.push(0);
        assert_eq!(decode(&more).map(|(_, n)| n), Some(bytes.len()));
        assert_eq!(decode_all(&more), None);
    }

    #[test]
    fn refuses_malformed_input_without_panicking() {
        for bad in [
            &[][..],
            &[0x5f],                                                 // indefinite byte string
            &[0x5a, 0xff, 0xff, 0xff],                               // length beyond the input
            &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // huge array
            &[0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // huge map
            &[0x62, 0xff, 0xfe],                                     // invalid UTF-8
            &[0xf9, 0x00, 0x00],                                     // half float
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
        // Deep nesting stops at the depth limit.
        let deep = vec![0x81u8; 100];
        assert_eq!(decode(&deep), None);
    }
}
