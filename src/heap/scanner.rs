//! A byte-level JSON scanner over any `Read`, with its own buffer.
//!
//! It never builds a document tree: callers pull the pieces they need (numbers
//! straight into columns, strings into one byte buffer) and skip the rest.
//! Every error carries the absolute byte offset and the current section name.

use super::error::HeapError;
use std::io::{self, Read};

const BUF_SIZE: usize = 1 << 18;
/// Nesting limit for the small values parsed as trees (the `snapshot` header).
const MAX_DEPTH: u32 = 64;

/// A small JSON value: only the `snapshot` header (a few KB) is parsed this way.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

pub struct Scanner<R> {
    src: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// File offset of `buf[0]`.
    base: u64,
    eof: bool,
    path: String,
    pub section: &'static str,
}

pub type Res<T> = Result<T, HeapError>;

impl<R: Read> Scanner<R> {
    pub fn new(src: R, path: &str) -> Self {
        Scanner {
            src,
            buf: vec![0; BUF_SIZE].into_boxed_slice(),
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            path: path.to_string(),
            section: "start",
        }
    }

    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// A format error at the current offset.
    pub fn err(&self, what: impl Into<String>) -> HeapError {
        HeapError::Format {
            path: self.path.clone(),
            section: self.section,
            offset: self.offset(),
            what: what.into(),
            decompressed: false,
        }
    }

