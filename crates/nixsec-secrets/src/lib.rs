//! nixsec-secrets: private keys, tokens and passwords in files, found with one compiled
//! multi-pattern matcher and reported redacted.
//!
//! # How a file is scanned
//! One `aho-corasick` automaton holds the anchor literals of every pattern (`-----BEGIN `,
//! `AKIA`, `ghp_`, `password`, ...; ASCII case-insensitive). Only where an anchor occurs is the
//! surrounding line (clipped to 4 KiB) handed to the pattern regexes that own that anchor, so
//! the cost on clean data is one linear pass of the automaton. Each candidate then goes
//! through the pattern's own checks: placeholder words, a minimum Shannon entropy where the
//! pattern alone is weak (generic `token=`/`secret=` assignments), a minimum body for private
//! keys, and the allowlist.
//!
//! # Allowlist (documented, see [`ALLOWLIST`] and [`allowlisted_path`])
//! - values published as examples by their vendors (AWS's `AKIAIOSFODNN7EXAMPLE` and
//!   `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`, Stripe/GitHub documentation placeholders);
//! - placeholder values (`changeme`, `password`, `secret`, `example`, `xxxx`, `<...>`,
//!   `${VAR}`, `$VAR`, `@VAR@`, `***`, `null`, `none`, paths such as `/run/secrets/x`);
//! - files under documentation and test-data directories that packages ship (`share/doc`,
//!   `share/man`, `share/info`, `test`, `tests`, `testdata`, `test-data`, `examples`,
//!   `fixtures`): upstream test keys and documented sample configs live there;
//! - password assignments are looked for in configuration-like files only, not in program
//!   sources (`.py`, `.c`, `.rs`, ...), where `password = ...` is code, not a value.
//!
//! # Redaction
//! A [`Hit`] never holds the secret: only its kind, a documented prefix (`AKIA`, `ghp_`),
//! its length, and the key name of an assignment.
#![deny(missing_docs)]

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::Regex;
use serde::Serialize;

/// The catalogue rule a hit belongs to.
pub mod rule {
    /// Plaintext password in `users-groups.json`.
    pub const PLAINTEXT_PASSWORD: &str = "NIX-030";
    /// Password hash in `users-groups.json`.
    pub const PASSWORD_HASH: &str = "NIX-031";
    /// Any other secret in a scanned store path.
    pub const SECRET_IN_STORE: &str = "NIX-034";
    /// `access-tokens` in a nix.conf.
    pub const ACCESS_TOKENS: &str = "NIX-035";
}

/// One secret found (redacted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// Pattern id, such as `aws-access-key-id`.
    pub kind: &'static str,
    /// What it is, in words.
    pub description: &'static str,
    /// The catalogue rule.
    pub rule: &'static str,
    /// 1-based line.
    pub line: u32,
    /// The redacted value (`ghp_…[redacted, 40 chars]`).
    pub redacted: String,
    /// Severity override for hashes (`high` for weak schemes), else `None`.
    pub weak: bool,
    /// The NixOS option that most likely put it there, when the file says.
    pub option: Option<String>,
}

/// How a pattern's candidate is checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// The match is the secret (a documented token format).
    Token,
    /// A private-key header: the body that follows must look like a real key.
    Key,
    /// An assignment `key = value`: value not a placeholder.
    Password,
    /// An assignment whose key is generic (`token`, `secret`): value must also have entropy.
    Entropic,
    /// A URL with a password.
    Url,
    /// `access-tokens` in a nix.conf.
    NixTokens,
    /// A `users-groups.json` field (handled by [`users_groups`]).
    UsersGroups,
}

struct Pattern {
    kind: &'static str,
    description: &'static str,
    anchors: &'static [&'static str],
    regex: &'static str,
    check: Check,
    /// Kept visible in the redacted form (documented prefixes).
    keep: usize,
    /// Only in configuration-like files.
    config_only: bool,
}

