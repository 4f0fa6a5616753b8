//! nftables rulesets written in a configuration: whether they keep a default-deny firewall.

use crate::index::Assignment;

/// True when `text` (an nftables ruleset) has a base chain on the input hook that drops what
/// it does not accept: the host keeps a default-deny firewall of its own.
pub fn default_deny_input(text: &str) -> bool {
    text.split('{').any(|chain| {
        let body = chain.split('}').next().unwrap_or_default();
        let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
        flat.contains("hook input") && flat.contains("policy drop")
    })
}

/// The assignment writes an nftables ruleset (`networking.nftables.ruleset`,
/// `networking.nftables.tables.<name>.content`) with a default-deny input chain.
pub fn keeps_default_deny(b: &Assignment) -> bool {
    (b.is(&["networking", "nftables", "ruleset"])
        || b.is(&["networking", "nftables", "tables", "*", "content"]))
        && b.value.v.text().is_some_and(default_deny_input)
}
