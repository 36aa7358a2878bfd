//! "Did you mean": the known command closest to a mistyped one.

/// Every command name, aliases included.
const NAMES: &[&str] = &[
    "join", "j", "part", "leave", "msg", "query", "history", "rooms", "list", "who", "names",
    "quit", "exit", "me", "help", "create", "invite", "accept", "decline", "kick", "remove", "ban",
    "unban", "op", "deop", "transfer", "rename", "topic", "delete", "send", "upload", "download",
    "get", "view", "preview", "cancel",
];

/// The known command a mistyped name most likely meant: the only one it is a prefix of, or
/// else the nearest within two edits. Aliases of one letter are never suggested.
pub fn closest(typed: &str) -> Option<&'static str> {
    let typed = typed.to_ascii_lowercase();
    if typed.is_empty() {
        return None;
    }
    let candidates = NAMES.iter().copied().filter(|name| name.len() > 1);
    let mut prefixed = candidates.clone().filter(|name| name.starts_with(&typed));
    if let (Some(only), None) = (prefixed.next(), prefixed.next()) {
        return Some(only);
    }
    candidates
        .map(|name| (edit_distance(&typed, name), name))
        .filter(|&(distance, _)| distance <= 2)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, name)| name)
}

/// Edit distance counting a swap of two neighbours as one edit (optimal string alignment),
/// since swapped letters are the commonest typo.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("join", "join"), 0);
        assert_eq!(edit_distance("jion", "join"), 1);
        assert_eq!(edit_distance("qiut", "list"), 2);
        assert_eq!(edit_distance("jon", "join"), 1);
        assert_eq!(edit_distance("", "who"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("jion"), Some("join"));
        assert_eq!(closest("hist"), Some("history"));
        assert_eq!(closest("QIUT"), Some("quit"));
        assert_eq!(closest("mgs"), Some("msg"));
        assert_eq!(closest("romos"), Some("rooms"));
        assert_eq!(closest("xyzzy"), None);
        assert_eq!(closest(""), None);
    }
}
