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

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
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

mod assign;
pub use assign::{is_password_hash, looks_like_code, words};
mod formats;
pub mod nixos;

use formats::{Check, Format, Mode, FORMATS};

/// Every format's regex (Rust `regex` syntax, as ripgrep uses) and one for the credential
/// assignments, for benchmarks that run another tool with the same patterns.
#[must_use]
pub fn pattern_regexes() -> Vec<&'static str> {
    FORMATS
        .iter()
        .map(|p| p.regex.trim_start_matches('^'))
        .chain([
            r#"(?i)[\w.-]*(?:pass|pwd|secret|token|key|credential|creds|auth|psk|private)[\w.-]*["']?\s*(?:[:=]|=>|:=)\s*["']?[^\s"']{4,}"#,
        ])
        .collect()
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
    // mautrix bridges' `as_token`, `hs_token` and `provisioning.shared_secret`: made when the
    // bridge starts.
    "generate",
    // Keywords: Gitea's and Forgejo's `SIGNING_KEY = default` (the default key), `auto`.
    "default",
    "auto",
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
    "sh", "bash", "zsh", "fish", "awk", "m4", "in", "am", "ac", "texi", "tex", "tm", "t",
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

/// A template's token for a value filled in later, by the program or a module, never the
/// value itself: `__DB_PASSWORD__` (replaced by `sed` at run time), `#NIXOS_MAILMAN_DB_PW#`
/// (the NixOS mailman module's, replaced from a file).
#[must_use]
pub fn template_token(v: &str) -> bool {
    let word = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
    // Upper case between `#`s: a password may be written `#s3cr3t#`.
    let upper = |t: &str| word(t) && !t.bytes().any(|c| c.is_ascii_lowercase());
    v.strip_prefix("__")
        .and_then(|t| t.strip_suffix("__"))
        .is_some_and(word)
        || v.strip_prefix('#')
            .and_then(|t| t.strip_suffix('#'))
            .is_some_and(upper)
        // `##JANUSAPIKEY##` (a configuration template's marker, replaced before start).
        || v.strip_prefix("##")
            .and_then(|t| t.strip_suffix("##"))
            .is_some_and(upper)
}

/// A value that stands for a secret rather than being one: empty or short, a vendor's
/// documented example, a placeholder word (`changeme`, `example`, `xxxx`, `****`, `<...>`),
/// a template or reference (`${VAR}`, `$VAR`, `%VAR%`, `@VAR@`, `{{ x }}`, `$(cmd)`,
/// `!secret x`, `ext:`/`env:`/`file:` values, paths), one repeated character or a run of
/// the alphabet or digits.
#[must_use]
pub fn is_placeholder(v: &str) -> bool {
    is_placeholder_value(v)
}

/// A YAML tag that names where the value is (Home Assistant's and zigbee2mqtt's `!secret
/// name`, `!include file`, `!env_var NAME`, `!secret.yaml key`, `!/run/secrets/mqtt.yaml
/// password`): the tag and one key, or a tag that is a path.
#[must_use]
pub fn yaml_tag_reference(t: &str) -> bool {
    let Some(rest) = t.strip_prefix('!') else {
        return false;
    };
    let word = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'/' | b'-'))
    };
    let mut words = rest.split_whitespace();
    let (Some(tag), key, more) = (words.next(), words.next(), words.next()) else {
        return false;
    };
    word(tag)
        && more.is_none()
        && (key.is_some_and(|k| word(k) && !k.contains('/'))
            || (key.is_none() && tag.contains('/')))
}

pub(crate) fn is_placeholder_value(v: &str) -> bool {
    let t = v.trim();
    // A shell variable spliced into a quoted text (`"secretapikey":"'$SECRET_KEY'"`: the JSON
    // string closes the shell's quote, `$SECRET_KEY` is expanded, the quote reopens).
    let unquoted = t.trim_matches(|c| c == '\'' || c == '"');
    if unquoted.len() < t.len()
        && unquoted.strip_prefix('$').is_some_and(|n| {
            let n = n
                .strip_prefix('{')
                .and_then(|n| n.strip_suffix('}'))
                .unwrap_or(n);
            !n.is_empty() && n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        })
    {
        return true;
    }
    let l = t.to_ascii_lowercase();
    if l.chars().count() < 4 || ALLOWLIST.contains(&l.as_str()) {
        return true;
    }
    let words = [
        "example",
        "changeme",
        "change_me",
        "change-me",
        "placeholder",
        "xxxx",
        "****",
        "####",
        "my-secret",
        "my-project",
        "your-",
        "your_",
        "yourpass",
        "yoursecret",
        "yourtoken",
        "fake",
        "dummy",
        "sample",
        "redacted",
        "insert",
        "_here",
        "-here",
        "todo",
        "...",
        "\u{2026}",
        "replace_me",
        "replaceme",
        "replace-me",
        // `replace-with-a-private-bootstrap-token`.
        "replace-with",
        "replace_with",
        "notasecret",
        "not_a_secret",
        "not-a-secret",
        "secretvalue",
        "tokenvalue",
        // Left by git history rewriting (BFG's `***REMOVED***`).
        "***removed",
        // The JDK's default keystore and truststore password, public.
        "changeit",
    ];
    if words.iter().any(|w| l.contains(w)) {
        return true;
    }
    let first = l.chars().next().unwrap_or(' ');
    if l.chars().all(|c| c == first) {
        return true;
    }
    // A key chord (`Alt+1`, `ctrl+shift+p`, `Super+Return`): a binding, not a secret.
    if let Some((mods, key)) = l.rsplit_once('+') {
        let modifier = |m: &str| {
            matches!(
                m,
                "alt"
                    | "ctrl"
                    | "control"
                    | "shift"
                    | "super"
                    | "meta"
                    | "cmd"
                    | "hyper"
                    | "win"
                    | "logo"
                    | "mod1"
                    | "mod2"
                    | "mod3"
                    | "mod4"
                    | "mod5"
            )
        };
        let named_key = matches!(
            key,
            "return"
                | "enter"
                | "tab"
                | "space"
                | "escape"
                | "esc"
                | "left"
                | "right"
                | "up"
                | "down"
                | "home"
                | "end"
                | "print"
                | "delete"
                | "backspace"
                | "pageup"
                | "pagedown"
                | "minus"
                | "equal"
                | "comma"
                | "period"
                | "slash"
        ) || (key.len() > 1
            && key.len() <= 3
            && key.starts_with('f')
            && key[1..].bytes().all(|b| b.is_ascii_digit()));
        if (key.chars().count() == 1 || named_key) && mods.split('+').all(modifier) {
            return true;
        }
    }
    // A sops ciphertext (`ENC[AES256_GCM,data:…,iv:…,tag:…,type:str]`): encrypted, not the
    // secret.
    if l.starts_with("enc[") && l.contains(",iv:") {
        return true;
    }
    // Templates and references.
    let template = |open: &str, close: &str| {
        l.find(open).is_some_and(|i| {
            let rest = &l[i + open.len()..];
            rest.find(close).is_some_and(|j| {
                rest[..j]
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"_.:-=/ |?!$'\"".contains(&c))
            })
        })
    };
    // A shell parameter expansion in any form (`${y:1:${#y}-3}`, `${PW:-x}`), a command
    // substitution (`$(<"$CREDENTIALS_DIRECTORY/pw")`) and a template
    // action (`{{ getenv "SECRET" | js }}`, `{% raw %}`) are filled in when they run, even when
    // the value was cut at a quote inside them.
    if l.starts_with("${")
        || l.starts_with("$(")
        || l.starts_with("{{")
        || l.starts_with("{%")
        || template("${", "}")
        || template("{{", "}}")
        || template("$(", ")")
        || template("#{", "}")
        || template("<%", "%>")
        || (l.starts_with('%') && l.ends_with('%'))
        || (l.starts_with('@') && l.ends_with('@'))
        || template_token(t)
        || (l.starts_with('<') && l.ends_with('>'))
        || (l.starts_with('[') && l.ends_with(']'))
        || (l.starts_with('{') && l.ends_with('}') && !l[1..].contains('{'))
        || (l.starts_with('$')
            && l[1..]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'{' || c == b'}'))
        || l.starts_with("$__file{")
        || l.starts_with("$__env{")
        || l.starts_with("!secret ")
        || yaml_tag_reference(t)
        || l.starts_with('/')
        || l.starts_with("./")
        || l.starts_with("~/")
        || l.starts_with("file:")
        || l.starts_with("env:")
        || l.starts_with("ext:")
    {
        return true;
    }
    // Runs of the alphabet or of the digits (`abcdefghij…`, `0123456789…`), or a short
    // chunk repeated (`abcd1234abcd1234…`).
    l.as_bytes()
        .windows(8)
        .any(|w| w.windows(2).all(|p| p[1] == p[0] + 1))
        || repeated_chunk(&l)
}

