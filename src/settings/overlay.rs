//! A preset laid over settings the user already has: the fields the preset's text names
//! change, every other keeps its value. Loading a layout preset in the editor so leaves the
//! music, the crop centres and the motion switches alone. The merge is done on RON text, field
//! by field (one level into nested groups such as `video: (…)`), so nothing is lost in
//! translation: the result is parsed and validated like any preset.

/// One `key: value` entry of a RON struct, as text.
struct Entry<'a> {
    key: &'a str,
    value: &'a str,
}

/// The text of `preset` laid over `base` (both RON structs): the preset's entries replace
/// the base's of the same key, nested anonymous structs (`video: (…)`) merged one level
/// down. `None` when either is not a RON struct this reads.
#[must_use]
pub fn overlay_text(base: &str, preset: &str) -> Option<String> {
    let (base, preset) = (without_comments(base), without_comments(preset));
    let base_entries = entries(struct_body(&base)?)?;
    let preset_entries = entries(struct_body(&preset)?)?;
    Some(merge(&base_entries, &preset_entries, 0))
}

fn merge(base: &[Entry<'_>], preset: &[Entry<'_>], depth: usize) -> String {
    let mut out = String::from("(");
    let mut push = |key: &str, value: &str| {
        out.push_str(key);
        out.push_str(": ");
        out.push_str(value);
        out.push_str(", ");
    };
    for b in base {
        let value = match preset.iter().find(|p| p.key == b.key) {
            Some(p) if depth == 0 && b.value.starts_with('(') && p.value.starts_with('(') => {
                match (entries(inner(b.value)), entries(inner(p.value))) {
                    (Some(bn), Some(pn)) => merge(&bn, &pn, depth + 1),
                    _ => p.value.to_owned(),
                }
            }
            Some(p) => p.value.to_owned(),
            None => b.value.to_owned(),
        };
        push(b.key, &value);
    }
    // Keys the base does not write out (fields left at None, say) come from the preset.
    for p in preset
        .iter()
        .filter(|p| base.iter().all(|b| b.key != p.key))
    {
        push(p.key, p.value);
    }
    out.push(')');
    out
}

/// What is between a struct's outer parentheses (after extensions such as
/// `#![enable(…)]` and an optional struct name).
fn struct_body(text: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(hash) = text[from..].find("#!").map(|n| from + n) {
        from = text[hash..].find(']').map(|n| hash + n + 1)?;
    }
    let open = text[from..].find('(').map(|n| from + n)?;
    let end = matching(text, open)?;
    Some(&text[open + 1..end])
}

/// `text` with its comments turned into spaces (strings kept as they are).
fn without_comments(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i);
                out.extend_from_slice(&bytes[i..end]);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out.push(b' ');
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                out.resize(out.len() + (end - i), b' ');
                i = end;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    // Only ASCII bytes were replaced, by ASCII spaces.
    String::from_utf8(out).unwrap_or_default()
}

/// The index just past the string that starts at `open` (a `"`).
fn string_end(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The inside of a value that starts with `(`.
fn inner(value: &str) -> &str {
    matching(value, 0).map_or("", |end| &value[1..end])
}

/// The index of the bracket closing the one at `open`, skipping strings.
fn matching(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut scan = Scanner::new(text, open);
    while let Some((i, c)) = scan.next_code() {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The `key: value` entries of a struct's body, split at the commas between them.
fn entries(body: &str) -> Option<Vec<Entry<'_>>> {
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut scan = Scanner::new(body, 0);
    while let Some((i, c)) = scan.next_code() {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.checked_sub(1)?,
            b',' if depth == 0 => {
                spans.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    spans.push((start, body.len()));
    let mut found = Vec::new();
    for (from, to) in spans {
        let piece = body[from..to].trim();
        if piece.is_empty() {
            continue;
        }
        let colon = piece.find(':')?;
        let key = piece[..colon].trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        found.push(Entry {
            key,
            value: piece[colon + 1..].trim(),
        });
    }
    Some(found)
}

/// Walks comment-free RON text byte by byte, skipping strings.
struct Scanner<'a> {
    bytes: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, from: usize) -> Self {
        Self {
            bytes: text.as_bytes(),
            i: from,
        }
    }

    /// The next byte that is code (not inside a string), with its index.
    fn next_code(&mut self) -> Option<(usize, u8)> {
        while self.i < self.bytes.len() {
            let (i, c) = (self.i, self.bytes[self.i]);
            if c == b'"' {
                self.i = string_end(self.bytes, i);
                continue;
            }
            self.i += 1;
            return Some((i, c));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preset_changes_what_it_names_and_nothing_else() {
        let base = "(rows: 6, cols: 6, audio: (file: Some(\"song, live.mp3\"), fade_in_secs: 1.0), \
                    video: (codec: h265, quality_crf: 20, x264_preset: \"faster\"), \
                    motion: (alternate: true, looped: true))";
        let preset = "// 4K\n(\n  rows: 4, // fewer\n  frame: \"uhd\" /* a, b */\n  , video: (quality_crf: 18), // 18\n)";
        let merged = overlay_text(base, preset).unwrap();
        assert_eq!(
            merged,
            "(rows: 4, cols: 6, audio: (file: Some(\"song, live.mp3\"), fade_in_secs: 1.0), \
             video: (codec: h265, quality_crf: 18, x264_preset: \"faster\", ), \
             motion: (alternate: true, looped: true), frame: \"uhd\", )"
        );
    }

    #[test]
    fn text_that_is_not_a_struct_is_refused() {
        assert!(overlay_text("(rows: 1)", "rows: 2").is_none());
        assert!(overlay_text("(rows: 1)", "(rows 2)").is_none());
        assert!(overlay_text("(rows: 1)", "(rows: (2)").is_none());
    }
}
