//! `:shortcode:` emoji, as GitHub and Slack spell them (`:smile:`, `:+1:`, `:tada:`).
//!
//! Shortcodes are replaced in the input line before a message is sent, so the message
//! carries the emoji itself and every client shows it the same way.

use std::borrow::Cow;

/// Most completions offered for one partial shortcode.
const MAX_COMPLETIONS: usize = 20;

/// `text` with every known `:shortcode:` replaced by its emoji; unknown ones stay as typed.
pub fn replace_shortcodes(text: &str) -> Cow<'_, str> {
    if !text.contains(':') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(':') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find(':').map(|end| (&after[..end], end)) {
            Some((code, end)) if is_code(code) => {
                if let Some(emoji) = emojis::get_by_shortcode(code) {
                    out.push_str(emoji.as_str());
                    rest = &after[end + 1..];
                    continue;
                }
                out.push(':');
                rest = after;
            }
            _ => {
                out.push(':');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Whether text between two colons could be a shortcode: no spaces, not empty.
fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-'))
}

/// Shortcodes that start with `prefix` (without its colon), each written `:code:`, shortest
/// first so that the likeliest comes first.
pub fn complete(prefix: &str) -> Vec<String> {
    if prefix.is_empty() || !is_code(prefix) {
        return Vec::new();
    }
    let mut codes: Vec<&str> = emojis::iter()
        .flat_map(emojis::Emoji::shortcodes)
        .filter(|code| code.starts_with(prefix))
        .collect();
    codes.sort_by_key(|code| (code.len(), *code));
    codes.dedup();
    codes
        .into_iter()
        .take(MAX_COMPLETIONS)
        .map(|code| format!(":{code}:"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_shortcodes_become_emoji() {
        assert_eq!(replace_shortcodes("hi :smile:"), "hi 😄");
        assert_eq!(replace_shortcodes(":+1::tada:"), "👍🎉");
    }

    #[test]
    fn other_colons_stay_as_typed() {
        assert_eq!(replace_shortcodes("at 10:30: ok"), "at 10:30: ok");
        assert_eq!(replace_shortcodes(":nosuchcode: x"), ":nosuchcode: x");
        assert_eq!(replace_shortcodes("a: :smile:"), "a: 😄");
        assert_eq!(replace_shortcodes("trailing:"), "trailing:");
        assert!(matches!(replace_shortcodes("none"), Cow::Borrowed("none")));
    }

    #[test]
    fn partial_shortcodes_complete_shortest_first() {
        let found = complete("smil");
        assert_eq!(found.first().map(String::as_str), Some(":smile:"));
        assert!(found.iter().all(|c| c.starts_with(":smil")));
        assert!(complete("").is_empty());
        assert!(complete("zzzzzz").is_empty());
    }
}