const PATTERNS: &[Pattern] = &[
    Pattern {
        kind: "private-key",
        description: "private key (PEM, OpenSSH or PGP)",
        anchors: &["-----BEGIN "],
        regex: r"-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----",
        check: Check::Key,
        keep: 0,
        config_only: false,
    },
    Pattern {
        kind: "putty-private-key",
        description: "PuTTY private key",
        anchors: &["PuTTY-User-Key-File-"],
        regex: r"PuTTY-User-Key-File-[23]: [\w-]+",
        check: Check::Key,
        keep: 0,
        config_only: false,
    },
    Pattern {
        kind: "aws-access-key-id",
        description: "AWS access key id",
        anchors: &["AKIA", "ASIA"],
        regex: r"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b",
        check: Check::Token,
        keep: 4,
        config_only: false,
    },
    Pattern {
        kind: "aws-secret-access-key",
        description: "AWS secret access key",
        anchors: &[
            "aws_secret_access_key",
            "aws-secret-access-key",
            "secretaccesskey",
        ],
        regex: r#"(?i)(?:aws_secret_access_key|aws-secret-access-key|secretaccesskey)["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?:$|[^A-Za-z0-9/+=])"#,
        check: Check::Token,
        keep: 0,
        config_only: false,
    },
    Pattern {
        kind: "github-token",
        description: "GitHub token",
        anchors: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        regex: r"\b((?:gh[pousr]_[A-Za-z0-9]{36,255})|github_pat_[A-Za-z0-9_]{82})\b",
        check: Check::Token,
        keep: 4,
        config_only: false,
    },
    Pattern {
        kind: "gitlab-token",
        description: "GitLab personal access token",
        anchors: &["glpat-"],
        regex: r"\b(glpat-[A-Za-z0-9_\-]{20,})",
        check: Check::Token,
        keep: 6,
        config_only: false,
    },
    Pattern {
        kind: "slack-token",
        description: "Slack token",
        anchors: &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"],
        regex: r"\b(xox[baprs]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,})",
        check: Check::Token,
        keep: 5,
        config_only: false,
    },
    Pattern {
        kind: "slack-webhook",
        description: "Slack incoming webhook URL",
        anchors: &["hooks.slack.com/services/"],
        regex: r"hooks\.slack\.com/services/(T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,})",
        check: Check::Token,
        keep: 0,
        config_only: false,
    },
    Pattern {
        kind: "google-api-key",
        description: "Google API key",
        anchors: &["AIza"],
        regex: r"\b(AIza[0-9A-Za-z_\-]{35})",
        check: Check::Token,
        keep: 4,
        config_only: false,
    },
    Pattern {
        kind: "google-oauth-secret",
        description: "Google OAuth client secret",
        anchors: &["GOCSPX-"],
        regex: r"\b(GOCSPX-[A-Za-z0-9_\-]{28})",
        check: Check::Token,
        keep: 7,
        config_only: false,
    },
    Pattern {
        kind: "stripe-key",
        description: "Stripe live secret key",
        anchors: &["sk_live_", "rk_live_"],
        regex: r"\b((?:sk|rk)_live_[0-9a-zA-Z]{24,})",
        check: Check::Token,
        keep: 8,
        config_only: false,
    },
    Pattern {
        kind: "npm-token",
        description: "npm access token",
        anchors: &["npm_"],
        regex: r"\b(npm_[A-Za-z0-9]{36})\b",
        check: Check::Token,
        keep: 4,
        config_only: false,
    },
    Pattern {
        kind: "pypi-token",
        description: "PyPI upload token",
        anchors: &["pypi-AgEIcHlwaS5vcmc"],
        regex: r"\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})",
        check: Check::Token,
        keep: 5,
        config_only: false,
    },
    Pattern {
        kind: "nix-access-tokens",
        description: "access-tokens in nix.conf",
        anchors: &["access-tokens"],
        regex: r"(?m)^[ \t]*(?:extra-)?access-tokens[ \t]*=[ \t]*(\S[^\r\n]*)",
        check: Check::NixTokens,
        keep: 0,
        config_only: true,
    },
    Pattern {
        kind: "password-assignment",
        description: "password or pre-shared key assignment",
        anchors: &["password", "passwd", "psk", "passphrase"],
        regex: r#"(?i)(?:^|[\s;,{"'])((?:[\w.-]*_)?(?:password|passwd|psk|passphrase|pass))["']?[ \t]*[:=][ \t]*(?:"([^"\r\n]*)"|'([^'\r\n]*)'|([^\s"'#;,]+))"#,
        check: Check::Password,
        keep: 0,
        config_only: true,
    },
    Pattern {
        kind: "secret-assignment",
        description: "token or secret assignment",
        anchors: &[
            "token",
            "secret",
            "api_key",
            "apikey",
            "api-key",
            "access_key",
        ],
        regex: r#"(?i)(?:^|[\s;,{"'])((?:[\w.-]*[_-])?(?:token|secret|api_key|apikey|api-key|access_key|secret_key|client_secret|auth_token))["']?[ \t]*[:=][ \t]*(?:"([^"\r\n]*)"|'([^'\r\n]*)'|([^\s"'#;,]+))"#,
        check: Check::Entropic,
        keep: 0,
        config_only: true,
    },
    Pattern {
        kind: "url-credentials",
        description: "URL with a password",
        anchors: &["://"],
        regex: r#"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://([^\s:@/'"<>]{1,64}):([^\s@/'"<>]{1,128})@[A-Za-z0-9.\-\[\]]+"#,
        check: Check::Url,
        keep: 0,
        config_only: true,
    },
    Pattern {
        kind: "users-groups",
        description: "password field in users-groups.json",
        anchors: &[
            "\"password\"",
            "\"initialPassword\"",
            "\"hashedPassword\"",
            "\"initialHashedPassword\"",
        ],
        regex: r#""(password|initialPassword|hashedPassword|initialHashedPassword)"\s*:\s*"((?:[^"\\]|\\.)*)""#,
        check: Check::UsersGroups,
        keep: 0,
        config_only: false,
    },
];