/// A value of 8 characters or more that is one chunk of up to 8 characters repeated at least
/// three times (`abcd1234abcd1234`). A shorter one (`hbhbhb`, `121212`) is a weak password, as
/// real as any other.
fn repeated_chunk(l: &str) -> bool {
    l.len() >= 8 && repeated_chunk_upto(l, 8)
}

/// A chunk of 2 to `max` characters repeated at least three times in a row, the repetition
/// making at least three quarters of the value (`abcd1234abcd1234abcd1234`; a random key's
/// `1b1b1b` somewhere in 100 characters is chance, not a stand-in, and `birdbirdbirdistheword`
/// a passphrase).
fn repeated_chunk_upto(l: &str, max: usize) -> bool {
    let b = l.as_bytes();
    (2..=max).any(|n| {
        b.len() >= 3 * n
            && b.windows(n).enumerate().any(|(i, w)| {
                let mut times = 1;
                while b.get(i + times * n..i + (times + 1) * n) == Some(w) {
                    times += 1;
                }
                times >= 3 && 4 * times * n >= 3 * b.len()
            })
    })
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

/// Short anchors that occur by chance in binary data too often to be worth a look there.
const NOISY_IN_BINARIES: &[&str] = &[
    "A3T", "A3-", "API-", "4b1d", "oy2", "EAAA", "EAAC", "EAAM", "dapi", "pul-", "ico-", "SG.",
    "hf_", "YC", "t1.", "b_", "sl.", "sc_", "ext_", "pat.", "sat.", "live_", "test_", "key-",
];

/// Whether a format is looked for in binary files through this anchor: token formats with a
/// distinctive prefix, private keys and JWTs.
fn binary_format(f: &Format, anchor: &str) -> bool {
    !f.config_only
        && match f.mode {
            Mode::Anchored => anchor.len() >= 4 && !NOISY_IN_BINARIES.contains(&anchor),
            Mode::Line => matches!(f.check, Check::Key | Check::Jwt),
        }
}

/// What an anchor starts.
#[derive(Clone, Copy)]
enum Job {
    /// A token format (index into [`FORMATS`]).
    Format(usize),
    /// A credential assignment around a keyword.
    Assignment,
}

/// The compiled matcher (build once, share between threads).
pub struct Scanner {
    /// Every anchor (configuration-like text files and program sources).
    ac: AhoCorasick,
    jobs: Vec<(Job, bool, &'static str)>,
    /// Anchors of the formats that apply in any file (binaries).
    ac_any: AhoCorasick,
    jobs_any: Vec<(Job, bool, &'static str)>,
    regexes: Vec<Regex>,
}

impl Default for Scanner {
    fn default() -> Self {
        Self::new()
    }
}

/// Lines longer than this are clipped around the anchor before the regexes run.
const WINDOW: usize = 4096;
/// How far an anchored format may reach.
const REACH: usize = 1024;

/// Which files a scan is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileKind {
    /// Configuration-like text: every format and assignment.
    Config,
    /// Program source text: formats, and assignments with strict values.
    Source,
    /// Binary: formats only.
    Binary,
}

impl Scanner {
    /// Compile every format.
    ///
    /// # Panics
    /// Never on input: the formats are constants checked by the tests.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new() -> Self {
        let mut all: Vec<(&'static str, Job, bool)> = Vec::new();
        for (i, f) in FORMATS.iter().enumerate() {
            for a in f.anchors {
                all.push((a, Job::Format(i), f.case));
            }
        }
        for k in assign::KEYWORDS.iter().chain(assign::VENDORS) {
            all.push((k, Job::Assignment, false));
        }
        let build = |a: &[&str]| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                // A full DFA: one table lookup per byte (the scan's hot loop; the default
                // noncontiguous NFA follows failure links and was 80% of a store scan).
                .kind(Some(AhoCorasickKind::DFA))
                .build(a)
                .expect("constant anchors compile")
        };
        let ac = build(&all.iter().map(|x| x.0).collect::<Vec<_>>());
        let jobs = all.iter().map(|x| (x.1, x.2, x.0)).collect();
        let any: Vec<&(&'static str, Job, bool)> = all
            .iter()
            .filter(|x| matches!(x.1, Job::Format(i) if binary_format(&FORMATS[i], x.0)))
            .collect();
        let ac_any = build(&any.iter().map(|x| x.0).collect::<Vec<_>>());
        let jobs_any = any.iter().map(|x| (x.1, x.2, x.0)).collect();
        let regexes = FORMATS
            .iter()
            .map(|p| {
                regex::bytes::RegexBuilder::new(p.regex)
                    .unicode(false)
                    .size_limit(32 << 20)
                    .build()
                    .expect("constant pattern compiles")
            })
            .collect();
        Scanner {
            ac,
            jobs,
            ac_any,
            jobs_any,
            regexes,
        }
    }

    /// False when [`Scanner::scan`] finds nothing in `bytes` under any name but a YAML file's
    /// (whose Kubernetes secrets are read apart): none of the words or prefixes its patterns
    /// start from is in them. One pass, no allocation; true
    /// says only that a scan may find something.
    #[must_use]
    pub fn may_match(&self, bytes: &[u8]) -> bool {
        // The anchors as [`Scanner::scan_in`] takes them: in their case where it matters, and
        // an anchored format's not inside a word (`SK` of `disk`, `b_` of `usb_storage`).
        self.ac.find_overlapping_iter(bytes).any(|m| {
            let job = self.jobs[m.pattern().as_usize()];
            if !anchor_taken(bytes, &m, job) {
                return false;
            }
            match job.0 {
                // A URL's password is written before an `@` on the same line.
                Job::Format(fi) if FORMATS[fi].check == Check::Url => {
                    let rest = &bytes[m.end()..];
                    let line = memchr(b'\n', rest).map_or(rest, |i| &rest[..i]);
                    memchr(b'@', line).is_some()
                }
                _ => true,
            }
        })
    }

    /// Scan one file's bytes. `rel` is the file's path inside its store path (or any path):
    /// it selects the allowlist and the configuration-only patterns, and names the option.
    #[must_use]
    pub fn scan(&self, rel: &str, bytes: &[u8]) -> Vec<Hit> {
        self.scan_in("", rel, bytes)
    }

    /// [`Scanner::scan`] of a file of the store path named `store_name` (without its hash):
    /// the name helps say which NixOS option wrote the secret.
    #[must_use]
    pub fn scan_in(&self, store_name: &str, rel: &str, bytes: &[u8]) -> Vec<Hit> {
        let joined;
        let opt_path = if store_name.is_empty() || store_name == rel {
            rel
        } else {
            joined = format!("{store_name}/{rel}");
            joined.as_str()
        };
        if allowlisted_path(rel) || nixos::public_test_file(rel) {
            return Vec::new();
        }
        let binary = memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some();
        let kind = if binary {
            FileKind::Binary
        } else if is_config_like(rel) {
            FileKind::Config
        } else {
            FileKind::Source
        };
        let (ac, jobs) = if kind == FileKind::Binary {
            (&self.ac_any, &self.jobs_any)
        } else {
            (&self.ac, &self.jobs)
        };
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let mut hits: Vec<Hit> = Vec::new();
        // (job, line start) pairs already examined, and names of assignments already judged.
        let mut done: Vec<(usize, usize)> = Vec::new();
        let mut keys_done: Vec<usize> = Vec::new();
        let mut line_no = 1u32;
        let mut counted_to = 0usize;
        for m in ac.find_overlapping_iter(bytes) {
            let (job, case, anchor) = jobs[m.pattern().as_usize()];
            if !anchor_taken(bytes, &m, (job, case, anchor)) {
                continue;
            }
            // The line's start, looked for no further back than the window (binary files
            // have few newlines).
            let lo = m.start().saturating_sub(WINDOW / 2);
            let start = memrchr(b'\n', &bytes[lo..m.start()]).map_or(lo, |i| lo + i + 1);
            if start >= counted_to {
                line_no += count_newlines(&bytes[counted_to..start]);
                counted_to = start;
            }
            match job {
                Job::Format(fi) => {
                    let f = &FORMATS[fi];
                    if f.config_only && kind != FileKind::Config {
                        continue;
                    }
                    if f.check == Check::UsersGroups && !name.ends_with(".json") {
                        continue;
                    }
                    if f.mode == Mode::Anchored {
                        let end = bytes.len().min(m.start() + REACH);
                        if let Some(caps) = self.regexes[fi].captures(&bytes[m.start()..end]) {
                            if let Some(h) =
                                self.check(f, &caps, bytes, m.start(), line_no, opt_path)
                            {
                                hits.push(h);
                            }
                        }
                        continue;
                    }
                    if done.contains(&(fi, start)) {
                        continue;
                    }
                    done.push((fi, start));
                    if done.len() > 64 {
                        done.drain(..32);
                    }
                    let end = memchr(b'\n', &bytes[m.end()..]).map_or(bytes.len(), |i| m.end() + i);
                    let ws = start.max(m.start().saturating_sub(WINDOW / 2));
                    let we = end.min(m.end() + WINDOW / 2);
                    let window = &bytes[ws..we];
                    for caps in self.regexes[fi].captures_iter(window) {
                        if let Some(h) = self.check(f, &caps, bytes, ws, line_no, opt_path) {
                            hits.push(h);
                        }
                    }
                }
                Job::Assignment => {
                    if kind == FileKind::Binary || name.ends_with("users-groups.json") {
                        continue;
                    }
                    let end = memchr(b'\n', &bytes[m.end()..]).map_or(bytes.len(), |i| m.end() + i);
                    let ws = start.max(m.start().saturating_sub(WINDOW / 2));
                    let mut we = end.min(m.end() + WINDOW / 2);
                    // An XML element's value may sit on the next line.
                    if we < bytes.len() && bytes[..we].ends_with(b">") {
                        let more = &bytes[we + 1..bytes.len().min(we + 1 + 256)];
                        let next = memchr(b'\n', more).map_or(more.len(), |i| i);
                        we = (we + 1 + next).min(bytes.len());
                    }
                    let Some((ks, a)) = assign::at(
                        &bytes[ws..we],
                        m.start() - ws,
                        m.end() - ws,
                        kind == FileKind::Config,
                    ) else {
                        continue;
                    };
                    if keys_done.contains(&(ws + ks)) {
                        continue;
                    }
                    keys_done.push(ws + ks);
                    if keys_done.len() > 64 {
                        keys_done.drain(..32);
                    }
                    if digest_with_encoding(&bytes[ws..we], &a.value) {
                        continue;
                    }
                    if let Some(h) = assignment_hit(&a, kind, line_no, opt_path) {
                        hits.push(h);
                    }
                }
            }
        }
        if kind == FileKind::Config && (name.ends_with(".yaml") || name.ends_with(".yml")) {
            kubernetes_secret(bytes, opt_path, &mut hits);
        }
        dedupe(&mut hits);
        hits
    }

    fn check(
        &self,
        p: &Format,
        caps: &regex::bytes::Captures<'_>,
        bytes: &[u8],
        ws: usize,
        line: u32,
        rel: &str,
    ) -> Option<Hit> {
        let name = rel.rsplit('/').next().unwrap_or(rel);
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
        let option = || nixos::option_for(rel, p.kind, None);
        match p.check {
            Check::Token => {
                let v = text(1)?;
                let end = ws + caps.get(1)?.end();
                let next = &bytes[end..bytes.len().min(end + 3)];
                if is_token_placeholder(&v)
                    || entropy(&v) < p.entropy
                    || nixos::public_value(&v)
                    || next.iter().any(|c| b"#*".contains(c))
                {
                    return None;
                }
                Some(mk(redact(&v, p.keep), p.rule, false, option()))
            }
            Check::Jwt => {
                let v = text(1)?;
                if !jwt_is_real(&v) {
                    return None;
                }
                Some(mk(redact(&v, 3), p.rule, false, option()))
            }
            Check::Basic => {
                let v = text(1)?;
                let decoded = base64_decode(v.trim_end_matches('='))?;
                // A password need not be UTF-8.
                let s = String::from_utf8_lossy(&decoded).into_owned();
                let (user, pw) = s.split_once(':')?;
                if user.is_empty()
                    || is_placeholder_value(pw)
                    || pw.eq_ignore_ascii_case(user)
                    || nixos::public_value(pw)
                {
                    return None;
                }
                Some(mk(
                    format!("Basic {}", redact(&v, 0)),
                    p.rule,
                    false,
                    option(),
                ))
            }
            Check::CurlUser => {
                let v = text(1).or_else(|| text(2)).or_else(|| text(3))?;
                let (user, pw) = v.split_once(':')?;
                // `-u KEY:` (an API key as the user name, no password): the key is the secret.
                if pw.is_empty() {
                    let token_like = user.len() >= 10
                        && user.bytes().any(|c| c.is_ascii_digit())
                        && user.bytes().any(|c| c.is_ascii_alphabetic())
                        && !user.starts_with(['$', '<', '{'])
                        && !is_placeholder_value(user);
                    return token_like
                        .then(|| mk(format!("{}:", redact(user, 0)), p.rule, false, option()));
                }
                if is_placeholder_value(&v) && v.starts_with('<')
                    || user.is_empty() && pw.len() < 8
                    || is_placeholder_value(pw)
                    || is_placeholder_value(user) && user.starts_with('$')
                    || pw.eq_ignore_ascii_case(user)
                    || ["pass", "password", "token", "secret", "passwd", "pwd"]
                        .contains(&pw.to_ascii_lowercase().as_str())
                {
                    return None;
                }
                Some(mk(
                    format!("{user}:{}", redact(pw, 0)),
                    p.rule,
                    false,
                    option(),
                ))
            }
            Check::Key => {
                let whole = caps.get(0)?;
                let after = ws + whole.end();
                let body = &bytes[after..bytes.len().min(after + 8192)];
                if !key_body_is_real(body) || nixos::public_key_body(body) {
                    return None;
                }
                let header = String::from_utf8_lossy(whole.as_bytes()).into_owned();
                Some(mk(format!("{header} …[redacted]"), p.rule, false, option()))
            }
            Check::Url => {
                let user = text(1)?;
                let pw = text(2)?;
                if is_placeholder_value(&pw)
                    || ["pass", "passwd", "password", "pwd", "secret"]
                        .contains(&pw.to_ascii_lowercase().as_str())
                    || pw.eq_ignore_ascii_case(&user)
                    || pw.len() < 3
                    || (user.is_empty() && pw.len() < 6)
                {
                    return None;
                }
                let u = if user.is_empty() { String::new() } else { user };
                Some(mk(
                    format!("{u}:{}@…", redact(&pw, 0)),
                    p.rule,
                    false,
                    option(),
                ))
            }
            Check::Netrc => {
                let v = text(1)?;
                if is_placeholder_value(&v) {
                    return None;
                }
                Some(mk(
                    format!("password {}", redact(&v, 0)),
                    p.rule,
                    false,
                    nixos::option_for(rel, p.kind, None),
                ))
            }
            Check::Htpasswd => {
                let user = text(1)?;
                let v = text(2)?;
                let option = nixos::option_for(rel, p.kind, None);
                if let Some(pw) = v.strip_prefix("{PLAIN}") {
                    if is_placeholder_value(pw) {
                        return None;
                    }
                    return Some(Hit {
                        kind: p.kind,
                        description: "htpasswd password in plain text",
                        rule: rule::PLAINTEXT_PASSWORD,
                        line,
                        redacted: format!("{user}:{{PLAIN}}{}", redact(pw, 0)),
                        weak: false,
                        option,
                    });
                }
                let scheme = if v.starts_with("{SHA}") || v.starts_with("{SSHA}") {
                    "SHA-1"
                } else if v.starts_with("$apr1$") {
                    "apr1 (MD5)"
                } else {
                    "bcrypt"
                };
                Some(Hit {
                    kind: p.kind,
                    description: "htpasswd password hash",
                    rule: rule::PASSWORD_HASH,
                    line,
                    redacted: format!("{user}:{scheme} …[redacted]"),
                    weak: scheme != "bcrypt",
                    option,
                })
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
                    && (v.is_empty() || v == "!" || v == "*" || v.starts_with('!') && v.len() < 3)
                {
                    return None;
                }
                let user = user_before(bytes, ws + caps.get(0)?.start());
                let option = format!(
                    "users.users.{}.{field}",
                    user.as_deref().unwrap_or("<name>")
                );
                let _ = name;
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

/// A password given as the hex digest its element says it is (Guacamole's `user-mapping.xml`:
/// `<authorize username="u" password="5e88…" encoding="sha256">`): a hash, not the password.
#[must_use]
pub fn digest_with_encoding(line: &[u8], v: &str) -> bool {
    let v = v.trim();
    matches!(v.len(), 32 | 40 | 64 | 128)
        && v.bytes().all(|c| c.is_ascii_hexdigit())
        && memchr::memmem::find_iter(line, b"encoding=").any(|i| {
            let after = &line[i + b"encoding=".len()..];
            let after = after
                .strip_prefix(b"\"")
                .or_else(|| after.strip_prefix(b"'"))
                .unwrap_or(after);
            let n = after
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
                .count();
            [&b"md5"[..], b"sha1", b"sha256", b"sha512", b"sha-256"]
                .iter()
                .any(|e| after[..n].eq_ignore_ascii_case(e))
        })
}

/// The hit of a credential assignment, if its value is a secret.
fn assignment_hit(a: &assign::Assignment, kind: FileKind, line: u32, rel: &str) -> Option<Hit> {
    let config = kind == FileKind::Config;
    if !assign::is_secret_value(a.class, &a.key, &a.value, config) {
        return None;
    }
    // In program sources only a quoted, token-like value is a value and not code.
    if !config && a.class == assign::Class::Password && a.value.len() < 6 {
        return None;
    }
    // In program sources an unquoted value is an expression unless it cannot be one.
    if !config && !a.quoted {
        let v = a
            .value
            .trim_end_matches([')', ']', '}', '{', ':', ',', ';']);
        let symbols = v
            .bytes()
            .filter(|c| !c.is_ascii_alphanumeric() && *c != b'_')
            .count();
        let digits = v.bytes().filter(u8::is_ascii_digit).count();
        if v.len() < 8 || is_placeholder_value(v) || (symbols < 2 && digits == 0) {
            return None;
        }
        if code_expression(v) || (!shell_script(rel) && variable_name(v)) {
            return None;
        }
    }
    if nixos::public_value(&a.value) {
        return None;
    }
    let (k, description) = match a.class {
        assign::Class::Password => (
            "password-assignment",
            "password or pre-shared key assignment",
        ),
        _ => ("secret-assignment", "token or secret assignment"),
    };
    Some(Hit {
        kind: k,
        description,
        rule: rule::SECRET_IN_STORE,
        line,
        redacted: format!("{}={}", a.key, redact(&a.value, 0)),
        weak: false,
        option: nixos::option_for(rel, k, Some(&a.key)),
    })
}

/// The values of a Kubernetes `Secret` manifest's `data:` (base64) and `stringData:` blocks
/// (as `services.k3s.manifests` renders them to the store), one hit per value not already hit
/// on its line. A manifest of another kind (`ExternalSecret`, `SopsSecret`, `ConfigMap`) holds
/// references or templates, not values.
fn kubernetes_secret(bytes: &[u8], rel: &str, hits: &mut Vec<Hit>) {
    if memchr::memmem::find(bytes, b"ecret").is_none() {
        return;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    // Each YAML document (`---`) on its own.
    let mut start = 0;
    for end in (0..=lines.len()).filter(|&i| i == lines.len() || lines[i].starts_with("---")) {
        kubernetes_document(&lines, start, end, rel, hits);
        start = end + 1;
    }
}

/// [`kubernetes_secret`] on `lines[start..end]`, one YAML document.
fn kubernetes_document(lines: &[&str], start: usize, end: usize, rel: &str, hits: &mut Vec<Hit>) {
    let unquote = |v: &str| v.trim().trim_matches(['\'', '"']).trim().to_string();
    let doc = &lines[start.min(end)..end];
    let is_secret_kind = doc.iter().any(|l| {
        l.trim()
            .strip_prefix("kind:")
            .is_some_and(|v| unquote(v).eq_ignore_ascii_case("secret"))
    });
    if !is_secret_kind {
        return;
    }
    let indent = |l: &str| l.len() - l.trim_start().len();
    // (block indent, base64) while inside `data:` / `stringData:`.
    let mut block: Option<(usize, bool)> = None;
    for (i, l) in lines.iter().enumerate().take(end).skip(start) {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some((ind, base64)) = block {
            if indent(l) <= ind {
                block = None;
            } else {
                let Some((key, v)) = t.split_once(':') else {
                    continue;
                };
                let mut v = unquote(v);
                if matches!(v.as_str(), "|" | ">" | "|-" | ">-") {
                    v = lines[..end]
                        .get(i + 1)
                        .map_or(String::new(), |n| unquote(n));
                }
                let secret = if base64 {
                    v.len() >= 12
                        && !is_placeholder_value(&v)
                        && base64_decode(v.trim_end_matches('=')).is_some_and(|d| {
                            d.len() >= 8 && d.iter().any(|c| !c.is_ascii_whitespace())
                        })
                } else {
                    v.len() >= 6 && !is_placeholder_value(&v) && !assign::looks_like_code(&v)
                };
                let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
                if secret && !hits.iter().any(|h| h.line == line) {
                    hits.push(Hit {
                        kind: "kubernetes-secret",
                        description: "Kubernetes Secret value",
                        rule: rule::SECRET_IN_STORE,
                        line,
                        redacted: format!("{}: {}", key.trim(), redact(&v, 0)),
                        weak: false,
                        option: nixos::option_for(rel, "kubernetes-secret", Some(key.trim())),
                    });
                }
                continue;
            }
        }
        if t == "data:" || t == "stringData:" {
            block = Some((indent(l), t == "data:"));
        }
    }
}

/// A shell script, where an unquoted word is a literal (`TOKEN=abc123`), not a variable.
fn shell_script(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| matches!(ext, "sh" | "bash" | "zsh" | "fish"))
}

/// An unquoted value in a program source that names a variable or a constant
/// (`private_key_pkcs12`, `T.Keyword.DML`, `SOCKS5_CUSTOM_AUTH_END`).
fn variable_name(v: &str) -> bool {
    v.bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && v.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        && (v.contains(['_', '.']) || !v.bytes().any(|c| c.is_ascii_digit()))
}

/// An unquoted value in a program source that is an expression: a call or an index
/// (`grpc.ssl_channel_credentials(`, `d['k']`, `Optional[str]`), a bracketed literal, a
/// variable (`$self->x`, `Net::SSLeay::x`, `@x`, `*p`, `&x`).
fn code_expression(v: &str) -> bool {
    let head = v
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.')
        .count();
    matches!(v.as_bytes().get(head), Some(b'(' | b'['))
        || v.starts_with(['$', '@', '*', '&', '!', '%', '{'])
        || v.contains("->")
        || v.contains("::")
}

/// Whether the scan takes an anchor match: a case-sensitive anchor in its case, and an
/// anchored format's anchor where a token can start (not inside a word: `SK` of `disk`).
fn anchor_taken(
    bytes: &[u8],
    m: &aho_corasick::Match,
    (job, case, anchor): (Job, bool, &str),
) -> bool {
    if case && &bytes[m.start()..m.end()] != anchor.as_bytes() {
        return false;
    }
    !matches!(job, Job::Format(fi) if FORMATS[fi].mode == Mode::Anchored
        && m.start() > 0
        && (bytes[m.start() - 1].is_ascii_alphanumeric()
            || b"+/_-.".contains(&bytes[m.start() - 1])))
}

/// An assignment, URL or header on a line that already holds a token or key of a documented
/// format is the same secret: keep the specific hit; and one hit per kind and line.
fn dedupe(hits: &mut Vec<Hit>) {
    let generic = |k: &str| {
        matches!(
            k,
            "password-assignment"
                | "secret-assignment"
                | "url-credentials"
                | "bearer-token"
                | "basic-auth-header"
                | "curl-user"
                | "jwt"
        )
    };
    let specific: Vec<u32> = hits
        .iter()
        .filter(|h| !generic(h.kind))
        .map(|h| h.line)
        .collect();
    hits.retain(|h| !generic(h.kind) || !specific.contains(&h.line));
    let mut seen: Vec<(u32, &'static str, String)> = Vec::new();
    hits.retain(|h| {
        let k = (h.line, h.kind, h.option.clone().unwrap_or_default());
        if seen.contains(&k) {
            false
        } else {
            seen.push(k);
            true
        }
    });
    // A JWT is the secret of the assignment or header that holds it.
    let jwt_lines: Vec<u32> = hits
        .iter()
        .filter(|h| h.kind == "jwt")
        .map(|h| h.line)
        .collect();
    let others: Vec<u32> = hits
        .iter()
        .filter(|h| h.kind != "jwt")
        .map(|h| h.line)
        .collect();
    hits.retain(|h| h.kind != "jwt" || !others.contains(&h.line));
    let _ = jwt_lines;
}

/// Placeholders in a token of a documented format: `ghp_xxxx…`, `glpat-XXXX…`,
/// `…-####`, runs of one character or of the alphabet, documentation words.
fn is_token_placeholder(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    if ALLOWLIST.contains(&l.as_str()) {
        return true;
    }
    [
        "xxxx",
        "####",
        "****",
        "example",
        "your",
        "placeholder",
        "redacted",
        "test1234",
        "abcd1234",
        "tokenhere",
        "stringhere",
        "keyhere",
        "secrethere",
    ]
    .iter()
    .any(|w| l.contains(w))
        || repeated_chunk_upto(&l, 5)
        || l.as_bytes()
            .windows(8)
            .any(|w| w.iter().all(|&c| c == w[0]))
        || l.as_bytes().windows(12).any(|w| {
            w.iter().all(u8::is_ascii_alphabetic) && w.windows(2).all(|p| p[1] == p[0] + 1)
        })
}

/// A JWT whose header decodes to a JSON object (`{"alg":…}` or `{"typ":…}`), and whose
/// claims, when present, decode too.
fn jwt_is_real(v: &str) -> bool {
    let v = if v.starts_with("ZXlK") {
        match base64_decode(v.trim_end_matches('=')).and_then(|b| String::from_utf8(b).ok()) {
            Some(s) => s,
            None => return false,
        }
    } else {
        v.to_string()
    };
    let mut parts = v.split('.');
    let header = parts.next().unwrap_or("");
    let decode = |p: &str| {
        base64_decode(p.trim_end_matches('=')).map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    let Some(h) = decode(header) else {
        return false;
    };
    let h = h.trim();
    if !h.starts_with('{')
        || !h.ends_with('}')
        || !(h.contains("\"alg\"") || h.contains("\"typ\"") || h.contains("\"kid\""))
    {
        return false;
    }
    match parts.next() {
        Some(c) if !c.is_empty() => decode(c).is_some_and(|c| c.trim_start().starts_with('{')),
        _ => false,
    }
}

/// Standard or URL-safe base64 without padding; `None` on a character outside both.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap_or(0));
        }
    }
    Some(out)
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

/// The NixOS option that most likely wrote a file with this name (see [`nixos::option_for`]).
#[must_use]
pub fn option_for(name: &str) -> Option<String> {
    nixos::option_for(name, "", None)
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
        static SCANNER: std::sync::OnceLock<Scanner> = std::sync::OnceLock::new();
        SCANNER
            .get_or_init(Scanner::new)
            .scan(rel, text.as_bytes())
            .into_iter()
            .map(|h| h.kind)
            .collect()
    }

    #[test]
    fn template_tokens() {
        for t in [
            "__DB_PASSWORD__",
            "#NIXOS_MAILMAN_DB_PW#",
            "__x__",
            "##JANUSAPIKEY##",
        ] {
            assert!(template_token(t), "{t}");
            assert!(is_placeholder(t), "{t}");
        }
        for t in ["____", "##", "#s3cr3tWord#", "__a b__", "_x_"] {
            assert!(!template_token(t), "{t}");
        }
    }

    #[test]
    fn may_match_is_false_only_where_a_scan_finds_nothing() {
        let s = Scanner::new();
        for text in [
            "x\nkey = AKIAZ3MHALKJ4TQW7XYZ\n",
            "ghp_q8Zr2LmX0vT7pK3nW9yBcD4eF5gH6jK7lM8n",
            "DB_PASSWORD=Wr0ngHorse!Battery9",
        ] {
            assert!(
                !s.scan("etc/app.conf", text.as_bytes()).is_empty(),
                "{text}"
            );
            assert!(s.may_match(text.as_bytes()), "{text}");
        }
        for text in ["", "hello world", "/var/lib/nginx", "firefox"] {
            assert!(!s.may_match(text.as_bytes()), "{text}");
            assert!(s.scan("etc/app.conf", text.as_bytes()).is_empty(), "{text}");
        }
    }

    /// The gate takes the anchors as the scan does: a case-sensitive anchor in its case, an
    /// anchored format's anchor not inside a word, a URL's `://` with an `@` after it.
    #[test]
    fn may_match_takes_the_anchors_as_the_scan_does() {
        let s = Scanner::new();
        for text in [
            "/dev/disk/by-label/nixos",
            "usb_storage",
            "https://example.org/path?x=1",
            "fmask=0077",
        ] {
            assert!(!s.may_match(text.as_bytes()), "{text}");
            assert!(s.scan("etc/app.conf", text.as_bytes()).is_empty(), "{text}");
        }
        for text in [
            "postgres://app:Wr0ngHorse9@db/app",
            "SK0123456789abcdef0123456789abcdef",
            "x ghp_q8Zr2LmX0vT7pK3nW9yBcD4eF5gH6jK7lM8n",
        ] {
            assert!(s.may_match(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn patterns_compile_and_find_tokens() {
        let s = Scanner::new();
        let text = "x\nkey = AKIAZ3MHALKJ4TQW7XYZ\nghp_q8Zr2LmX0vT7pK3nW9yBcD4eF5gH6jK7lM8n\n";
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
        assert!(kinds("lib/python3/site.py", "password = self.password\n").is_empty());
        assert!(kinds("lib/python3/site.py", "password = getpass()\n").is_empty());
        assert!(kinds("etc/app.conf", "token=abcabcabcabc\n").is_empty());
        assert!(is_placeholder("generate"));
        assert!(is_placeholder("replace-with-a-private-bootstrap-token"));
        assert!(is_placeholder("REPLACE_WITH_YOUR_TOKEN"));
        assert!(is_placeholder("default"));
        assert!(is_placeholder("auto"));
        // OpenSSL cipher lists name `PSK` among the suites they leave out.
        assert!(kinds(
            "etc/nginx.conf",
            "ssl_ciphers 'ECDHE-RSA-AES128-SHA:AES:CAMELLIA:!aNULL:!eNULL:!EXPORT:!PSK:!aECDH:!EDH-DSS-DES-CBC3-SHA:!KRB5-DES-CBC3-SHA';\n"
        )
        .is_empty());
        // A shell variable spliced into a JSON text in a script; an rclone remote named
        // `…-secret` before its path; a path on a host (rclone's `upstreams = "Private=nas:/mnt"`).
        assert!(kinds(
            "bin/update-dns",
            "--data '{\"secretapikey\":\"'$SECRET_KEY'\",\"apikey\":\"'${API_KEY}'\"}'\n"
        )
        .is_empty());
        assert!(kinds(
            "bin/backup",
            "rclone copy /home/x pcloud-secret:'Backups/Framework Laptop' --config c\n"
        )
        .is_empty());
        assert!(kinds(
            "etc/rclone.conf",
            "upstreams = Private=nas:/mnt/personal Root=nas:/\n"
        )
        .is_empty());
        // A call's last keyword argument (Julia's `Pluto.run(…, require_secret_for_access=false)`).
        assert!(kinds(
            "bin/pluto",
            "julia -e 'Pluto.run(launch_browser=false, require_secret_for_access=false)'\n"
        )
        .is_empty());
        assert_eq!(
            kinds("etc/app.json", "{\"secret\":\"q8Zr2LmX0vT7pK3nW9yB\"}\n"),
            ["password-assignment"]
        );
        // Key bindings (rofi-pass's `type_pass="Alt+1"`).
        assert!(kinds("etc/app.conf", "type_pass=\"Alt+1\"\n").is_empty());
        assert!(kinds("etc/app.conf", "password=ctrl+shift+p\n").is_empty());
        assert_eq!(
            kinds("etc/app.conf", "password=Alt+Sup3rS3cret\n"),
            ["password-assignment"]
        );
        assert_eq!(
            kinds("etc/app.conf", "password=Sup3rS3cret!\n"),
            ["password-assignment"]
        );
        assert_eq!(
            kinds("etc/app.conf", "api_token = \"q8Zr2LmX0vT7pK3nW9yB\"\n"),
            ["secret-assignment"]
        );
        // The public half of a key pair: Stripe's publishable key, Porkbun's API key (its
        // secret is the `sk1_` one).
        assert!(kinds(
            "etc/app.conf",
            "api_key = \"pk1_4f8e2c1b9a7d6e5f3c2b1a0998877665544332211aabbccddeeff00112233445\"\n"
        )
        .is_empty());
        assert!(kinds(
            "etc/app.conf",
            "stripe_key = \"pk_live_51H8xQ2KZvKYlo2C0aBcDeFgHiJkLmNoPqRsTuVwXyZ\"\n"
        )
        .is_empty());
        assert!(!kinds(
            "etc/app.conf",
            "secret_api_key = \"sk1_9e8d7c6b5a4f3e2d1c0b9a8877665544332211aabbccddeeff0011223344556\"\n"
        )
        .is_empty());
    }

    /// Random tokens whose letters happen to fall into camel-case "words" or to repeat a short
    /// chunk somewhere are secrets (each missed by an earlier heuristic, about one random token in
    /// twenty); identifiers and stand-ins made of repetition are not.
    #[test]
    fn random_tokens_that_look_like_words_or_repeat_a_little() {
        assert_eq!(
            kinds(
                "srv/app/.env",
                "API_TOKEN=h8vrii5mlhdSKwwDVS61t3grvbVCXQ7q
"
            ),
            ["secret-assignment"]
        );
        assert!(!is_placeholder(
            "K10df430165dede0ca3fdcf0f37d3ec0466d529d1dc7bceb1c51b1b1bb8d3bbd406::server:93f40ce29a7d7e07ec4f2ff58e8b25bb"
        ));
        assert!(is_placeholder("abcd1234abcd1234abcd1234"));
        assert!(!is_placeholder("birdbirdbirdistheword"));
        assert!(kinds("etc/app.conf", "api_token = oauth2JwtBearerToken\n").is_empty());
    }

    /// A template action (`{{ with secret "…" }}` of vault-agent and consul-template, Jinja's
    /// `{% … %}`), the shell's `PWD` and its `=~` match, a name for a prompt: no assignment.
    #[test]
    fn template_actions_and_shell_tests_are_not_assignments() {
        for line in [
            "{{ with secret \"services/minio/admin\" }}\n",
            "{{ with secret \"x\" }}{{ .Data.data.user }}:{{ .Data.data.pass }}{{ end }}\n",
            "{% set secret = \"abcdefgh12345678\" %}\n",
            "if [[ $PWD =~ $HOME/dev ]]; then\n",
            "OLDPWD=/home/alice/src/project\n",
            "if [[ $password =~ ^[a-z]+$ ]]; then\n",
            "export XSECURELOCK_PASSWORD_PROMPT=asterisks\n",
            // A quoted word among a command's arguments (a public configuration's script).
            "wait_for_resource \"secret\" \"monitoring\" \"authentik-sso-credentials\" 300\n",
        ] {
            assert!(kinds("etc/app.conf", line).is_empty(), "{line}");
        }
        assert_eq!(
            kinds("etc/app.conf", "{{ end }} password=Sup3rS3cret!\n"),
            ["password-assignment"]
        );
        // A directive and its quoted value still is one.
        assert_eq!(
            kinds("etc/app.conf", "password \"Sup3rS3cret!\"\n"),
            ["password-assignment"]
        );
    }

    /// Found on a public association's configuration: PHP computing a password from a file
    /// after the quoted name (`putenv('PW=' . file_get_contents(…))`), MediaWiki's
    /// `$wgPasswordSender` (an address), a template's `##MARKER##` replaced before start.
    #[test]
    fn computed_values_addresses_and_markers_are_no_secrets() {
        for (rel, line) in [
            (
                "etc/tt-rss.php",
                "putenv('TTRSS_SMTP_PASSWORD=' . file_get_contents('/run/agenix/pw'));\n",
            ),
            ("etc/tt-rss.php", "putenv(\"DB_PASS=\" . getenv('X'));\n"),
            (
                "etc/LocalSettings.php",
                "$wgPasswordSender = \"admins@pub.solar\";\n",
            ),
            (
                "etc/janus.jcfg",
                "turn_rest_api_key = \"##JANUSAPIKEY##\"\n",
            ),
        ] {
            assert!(kinds(rel, line).is_empty(), "{line}");
        }
        // A quoted name and its own quoted value still are one.
        assert_eq!(
            kinds("etc/app.php", "putenv('DB_PASSWORD=Sup3rS3cret!');\n"),
            ["password-assignment"]
        );
        assert_eq!(
            kinds("etc/app.json", "{\"db_password\": \"Sup3rS3cret!\"}\n"),
            ["password-assignment"]
        );
    }

    /// Flake references and URIs (`github:owner/repo`, as a flake's `inputs.*.url` holds):
    /// a scheme and its path, not `name: value` (found on public NixOS configurations).
    #[test]
    fn flake_references_are_not_assignments() {
        for line in [
            "github:NixOS/nixpkgs/nixos-unstable\n",
            "url = \"github:nix-community/home-manager/release-24.05\";\n",
            "gitlab:owner/repo\n",
            "token:abc/def/ghi\n",
        ] {
            assert!(kinds("etc/app.conf", line).is_empty(), "{line}");
            assert!(kinds("flake.nix", line).is_empty(), "{line}");
        }
        assert_eq!(
            kinds("etc/app.conf", "token: q8Zr2LmX0vT7pK3nW9yB\n"),
            ["secret-assignment"]
        );
    }

    /// Lines of Python, Perl, JavaScript and Vim script libraries (as Debian ships them in
    /// `/usr/lib` and `/usr/share`) that named a credential in code: not secrets.
    #[test]
    fn calls_indexes_and_aliases_are_code() {
        for v in [
            "read_secret(",
            "read_secret(\"db\")",
            "sys.argv[1]",
            "os.environ[",
            "getpass()",
            "*db_password",
            // jq filters (a script turning a password manager's item into AWS credentials).
            "(.[] | select(.label ==",
            "(.[]",
            ".[0].value",
        ] {
            assert!(looks_like_code(v), "{v}");
        }
        // A password's word with digits before a bracket, a glob, a lone star.
        for v in [
            "Pa55w0rd(2024",
            "Tr0ub4dor&3",
            "*",
            "*9a8b7c6d5e4f",
            "(hunter2)",
        ] {
            assert!(!looks_like_code(v), "{v}");
        }
    }

    /// A hex digest beside the encoding its element names (Guacamole's `user-mapping.xml`).
    #[test]
    fn a_digest_with_its_encoding() {
        let d = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
        let line = format!(r#"<authorize username="u" password="{d}" encoding="sha256">"#);
        assert!(digest_with_encoding(line.as_bytes(), d));
        assert!(digest_with_encoding(
            b"<authorize password='5f4dcc3b5aa765d61d8327deb882cf99' encoding='md5'>",
            "5f4dcc3b5aa765d61d8327deb882cf99"
        ));
        // No encoding named, another encoding, or no digest: not one.
        let plain = format!(r#"<authorize username="u" password="{d}">"#);
        assert!(!digest_with_encoding(plain.as_bytes(), d));
        assert!(!digest_with_encoding(
            br#"<?xml encoding="UTF-8"?> password="abc""#,
            "abc"
        ));
        let utf8 = format!(r#"<x password="{d}" encoding="UTF-8">"#);
        assert!(!digest_with_encoding(utf8.as_bytes(), d));
    }

    #[test]
    fn code_in_program_sources_is_not_a_secret() {
        for (file, line) in [
            (
                "lib/x.py",
                "        self._ssl_channel_credentials = grpc.ssl_channel_credentials(",
            ),
            (
                "lib/x.py",
                "query_params=['filter', 'maxResults', 'pageToken', 'returnPartialSuccess'],",
            ),
            (
                "lib/x.py",
                "    credentials: Optional[ga_credentials.Credentials] = None,",
            ),
            ("lib/x.py", "token = token_response[\"accessToken\"]"),
            (
                "lib/x.py",
                "fetchAccessTokenRequest = _messages.MessageField('FetchAccessTokenRequest', 2)",
            ),
            (
                "lib/x.py",
                "serviceAgentAuth = _messages.EnumField('ServiceAgentAuthValueValuesEnum', 10)",
            ),
            (
                "lib/x.py",
                "credentials._private_key_pkcs12 = private_key_pkcs12",
            ),
            ("lib/x.py", "printer('    url, credentials=credentials,')"),
            (
                "lib/x.py",
                "_CREDENTIALS_FILENAME = \"application_default_credentials.json\"",
            ),
            (
                "lib/x.py",
                "key_file_pass = config.get('Credentials', 'gs_service_key_file_password',",
            ),
            (
                "lib/x.py",
                "m = re.match(r\"^projects/(?P<project>.+?)/secrets/(?P<secret>.+?)$\", path)",
            ),
            ("lib/x.py", "    'Cache-Control': 'private, max-age=20',"),
            (
                "lib/x.js",
                "exports.SOCKS5_CUSTOM_AUTH_END = SOCKS5_CUSTOM_AUTH_END;",
            ),
            ("lib/x.js", "}else if(token === LEFT_BRACE){"),
            ("lib/x.pm", "my $auth = $Net::SSLeay::proxyauth;"),
            ("lib/x.pm", "$token = $self->get_token || return undef;"),
            ("lib/x.t", "pass \"no error messages during upgrade\";"),
            (
                "lib/x.py",
                "help=\"Specify a proxy in the form scheme://[user:passwd@]proxy.server:port.\",",
            ),
            (
                "lib/x.py",
                "Authorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW",
            ),
            (
                "lib/x.py",
                "Location: http://example.com/cb#access_token=2YotnFZFEjr1zCsicMWpAA",
            ),
            (
                "lib/x.pod",
                "Sets the default password callback called when loading a PEM certificate.",
            ),
        ] {
            assert!(
                kinds(file, &format!("{line}\n")).is_empty(),
                "{file}: {line}"
            );
        }
        // A literal is still a literal in a program source.
        assert_eq!(
            kinds("lib/x.py", "API_TOKEN = \"q8Zr2LmX0vT7pK3nW9yB\"\n"),
            ["secret-assignment"]
        );
        assert_eq!(
            kinds("bin/deploy.sh", "export DB_PASSWORD=Xk7pQ9wLm2\n"),
            ["password-assignment"]
        );
    }

    #[test]
    fn kubernetes_secret_values() {
        let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  dsn: cG9zdGdyZXM6Ly9hcHA6WGs3cFE5d0xtMkBkYg==\n  user: YXBw\nstringData:\n  token: Q7mZ2xL9pR4vK8nT\n";
        // `dsn` by the manifest, `token` by its name already (one hit per line).
        let mut k = kinds("manifests/db.yaml", secret);
        k.sort_unstable();
        assert_eq!(k, ["kubernetes-secret", "secret-assignment"]);
        // Another kind in the next document, templates and short values: nothing.
        let other = "kind: Secret\ndata:\n  a: ''\n---\nkind: ConfigMap\ndata:\n  key: secret/mysecret\n---\nkind: ExternalSecret\nspec:\n  data:\n    - key: cG9zdGdyZXM6Ly9hcHA6WGs3cFE5d0xtMkBkYg==\n";
        assert!(kinds("manifests/x.yaml", other).is_empty());
        assert!(kinds("manifests/x.yaml", "kind: Secret\ndata:\n  x: YmFyCg==\n").is_empty());
    }

    #[test]
    fn entropy_is_bits_per_char() {
        assert!(entropy("aaaa") < 0.01);
        assert!((entropy("ab") - 1.0).abs() < 1e-9);
    }
}