    /// Refills the buffer once it is consumed; false at end of input.
    fn fill(&mut self) -> Res<bool> {
        if self.pos < self.end {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        loop {
            match self.src.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(HeapError::Io {
                        path: self.path.clone(),
                        offset: self.base,
                        source: e,
                        decompressed: false,
                    })
                }
            }
        }
    }

    pub fn peek(&mut self) -> Res<Option<u8>> {
        if self.fill()? {
            Ok(Some(self.buf[self.pos]))
        } else {
            Ok(None)
        }
    }

    /// The next byte, or an "unexpected end" error naming what was expected
    /// (built only on error: this runs once per number).
    #[inline]
    pub fn next_byte(&mut self, expected: impl FnOnce() -> String) -> Res<u8> {
        if self.pos < self.end {
            let b = self.buf[self.pos];
            self.pos += 1;
            return Ok(b);
        }
        match self.peek()? {
            Some(b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.err(format!("file ends early, expected {}", expected()))),
        }
    }

    #[inline]
    pub fn skip_ws(&mut self) -> Res<()> {
        if self.pos < self.end && !matches!(self.buf[self.pos], b' ' | b'\n' | b'\r' | b'\t') {
            return Ok(());
        }
        while self.fill()? {
            let rest = &self.buf[self.pos..self.end];
            let n = rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'));
            match n {
                Some(n) => {
                    self.pos += n;
                    return Ok(());
                }
                None => self.pos = self.end,
            }
        }
        Ok(())
    }

    /// Skips whitespace and consumes `want`.
    pub fn expect(&mut self, want: u8) -> Res<()> {
        self.skip_ws()?;
        let what = || format!("'{}'", want as char);
        let got = self.next_byte(what)?;
        if got == want {
            Ok(())
        } else {
            self.pos -= 1;
            Err(self.err(format!("expected {}, found {}", what(), show(got))))
        }
    }

    /// Skips whitespace, then consumes `,` (returns true) or `close` (false).
    #[inline]
    pub fn comma_or(&mut self, close: u8) -> Res<bool> {
        self.skip_ws()?;
        let what = || format!("',' or '{}'", close as char);
        match self.next_byte(what)? {
            b',' => Ok(true),
            b if b == close => Ok(false),
            b => {
                self.pos -= 1;
                Err(self.err(format!("expected {}, found {}", what(), show(b))))
            }
        }
    }

    /// True (and consumed) if the next non-space byte is `close`.
    pub fn at_close(&mut self, close: u8) -> Res<bool> {
        self.skip_ws()?;
        if self.peek()? == Some(close) {
            self.pos += 1;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// A non-negative integer (all a snapshot's arrays hold).
    pub fn read_u64(&mut self) -> Res<u64> {
        self.skip_ws()?;
        let mut v: u64 = 0;
        let mut digits = 0usize;
        while self.fill()? {
            let rest = &self.buf[self.pos..self.end];
            let mut k = 0;
            while k < rest.len() {
                let d = rest[k].wrapping_sub(b'0');
                if d > 9 {
                    break;
                }
                v = v.wrapping_mul(10).wrapping_add(d as u64);
                k += 1;
            }
            self.pos += k;
            digits += k;
            if k < rest.len() {
                break;
            }
        }
        if digits == 0 {
            return Err(match self.peek()? {
                Some(b) => self.err(format!(
                    "expected a non-negative integer, found {}",
                    show(b)
                )),
                None => self.err("file ends early, expected a number"),
            });
        }
        if digits > 19 {
            return Err(self.err(format!("number with {digits} digits is too large")));
        }
        Ok(v)
    }

    /// Reads `[n, n, ...]`, handing each number and its position to `sink`.
    pub fn read_u64_array(
        &mut self,
        mut sink: impl FnMut(u64, u64) -> Result<(), String>,
    ) -> Res<u64> {
        self.expect(b'[')?;
        if self.at_close(b']')? {
            return Ok(0);
        }
        let mut i = 0u64;
        loop {
            // Fast path: "digits [ws] , [ws]" wholly inside the buffer, which
            // is nearly every number. Anything else takes the general path.
            loop {
                let buf = &self.buf[self.pos..self.end];
                let mut j = 0;
                let mut v = 0u64;
                while j < buf.len() && j < 19 {
                    let d = buf[j].wrapping_sub(b'0');
                    if d > 9 {
                        break;
                    }
                    v = v * 10 + d as u64;
                    j += 1;
                }
                if j == 0 || j >= 19 {
                    break;
                }
                let mut k = j;
                while k < buf.len() && is_ws(buf[k]) {
                    k += 1;
                }
                if k >= buf.len() || buf[k] != b',' {
                    break;
                }
                k += 1;
                while k < buf.len() && is_ws(buf[k]) {
                    k += 1;
                }
                if let Err(what) = sink(i, v) {
                    return Err(self.err(what));
                }
                i += 1;
                self.pos += k;
            }
            let v = self.read_u64()?;
            // Input that ends here may have cut the number short: report the
            // end before the sink judges a value the file never held.
            self.skip_ws()?;
            if self.peek()?.is_none() {
                return Err(self.err("file ends early, expected ',' or ']'"));
            }
            if let Err(what) = sink(i, v) {
                return Err(self.err(what));
            }
            i += 1;
            if !self.comma_or(b']')? {
                return Ok(i);
            }
        }
    }

    /// Reads a string (after optional whitespace) and appends its UTF-8 bytes to `out`.
    pub fn read_string_into(&mut self, out: &mut Vec<u8>) -> Res<()> {
        self.expect(b'"')?;
        loop {
            if !self.fill()? {
                return Err(self.err("file ends early, inside a string"));
            }
            let rest = &self.buf[self.pos..self.end];
            match rest.iter().position(|&b| b == b'"' || b == b'\\') {
                None => {
                    out.extend_from_slice(rest);
                    self.pos = self.end;
                }
                Some(n) => {
                    out.extend_from_slice(&rest[..n]);
                    let quote = rest[n] == b'"';
                    self.pos += n + 1;
                    if quote {
                        return Ok(());
                    }
                    self.read_escape(out)?;
                }
            }
        }
    }

    pub fn read_string(&mut self) -> Res<String> {
        let mut out = Vec::new();
        self.read_string_into(&mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn read_escape(&mut self, out: &mut Vec<u8>) -> Res<()> {
        let c = self.next_byte(|| "an escape".into())?;
        self.escape(c, out)
    }

    /// The rest of an escape whose letter `c` was just read.
    fn escape(&mut self, c: u8, out: &mut Vec<u8>) -> Res<()> {
        let simple = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let mut cp = self.hex4()?;
                // A high surrogate and a `\uDC00..` after it are one code
                // point. A surrogate without its pair (JSON.stringify writes
                // a string's lone ones so) is U+FFFD, and what follows it is
                // read as it is, another escape too.
                while (0xD800..0xDC00).contains(&cp) && self.peek()? == Some(b'\\') {
                    self.pos += 1;
                    let next = self.next_byte(|| "an escape".into())?;
                    if next != b'u' {
                        push_char(out, 0xFFFD);
                        return self.escape(next, out);
                    }
                    let lo = self.hex4()?;
                    if (0xDC00..0xE000).contains(&lo) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    } else {
                        push_char(out, 0xFFFD);
                        cp = lo;
                    }
                }
                // A lone surrogate is no char: push_char writes U+FFFD.
                push_char(out, cp);
                return Ok(());
            }
            b => {
                self.pos -= 1;
                return Err(self.err(format!("invalid escape {}", show(b))));
            }
        };
        out.push(simple);
        Ok(())
    }

    fn hex4(&mut self) -> Res<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let b = self.next_byte(|| "a hex digit".into())?;
            let d = (b as char).to_digit(16).ok_or_else(|| {
                self.pos -= 1;
                self.err(format!("expected a hex digit, found {}", show(b)))
            })?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    /// Skips one value of any shape without keeping it.
    pub fn skip_value(&mut self) -> Res<()> {
        let mut depth = 0u64;
        let mut sink = Vec::new();
        loop {
            self.skip_ws()?;
            match self.peek()? {
                None => return Err(self.err("file ends early, expected a value")),
                Some(b'{') | Some(b'[') => {
                    self.pos += 1;
                    depth += 1;
                    continue;
                }
                Some(b'}') | Some(b']') if depth > 0 => {
                    self.pos += 1;
                    depth -= 1;
                }
                Some(b'"') => {
                    sink.clear();
                    self.read_string_into(&mut sink)?;
                    self.skip_ws()?;
                    if depth > 0 && self.peek()? == Some(b':') {
                        self.pos += 1;
                        continue;
                    }
                }
                Some(_) => self.skip_scalar()?,
            }
            if depth == 0 {
                return Ok(());
            }
            self.skip_ws()?;
            if self.peek()? == Some(b',') {
                self.pos += 1;
            }
        }
    }

    fn skip_scalar(&mut self) -> Res<()> {
        let start = self.offset();
        while let Some(b) = self.peek()? {
            if matches!(b, b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z') {
                self.pos += 1;
            } else {
                break;
            }
        }
        if self.offset() == start {
            let b = self.peek()?.unwrap_or(b' ');
            return Err(self.err(format!("expected a value, found {}", show(b))));
        }
        Ok(())
    }

    /// Parses one small value into a tree (used only for the `snapshot` header).
    pub fn parse_value(&mut self) -> Res<Json> {
        self.parse_depth(0)
    }

    fn parse_depth(&mut self, depth: u32) -> Res<Json> {
        if depth > MAX_DEPTH {
            return Err(self.err("values nested too deeply"));
        }
        self.skip_ws()?;
        match self.peek()? {
            None => Err(self.err("file ends early, expected a value")),
            Some(b'"') => Ok(Json::Str(self.read_string()?)),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.at_close(b']')? {
                    loop {
                        items.push(self.parse_depth(depth + 1)?);
                        if !self.comma_or(b']')? {
                            break;
                        }
                    }
                }
                Ok(Json::Arr(items))
            }
            Some(b'{') => {
                self.pos += 1;
                let mut fields = Vec::new();
                if !self.at_close(b'}')? {
                    loop {
                        let k = self.read_string()?;
                        self.expect(b':')?;
                        fields.push((k, self.parse_depth(depth + 1)?));
                        if !self.comma_or(b'}')? {
                            break;
                        }
                    }
                }
                Ok(Json::Obj(fields))
            }
            Some(_) => {
                let mut word = Vec::new();
                while let Some(b) = self.peek()? {
                    if matches!(b, b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z') {
                        word.push(b);
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                let w = String::from_utf8_lossy(&word);
                match &*w {
                    "null" => Ok(Json::Null),
                    "true" => Ok(Json::Bool(true)),
                    "false" => Ok(Json::Bool(false)),
                    _ => w
                        .parse::<f64>()
                        .map(Json::Num)
                        .map_err(|_| self.err(format!("expected a value, found {w:?}"))),
                }
            }
        }
    }
}

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

fn push_char(out: &mut Vec<u8>, cp: u32) {
    let c = char::from_u32(cp).unwrap_or('\u{FFFD}');
    let mut tmp = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

/// A byte as the message shows it.
pub fn show(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc(s: &str) -> Scanner<&[u8]> {
        Scanner::new(s.as_bytes(), "t")
    }

    #[test]
    fn numbers_strings_and_skips() {
        let mut s = sc(r#" [1, 22 ,333] "a\"b\u00e9\ud83d\ude00" {"x":[1,{"y":"z"}],"w":true} 7"#);
        let mut got = Vec::new();
        let n = s.read_u64_array(|i, v| {
            got.push((i, v));
            Ok(())
        });
        assert_eq!(n.unwrap(), 3);
        assert_eq!(got, vec![(0, 1), (1, 22), (2, 333)]);
        assert_eq!(s.read_string().unwrap(), "a\"b\u{e9}\u{1F600}");
        s.skip_value().unwrap();
        assert_eq!(s.read_u64().unwrap(), 7);
    }

    #[test]
    fn header_values_parse_into_a_tree() {
        let mut s = sc(r#"{"a":[1,"b",null],"c":{"d":false}}"#);
        let v = s.parse_value().unwrap();
        assert_eq!(
            v.get("a"),
            Some(&Json::Arr(vec![
                Json::Num(1.0),
                Json::Str("b".into()),
                Json::Null
            ]))
        );
        assert_eq!(
            v.get("c").and_then(|c| c.get("d")),
            Some(&Json::Bool(false))
        );
    }

    #[test]
    fn a_lone_surrogate_escape_reads_as_a_replacement_character() {
        // JSON.stringify writes a JS string's lone surrogates as \u escapes;
        // whatever escape follows one is still read.
        for (text, want) in [
            (r#""a\ud83d\nb""#, "a\u{FFFD}\nb"),
            (r#""a\ud83d\\""#, "a\u{FFFD}\\"),
            (r#""a\ud83d\"""#, "a\u{FFFD}\""),
            (r#""a\ud83d\ud83d\ude00""#, "a\u{FFFD}\u{1F600}"),
            (r#""a\ud83d""#, "a\u{FFFD}"),
            (r#""\ude00z""#, "\u{FFFD}z"),
            (r#""\ud83d\ude00""#, "\u{1F600}"),
        ] {
            assert_eq!(sc(text).read_string().unwrap(), want, "{text}");
        }
    }

    #[test]
    fn errors_name_the_offset() {
        let mut s = sc("[1,2,x]");
        let e = s.read_u64_array(|_, _| Ok(())).unwrap_err();
        assert_eq!(e.offset(), 5);
        assert!(e.to_string().contains("found 'x'"), "{e}");
        let mut s = sc("[1,2");
        let e = s.read_u64_array(|_, _| Ok(())).unwrap_err();
        assert!(e.to_string().contains("file ends early"), "{e}");
        // "2" may be the start of "23": the end wins over the sink's verdict.
        let mut s = sc("[1,2");
        let e = s
            .read_u64_array(|_, v| if v == 2 { Err("two".into()) } else { Ok(()) })
            .unwrap_err();
        assert!(e.to_string().contains("file ends early"), "{e}");
        let mut s = sc("[99999999999999999999]");
        assert!(s.read_u64_array(|_, _| Ok(())).is_err());
    }
}