/// Every pattern's regex (Rust `regex` syntax, as ripgrep uses), for benchmarks that run
/// another tool with the same patterns.
#[must_use]
pub fn pattern_regexes() -> Vec<&'static str> {
    PATTERNS.iter().map(|p| p.regex).collect()
}

/// Values vendors publish as examples, and common placeholders (compared lowercase).
pub const ALLOWLIST: &[&str] = &[
    "akiaiosfodnn7example",
    "wjalrxutnfemi/k7mdeng/bpxrficyexamplekey",
    "changeme",
    "change-me",
    "change_me",
    "changeit",
    "password",
    "passw0rd",
    "secret",
    "example",
    "placeholder",
    "your-password",
    "yourpassword",
    "your_password",
    "mypassword",
    "my-secret",
    "none",
    "null",
    "nil",
    "true",
    "false",
    "yes",
    "no",
    "required",
    "optional",
    "undefined",
    "empty",
    "test",
    "foobar",
    "redacted",
    "hunter2",
    "dummy",
    "xyzzy",
];

/// Files that packages ship with public keys in them, by file name (documented: the Google
/// Cloud SDK's crash-reporting API keys in `googlecloudsdk/command_lib/crash_handling.py`).
const PUBLIC_FILES: &[&str] = &["crash_handling.py", "crash_handling.cpython-"];

/// Path components under which packages ship documentation, examples and test data.
const DOC_DIRS: &[&str] = &[
    "dummyserver", // urllib3's test server certificates and keys
    "doc",
    "docs",
    "man",
    "info",
    "test",
    "tests",
    "testdata",
    "test-data",
    "examples",
    "example",
    "fixtures",
    "testing",
    "__tests__",
    "spec",
];

/// Program-source extensions: an assignment there is code, not configuration.
const SOURCE_EXT: &[&str] = &[
    "py", "pyc", "pl", "pm", "rb", "js", "mjs", "cjs", "ts", "c", "h", "cc", "cpp", "hpp", "rs",
    "go", "java", "php", "lua", "tcl", "el", "elc", "scm", "nix", "md", "rst", "txt", "html",
    "htm", "1", "3", "5", "8", "gz", "so", "a", "o", "pod", "hs", "ml", "kt", "swift", "cs", "vim",
    "sh", "bash", "zsh", "fish", "awk", "m4", "in", "am", "ac", "texi", "tex", "tm",
];

/// True when a file path (inside a store path) is under a documentation or test-data directory.
#[must_use]
pub fn allowlisted_path(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    PUBLIC_FILES.iter().any(|p| name.starts_with(p))
        || rel
            .split('/')
            .any(|c| DOC_DIRS.contains(&c) || c.ends_with(".dist-info"))
}

fn is_config_like(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => {
            !SOURCE_EXT.contains(&ext.to_ascii_lowercase().as_str())
        }
        _ => true,
    }
}

/// Placeholder checks shared by assignments and URLs.
#[must_use]
pub fn is_placeholder(v: &str) -> bool {
    let l = v.trim().to_ascii_lowercase();
    l.len() < 4
        || ALLOWLIST.contains(&l.as_str())
        || l.contains("example")
        || l.contains("changeme")
        || l.contains("placeholder")
        || l.contains("xxxx")
        || l.contains("my-secret")
        || l.contains("my-project")
        || l.contains("your-")
        || l.ends_with('=')
        || l.contains("****")
        || l.contains("...")
        || l.contains("${")
        || l.starts_with('$')
        || l.starts_with('%')
        || l.starts_with('@')
        || l.starts_with('<')
        || l.starts_with('{')
        || l.starts_with('/')
        || l.starts_with("./")
        || l.starts_with("~/")
        || l.starts_with("file:")
        || l.starts_with("env:")
        || l.starts_with("ext:")
        || l.contains('(')
        || l.chars().all(|c| c == l.chars().next().unwrap_or(' '))
}

/// Shannon entropy in bits per character.
#[must_use]
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// `value` redacted: the first `keep` characters (a documented prefix) and its length.
#[must_use]
pub fn redact(value: &str, keep: usize) -> String {
    let n = value.chars().count();
    let shown: String = value.chars().take(keep.min(n.saturating_sub(4))).collect();
    format!("{shown}…[redacted, {n} chars]")
}

/// The compiled matcher (build once, share between threads).
pub struct Scanner {
    /// Every anchor (configuration-like text files).
    ac: AhoCorasick,
    /// Anchor index → pattern index.
    owner: Vec<usize>,
    /// Anchors of the patterns that apply everywhere (binaries, sources).
    ac_any: AhoCorasick,
    owner_any: Vec<usize>,
    regexes: Vec<Regex>,
}

impl Default for Scanner {
    fn default() -> Self {
        Self::new()
    }
}

/// Lines longer than this are clipped around the anchor before the regexes run.
const WINDOW: usize = 4096;

impl Scanner {
    /// Compile every pattern.
    ///
    /// # Panics
    /// Never on input: the patterns are constants checked by the tests.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new() -> Self {
        let mut anchors = Vec::new();
        let mut owner = Vec::new();
        for (i, p) in PATTERNS.iter().enumerate() {
            for a in p.anchors {
                anchors.push(*a);
                owner.push(i);
            }
        }
        let build = |a: &[&str]| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(a)
                .expect("constant anchors compile")
        };
        let ac = build(&anchors);
        let mut any = Vec::new();
        let mut owner_any = Vec::new();
        for (a, &o) in anchors.iter().zip(&owner) {
            if !PATTERNS[o].config_only {
                any.push(*a);
                owner_any.push(o);
            }
        }
        let ac_any = build(&any);
        let regexes = PATTERNS
            .iter()
            .map(|p| Regex::new(p.regex).expect("constant pattern compiles"))
            .collect();
        Scanner {
            ac,
            owner,
            ac_any,
            owner_any,
            regexes,
        }
    }

    /// Scan one file's bytes. `rel` is the file's path inside its store path (or any path):
    /// it selects the allowlist and the configuration-only patterns, and names the option.
    #[must_use]
    pub fn scan(&self, rel: &str, bytes: &[u8]) -> Vec<Hit> {
        if allowlisted_path(rel) {
            return Vec::new();
        }
        let binary = memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some();
        let config = !binary && is_config_like(rel);
        let (ac, owner) = if config {
            (&self.ac, &self.owner)
        } else {
            (&self.ac_any, &self.owner_any)
        };
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let mut hits = Vec::new();
        // (pattern, line start) pairs already examined.
        let mut done: Vec<(usize, usize)> = Vec::new();
        let mut line_no = 1u32;
        let mut counted_to = 0usize;
        for m in ac.find_overlapping_iter(bytes) {
            let pi = owner[m.pattern().as_usize()];
            let p = &PATTERNS[pi];
            if p.config_only && !config {
                continue;
            }
            if p.check == Check::UsersGroups && !name.ends_with(".json") {
                continue;
            }
            let start = memrchr(b'\n', &bytes[..m.start()]).map_or(0, |i| i + 1);
            if done.contains(&(pi, start)) {
                continue;
            }
            done.push((pi, start));
            if done.len() > 64 {
                done.drain(..32);
            }
            let end = memchr(b'\n', &bytes[m.end()..]).map_or(bytes.len(), |i| m.end() + i);
            let ws = start.max(m.start().saturating_sub(WINDOW / 2));
            let we = end.min(m.end() + WINDOW / 2);
            let window = &bytes[ws..we];
            // Line numbers are counted only up to hits, incrementally.
            if start >= counted_to {
                line_no += count_newlines(&bytes[counted_to..start]);
                counted_to = start;
            }
            for caps in self.regexes[pi].captures_iter(window) {
                if let Some(hit) = self.check(p, &caps, bytes, ws, line_no, name) {
                    hits.push(hit);
                }
            }
        }
        // An assignment on a line that already holds a token or key of a documented format
        // is the same secret: keep the specific hit.
        let specific: Vec<u32> = hits
            .iter()
            .filter(|h| {
                !matches!(
                    h.kind,
                    "password-assignment" | "secret-assignment" | "url-credentials"
                )
            })
            .map(|h| h.line)
            .collect();
        hits.retain(|h| {
            !matches!(
                h.kind,
                "password-assignment" | "secret-assignment" | "url-credentials"
            ) || !specific.contains(&h.line)
        });
        hits
    }

    fn check(
        &self,
        p: &Pattern,
        caps: &regex::bytes::Captures<'_>,
        bytes: &[u8],
        ws: usize,
        line: u32,
        name: &str,
    ) -> Option<Hit> {
        let text = |i: usize| {
            caps.get(i)
                .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
        };
        let mk = |redacted: String, rule: &'static str, weak: bool, option: Option<String>| Hit {
            kind: p.kind,
            description: p.description,
            rule,
            line,
            redacted,
            weak,
            option,
        };
        match p.check {
            Check::Token => {
                let v = text(1)?;
                if ALLOWLIST.contains(&v.to_ascii_lowercase().as_str()) {
                    return None;
                }
                Some(mk(
                    redact(&v, p.keep),
                    rule::SECRET_IN_STORE,
                    false,
                    option_for(name),
                ))
            }
            Check::Key => {
                let whole = caps.get(0)?;
                let after = ws + whole.end();
                if !key_body_is_real(&bytes[after..bytes.len().min(after + 8192)]) {
                    return None;
                }
                let header = String::from_utf8_lossy(whole.as_bytes()).into_owned();
                Some(mk(
                    format!("{header} …[redacted]"),
                    rule::SECRET_IN_STORE,
                    false,
                    option_for(name),
                ))
            }
            Check::Password | Check::Entropic => {
                if name.ends_with("users-groups.json") {
                    return None; // reported field by field as NIX-030/031
                }
                let key = text(1)?;
                let v = text(2).or_else(|| text(3)).or_else(|| text(4))?;
                if is_placeholder(&v) || v.eq_ignore_ascii_case(&key) {
                    return None;
                }
                if p.check == Check::Entropic
                    && (v.len() < 16
                        || entropy(&v) < 3.5
                        || !v.bytes().any(|b| b.is_ascii_digit())
                        || v.contains(char::is_whitespace))
                {
                    return None;
                }
                if p.check == Check::Password
                    && v.len() < 16
                    && v.bytes().all(|b| b.is_ascii_alphabetic())
                {
                    return None; // a word (`Password=Required`), not a password
                }
                if p.check == Check::Password && looks_like_code(&v) {
                    return None;
                }
                Some(mk(
                    format!("{key}={}", redact(&v, 0)),
                    rule::SECRET_IN_STORE,
                    false,
                    option_for(name).or_else(|| {
                        (key.eq_ignore_ascii_case("psk"))
                            .then(|| "networking.wireless.networks.<ssid>.psk".to_string())
                    }),
                ))
            }
            Check::Url => {
                let user = text(1)?;
                let pw = text(2)?;
                if is_placeholder(&pw) || pw.eq_ignore_ascii_case(&user) {
                    return None;
                }
                Some(mk(
                    format!("{user}:{}@…", redact(&pw, 0)),
                    rule::SECRET_IN_STORE,
                    false,
                    option_for(name),
                ))
            }
            Check::NixTokens => {
                let v = text(1)?;
                let v = v.trim();
                if v.is_empty() || v.starts_with('#') {
                    return None;
                }
                let hosts: Vec<String> = v
                    .split_whitespace()
                    .map(|t| match t.split_once('=') {
                        Some((h, tok)) => format!("{h}={}", redact(tok, 0)),
                        None => redact(t, 0),
                    })
                    .collect();
                Some(mk(
                    format!("access-tokens = {}", hosts.join(" ")),
                    rule::ACCESS_TOKENS,
                    false,
                    Some("nix.settings.access-tokens".into()),
                ))
            }
            Check::UsersGroups => {
                let field = text(1)?;
                let v = text(2)?;
                let hashed = field.to_ascii_lowercase().contains("hashed");
                if hashed
                    && (v.is_empty() || v == "!" || v == "*" || v.starts_with("!") && v.len() < 3)
                {
                    return None;
                }
                let user = user_before(bytes, ws + caps.get(0)?.start());
                let option = format!(
                    "users.users.{}.{field}",
                    user.as_deref().unwrap_or("<name>")
                );
                if hashed {
                    let weak = v.starts_with("$1$")
                        || v.starts_with("$5$")
                        || (v.len() == 13 && !v.starts_with('$'));
                    let scheme = v.split('$').nth(1).map_or("DES", |s| s);
                    Some(mk(
                        format!("{field}: ${scheme}$…[redacted]"),
                        rule::PASSWORD_HASH,
                        weak,
                        Some(option),
                    ))
                } else {
                    Some(mk(
                        format!("{field}: {}", redact(&v, 0)),
                        rule::PLAINTEXT_PASSWORD,
                        false,
                        Some(option),
                    ))
                }
            }
        }
    }
}

/// The `"name"` of the user object before `at` in a users-groups.json.
fn user_before(bytes: &[u8], at: usize) -> Option<String> {
    let lo = at.saturating_sub(4096);
    let start = bytes[lo..at]
        .iter()
        .rposition(|&b| b == b'{')
        .map_or(lo, |i| lo + i);
    let hi = bytes.len().min(at + 4096);
    let end = bytes[at..hi]
        .iter()
        .position(|&b| b == b'}')
        .map_or(hi, |i| at + i);
    let text = String::from_utf8_lossy(&bytes[start..end]);
    let i = text.find("\"name\"")?;
    let rest = text[i + 6..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    Some(rest.split('"').next()?.to_string())
}

fn looks_like_code(v: &str) -> bool {
    v.contains("()")
        || v.starts_with("self.")
        || v.starts_with("this.")
        || v.ends_with(')')
        || v.starts_with("args.")
        || v.starts_with("os.")
}

/// A private key body: the lines after the header (JSON `\\n` escapes undone) are base64 of at
/// least 64 characters in all, each content line only base64 and at least 40 long (the last
/// may be shorter), PEM headers (`Proc-Type:`, `DEK-Info:`, `Version:`, `Comment:`) and blank
/// lines aside; for PuTTY, a `Private-Lines:` line followed by base64. A documentation
/// ellipsis or `EXAMPLE` rejects it.
fn key_body_is_real(after: &[u8]) -> bool {
    let text = String::from_utf8_lossy(after);
    let text = text.replace("\\n", "\n");
    let b64 = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=')
    };
    let mut lines = text.lines().skip(1).take(80).map(str::trim);
    let mut total = 0usize;
    let mut putty = false;
    for l in lines.by_ref() {
        if l.contains("...") || l.contains('\u{2026}') || l.to_ascii_lowercase().contains("example")
        {
            return false;
        }
        if l.starts_with("Private-Lines:") {
            putty = true;
            continue;
        }
        if putty {
            return b64(l) && l.len() >= 40;
        }
        if l.is_empty() || l.contains(':') {
            // PEM/PGP/PuTTY headers and blank separators.
            if l.contains(':')
                && !(l.starts_with("Proc-Type")
                    || l.starts_with("DEK-Info")
                    || l.starts_with("Version")
                    || l.starts_with("Comment")
                    || l.starts_with("Encryption")
                    || l.starts_with("Public-Lines"))
            {
                return false;
            }
            continue;
        }
        if l.starts_with("-----END") {
            break;
        }
        if !b64(l) {
            return false;
        }
        total += l.len();
        if l.len() < 40 {
            break;
        }
        if total >= 64 {
            return true;
        }
    }
    total >= 64
}

/// The NixOS option that writes a file with this name, where it is well known.
#[must_use]
pub fn option_for(name: &str) -> Option<String> {
    let o = match name {
        "wpa_supplicant.conf" => "networking.wireless.networks.<ssid>.psk",
        "nix.conf" => "nix.settings / nix.extraOptions",
        "users-groups.json" => "users.users.<name>",
        "configuration.yaml" => "services.home-assistant.config",
        "smb.conf" => "services.samba.settings",
        "wg0.conf" | "wireguard.conf" => "networking.wireguard.interfaces.<n>.privateKey",
        "rclone.conf" => "environment.etc.\"rclone.conf\".text",
        n if n.ends_with(".env")
            || n == ".env"
            || n.ends_with("-env")
            || n.ends_with("EnvironmentFile") =>
        {
            "systemd.services.<name>.environment (or serviceConfig.EnvironmentFile)"
        }
        n if n.ends_with(".service") => "systemd.services.<name>.environment / serviceConfig",
        _ => return None,
    };
    Some(o.to_string())
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    memchr::memchr(needle, hay)
}

fn memrchr(needle: u8, hay: &[u8]) -> Option<usize> {
    memchr::memrchr(needle, hay)
}

fn count_newlines(b: &[u8]) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', b).count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(rel: &str, text: &str) -> Vec<&'static str> {
        Scanner::new()
            .scan(rel, text.as_bytes())
            .into_iter()
            .map(|h| h.kind)
            .collect()
    }

    #[test]
    fn patterns_compile_and_find_tokens() {
        let s = Scanner::new();
        let text = "x\nkey = AKIAZ3MHALKJ4TQW7XYZ\nghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789\n";
        let h = s.scan("etc/app.conf", text.as_bytes());
        assert_eq!(h.len(), 2, "{h:?}");
        assert_eq!(h[0].line, 2);
        assert_eq!(h[1].line, 3);
        assert_eq!(h[0].redacted, "AKIA…[redacted, 20 chars]");
        assert!(!format!("{h:?}").contains("Z3MHALKJ"));
    }

    #[test]
    fn placeholders_and_examples_are_not_secrets() {
        assert!(kinds("etc/app.conf", "password=changeme\n").is_empty());
        assert!(kinds("etc/app.conf", "aws_access_key_id=AKIAIOSFODNN7EXAMPLE\n").is_empty());
        assert!(kinds("etc/app.conf", "password = ${PASSWORD}\n").is_empty());
        assert!(kinds("etc/app.conf", "passwordFile=/run/secrets/pw\n").is_empty());
        assert!(kinds("share/doc/app/README", "password=Sup3rS3cret!\n").is_empty());
        assert!(kinds("lib/python3/site.py", "password = 'Sup3rS3cret!'\n").is_empty());
        assert!(kinds("etc/app.conf", "token=abcabcabcabc\n").is_empty());
        assert_eq!(
            kinds("etc/app.conf", "password=Sup3rS3cret!\n"),
            ["password-assignment"]
        );
        assert_eq!(
            kinds("etc/app.conf", "api_token = \"q8Zr2LmX0vT7pK3nW9yB\"\n"),
            ["secret-assignment"]
        );
    }

    #[test]
    fn entropy_is_bits_per_char() {
        assert!(entropy("aaaa") < 0.01);
        assert!((entropy("ab") - 1.0).abs() < 1e-9);
    }
}
