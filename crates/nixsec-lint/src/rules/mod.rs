//! Configuration rules: one small module per catalogue id, registered in [`LINT_RULES`].
//!
//! A rule names the option paths it looks at ([`LintRule::options`]); the engine walks a
//! file's index once and hands each matching assignment to the rule ([`LintRule::check`]).
//! Rules that depend on NixOS defaults also look at a whole configuration
//! ([`LintRule::check_config`]).

use nixsec_catalogue::Entry;
use nixsec_core::Severity;
use rnix::TextRange;

use crate::config::ConfigView;
use crate::index::{Assignment, FileIndex, ModuleKind};
use crate::value::{Val, Value};

pub mod accounts;
pub mod firewall;
pub mod isolation;
pub mod kernel;
pub mod multi_user;
pub mod secure_boot;
pub mod store_integrity;
pub mod store_secrets;
pub mod vulnerabilities;

/// What a rule sees of one file.
pub struct FileCx<'a> {
    /// The file's name as reported.
    pub file: &'a str,
    /// Its text.
    pub src: &'a str,
    /// Its index.
    pub index: &'a FileIndex,
    /// NixOS, nix-darwin or home-manager.
    pub kind: ModuleKind,
    /// The files of the run nixsec reads in the clear (canonical paths), and this file's
    /// directory: a value imported from one of them is judged where it is written. `None` when
    /// one source is linted on its own.
    pub run: Option<(
        &'a crate::fast::HashSet<std::path::PathBuf>,
        &'a std::path::Path,
    )>,
    /// What the other files of the run show.
    pub facts: &'a RunFacts,
    /// The VM and container daemons of [`VM_DAEMONS`], then Docker's, that the host
    /// configurations reaching this file turn on; `None` (the run's [`RunFacts::vm_daemons`]
    /// instead) for a file no host reaches, or one a host reaches whose modules nixsec could not
    /// all follow.
    pub host_daemons: Option<[bool; 4]>,
}

/// What the files of a run show that one file's rules need.
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    /// Some file of the run turns podman's Docker-compatible socket on
    /// (`virtualisation.podman.dockerSocket.enable = true`).
    pub podman_socket: bool,
    /// The VM and container daemons some file of the run turns on (libvirtd, lxd, incus),
    /// whose groups give root; `None` when one source is linted on its own (not known).
    pub vm_daemons: Option<[bool; 3]>,
    /// Some file of the run turns the Docker daemon off (`virtualisation.docker.enable =
    /// false`) and none turns it on: its group gives nothing.
    pub docker_off: bool,
    /// Some file of the run turns the Docker daemon on (to anything but `false`).
    pub docker_on: bool,
    /// The names some file of the run builds systems from (`NAME.lib.nixosSystem`,
    /// `inputs.NAME.lib.nixosSystem`): a flake input of that name is the systems' nixpkgs.
    pub system_inputs: std::collections::HashSet<String>,
}

/// The daemons of [`RunFacts::vm_daemons`], in order: the option path that turns each on, and
/// the group that gives root through it.
pub const VM_DAEMONS: [(&[&str], &str); 3] = [
    (&["virtualisation", "libvirtd", "enable"], "libvirtd"),
    (&["virtualisation", "lxd", "enable"], "lxd"),
    (&["virtualisation", "incus", "enable"], "incus-admin"),
];

impl FileCx<'_> {
    /// True when `written` (a path as written in this file, `../secrets`, `./vars.nix`) is a
    /// file of the run that nixsec reads in the clear (a directory means its `default.nix`).
    #[must_use]
    pub fn reads_in_the_clear(&self, written: &str) -> bool {
        let (Some((files, _)), Some(p)) = (self.run, self.in_repository(written)) else {
            return false;
        };
        files.contains(&p) || files.contains(&p.join("default.nix"))
    }

    /// The file a relative path written in this file names (`../secrets/x`), when the run
    /// has the file's directory; `None` for absolute, search-path or interpolated paths.
    fn in_repository(&self, written: &str) -> Option<std::path::PathBuf> {
        let (_, dir) = self.run?;
        // `${self}/secrets/x`: relative to the flake's root, the nearest directory up with a
        // `flake.nix`.
        if let Some(rel) = written.strip_prefix("${self}/") {
            if rel.contains("${") {
                return None;
            }
            let root = dir.ancestors().find(|d| d.join("flake.nix").is_file())?;
            return Some(crate::config::normalize(&root.join(rel)));
        }
        if written.starts_with('/') || written.starts_with('<') || written.contains("${") {
            return None;
        }
        Some(crate::config::normalize(&dir.join(written)))
    }

    /// True when `written` (a path as written in this file) is a file git-crypt encrypts in
    /// the repository: on disk it is git-crypt's ciphertext (a checkout without the key), or a
    /// `.gitattributes` of its directory or one above it in the repository gives it
    /// `filter=git-crypt`. The author keeps it secret; a build from a checkout with the key
    /// copies its clear text into the store.
    #[must_use]
    pub fn git_crypted(&self, written: &str) -> bool {
        let Some(p) = self.in_repository(written) else {
            return false;
        };
        if !std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
            return false;
        }
        let mut head = [0u8; 10];
        if std::fs::File::open(&p)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
            .is_ok()
            && &head == b"\0GITCRYPT\0"
        {
            return true;
        }
        for dir in p.ancestors().skip(1).take(8) {
            if let Ok(text) = std::fs::read_to_string(dir.join(".gitattributes")) {
                let mut rules = ignore::gitignore::GitignoreBuilder::new(dir);
                let mut any = false;
                for line in text.lines() {
                    let mut words = line.split_whitespace();
                    let Some(pattern) = words.next().filter(|w| !w.starts_with('#')) else {
                        continue;
                    };
                    if words.any(|w| w == "filter=git-crypt") {
                        any |= rules.add_line(None, pattern).is_ok();
                    }
                }
                if any
                    && rules
                        .build()
                        .is_ok_and(|g| g.matched(&p, false).is_ignore())
                {
                    return true;
                }
            }
            // The repository's top: nothing above it is the repository's.
            if dir.join(".git").exists() || dir.join("flake.nix").is_file() {
                break;
            }
        }
        false
    }

    /// The file of the repository a relative path written in this file names (`./app.env`,
    /// `${self}/x`); `None` for absolute, search-path or interpolated paths, or one source
    /// linted on its own.
    #[must_use]
    pub fn file_in_repository(&self, written: &str) -> Option<std::path::PathBuf> {
        self.in_repository(written)
    }

    /// True when `written` (a path as written in this file) is a file of the repository whose
    /// content stays encrypted when deployed ([`encrypted_data`]: age, OpenPGP, `openssl enc`,
    /// a sops document, an environment file of `NAME=` ciphertexts; not git-crypt), or that
    /// holds public material only ([`public_data`]: certificates, public keys). A missing or
    /// unreadable file is not known to be either.
    ///
    /// A file name built at evaluation (`../secrets/host-key-${hostName}`) stands for the
    /// files of its directory it can name: encrypted when there is one and every one is.
    #[must_use]
    pub fn encrypted_on_disk(&self, written: &str) -> bool {
        if let Some((dir, name)) = written.rsplit_once('/') {
            if name.contains("${") && !dir.contains("${") {
                return self.every_file_named_encrypted(dir, name);
            }
        }
        let Some(p) = self.in_repository(written) else {
            return false;
        };
        file_encrypted(&p)
    }

    /// The files of `dir` (as written here) that `name` (`key-${host}`, interpolations
    /// standing for any text) can name: at least one, and every one encrypted.
    fn every_file_named_encrypted(&self, dir: &str, name: &str) -> bool {
        let Some(d) = self.in_repository(if dir.is_empty() { "/" } else { dir }) else {
            return false;
        };
        // The literal parts of the name, in order (`key-`, `` for `key-${host}`).
        let mut parts = Vec::new();
        let mut rest = name;
        while let Some(i) = rest.find("${") {
            parts.push(&rest[..i]);
            let Some(j) = rest[i..].find('}') else {
                return false;
            };
            rest = &rest[i + j + 1..];
        }
        parts.push(rest);
        let matches = |file: &str| {
            let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
                return false;
            };
            if !file.starts_with(first) || file.len() < first.len() + last.len() {
                return false;
            }
            let mut at = first.len();
            for p in &parts[1..parts.len() - 1] {
                match file[at..].find(p) {
                    Some(i) => at += i + p.len(),
                    None => return false,
                }
            }
            file.len() - at >= last.len() && file.ends_with(last)
        };
        let Ok(entries) = std::fs::read_dir(&d) else {
            return false;
        };
        let mut seen = 0usize;
        for e in entries.flatten().take(4096) {
            let file = e.file_name();
            let Some(file) = file.to_str() else { continue };
            if !matches(file) {
                continue;
            }
            // A name that can be many files (`./secrets/${name}`) is judged on at most 64:
            // past them it is not known to be encrypted (each is read up to 256 KiB).
            if seen == 64 || !file_encrypted(&e.path()) {
                return false;
            }
            seen += 1;
        }
        seen > 0
    }
}

/// The file at `p` is a regular file whose content stays encrypted when deployed.
fn file_encrypted(p: &std::path::Path) -> bool {
    // A regular file only: a FIFO or a device named like a key would block or never end.
    if !std::fs::metadata(p).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let Ok(file) = std::fs::File::open(p) else {
        return false;
    };
    let mut bytes = Vec::new();
    if std::io::Read::read_to_end(&mut std::io::Read::take(file, 256 << 10), &mut bytes).is_err() {
        return false;
    }
    encrypted_data(&bytes) || public_data(&bytes)
}

/// `bytes` (a data file's start) hold public material only: PEM certificates, public keys,
/// CRLs or parameters, or lines of SSH public keys (an `authorized_keys` file). What such a
/// file is called does not make it a secret (`intermediate.pem`).
#[must_use]
pub fn public_data(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    if text.contains("PRIVATE KEY") {
        return false;
    }
    const PUBLIC_PEM: &[&str] = &[
        "CERTIFICATE",
        "TRUSTED CERTIFICATE",
        "X509 CRL",
        "PUBLIC KEY",
        "RSA PUBLIC KEY",
        "PKCS7",
        "DH PARAMETERS",
        "EC PARAMETERS",
        "SSH2 PUBLIC KEY",
        "PGP PUBLIC KEY BLOCK",
    ];
    let mut pem = 0usize;
    let mut rest = text;
    while let Some(i) = rest.find("-----BEGIN ") {
        let after = &rest[i + 11..];
        let Some(j) = after.find("-----") else {
            return false;
        };
        if !PUBLIC_PEM.contains(&after[..j].trim()) {
            return false;
        }
        pem += 1;
        rest = &after[j..];
    }
    if pem > 0 {
        return true;
    }
    // An `authorized_keys`-like file: every line a public key, options before it allowed.
    let mut keys = 0usize;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key = line.split_whitespace().any(|w| {
            w.starts_with("ssh-") || w.starts_with("ecdsa-sha2-") || w.starts_with("sk-ssh-")
        }) && line.split_whitespace().any(|w| w.starts_with("AAAA"));
        if !key {
            return false;
        }
        keys += 1;
    }
    keys > 0
}

/// `bytes` (a data file's start) are encrypted when deployed: whole (age, OpenPGP, `openssl
/// enc`), as a sops document, or as an environment file whose every value is a ciphertext.
/// git-crypt is not: a checkout with the key holds the files in the clear, and that is what
/// the store gets.
#[must_use]
pub fn encrypted_data(bytes: &[u8]) -> bool {
    match crate::engine::encrypted_by(bytes) {
        Some("git-crypt") => return false,
        Some(_) => return true,
        None => {}
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    // sops: every value `ENC[AES256_GCM,…]`, the document's `sops` metadata with its MAC.
    if text.contains("ENC[AES256_GCM,") && text.contains("sops") {
        return true;
    }
    let mut values = 0;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return false;
        };
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        if name.trim().is_empty()
            || !(crate::engine::encrypted_by(value.as_bytes()).is_some()
                || value.starts_with("ENC["))
        {
            return false;
        }
        values += 1;
    }
    values > 0
}

/// One problem a rule found at a place in the file being checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Where (the value, or the list element, at fault).
    pub range: TextRange,
    /// What is wrong, one line.
    pub message: String,
    /// Severity when it differs from the rule's default.
    pub severity: Option<Severity>,
    /// The exact NixOS line to write, when it differs from the rule's generic fix.
    pub fix: Option<String>,
    /// What the problem is about (the finding's `subject`), when the rule names it.
    pub subject: Option<String>,
    /// The value to show instead of the assignment's (a secret's redacted form).
    pub value: Option<String>,
    /// A string literal holding a secret (the hit's region, or a part of it): masked in the
    /// source line shown to people.
    pub mask: Option<TextRange>,
    /// The condition under which the problem exists, beyond the assignment's own (a list
    /// element under `lib.optional c`, a `Match` block of `extraConfig`).
    pub condition: Option<String>,
    /// Hits of one rule at one place with the same key are one finding listing their members
    /// (one shared `extraGroups` list given to many users): `(key, member)`.
    pub group: Option<(String, String)>,
    /// Where a grouped hit goes when its group has no other member (a path bound to a name
    /// and used once is reported at the use).
    pub single: Option<TextRange>,
}

impl Hit {
    /// A hit with the rule's default severity and fix.
    pub fn new(range: TextRange, message: impl Into<String>) -> Hit {
        Hit {
            range,
            message: message.into(),
            severity: None,
            fix: None,
            subject: None,
            value: None,
            mask: None,
            condition: None,
            group: None,
            single: None,
        }
    }

    /// Only under `cond` (none: unconditional).
    #[must_use]
    pub fn when(mut self, cond: Option<&str>) -> Hit {
        if let Some(c) = cond {
            self.condition = Some(match self.condition.take() {
                Some(old) => format!("{old} && {c}"),
                None => c.to_string(),
            });
        }
        self
    }

    /// One of several hits at one place that are reported together (see [`Hit::group`]).
    #[must_use]
    pub fn grouped(mut self, key: impl Into<String>, member: impl Into<String>) -> Hit {
        self.group = Some((key.into(), member.into()));
        self
    }

    /// Reported at `range` instead when its group has no other member.
    #[must_use]
    pub fn single_at(mut self, range: TextRange) -> Hit {
        self.single = Some(range);
        self
    }

    /// About `subject`.
    #[must_use]
    pub fn subject(mut self, s: impl Into<String>) -> Hit {
        self.subject = Some(s.into());
        self
    }

    /// The region is a string literal holding a secret: shown as `redacted` (as the value),
    /// masked in the source line.
    #[must_use]
    pub fn secret(mut self, redacted: impl Into<String>) -> Hit {
        self.value = Some(redacted.into());
        self.mask = Some(self.range);
        self
    }

    /// The string literal at `literal` (inside the region) holds a secret: the value is shown
    /// as `redacted`, the literal masked in the source line.
    #[must_use]
    pub fn secret_at(mut self, literal: TextRange, redacted: impl Into<String>) -> Hit {
        self.value = Some(redacted.into());
        self.mask = Some(literal);
        self
    }

    /// With a severity of its own.
    #[must_use]
    pub fn severity(mut self, s: Severity) -> Hit {
        self.severity = Some(s);
        self
    }

    /// With a specific fix.
    #[must_use]
    pub fn fix(mut self, f: impl Into<String>) -> Hit {
        self.fix = Some(f.into());
        self
    }
}

/// A configuration rule.
pub trait LintRule: Sync {
    /// Module kinds the rule applies to (NixOS only unless said otherwise).
    fn kinds(&self) -> &'static [ModuleKind] {
        &[ModuleKind::NixOS]
    }
    /// Option paths the rule looks at (`*` matches one component).
    fn options(&self) -> &'static [&'static [&'static str]];
    /// Other assignments the rule looks at, whatever their path, chosen by name pattern or by
    /// value (a secret in any string, a file copied into the store): kept by the index and
    /// handed to [`LintRule::check`] besides those of [`LintRule::options`].
    fn wants(&self, _a: &Assignment) -> bool {
        false
    }
    /// True when [`LintRule::check`] is to see `a`.
    fn looks_at(&self, a: &Assignment) -> bool {
        self.options().iter().any(|p| a.is(p)) || self.wants(a)
    }
    /// Check one assignment to one of [`LintRule::options`] (or one [`LintRule::wants`]).
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>);
    /// Other option paths the rule reads, in [`LintRule::check`] through the file's index or in
    /// [`LintRule::check_config`] (assignments matching no rule are not kept after indexing).
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[]
    }
    /// Check a whole configuration (for rules that depend on NixOS defaults).
    fn check_config(&self, _cfg: &ConfigView<'_>, _out: &mut Vec<crate::config::ConfigHit>) {}
    /// Check what a file does outside option assignments (its fetches), once per file; `cx.kind`
    /// is the kind of the file's own module.
    fn check_file(&self, _cx: &FileCx<'_>, _out: &mut Vec<Hit>) {}
    /// The message of one finding for several grouped hits at one place (see [`Hit::group`]):
    /// the group's key and its members, in order.
    fn merged(&self, key: &str, members: &[String]) -> String {
        format!("{key}: {}", members.join(", "))
    }
}

/// `items` quoted as code (`` `a` ``), each once, in their first order: the members of a
/// merged message, where one may be reached through two configurations.
pub(crate) fn quoted_once(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        let q = format!("`{i}`");
        if !out.contains(&q) {
            out.push(q);
        }
    }
    out
}

/// One registered configuration checker: the catalogue id it attaches to, where it is defined,
/// and the check (reached through `Deref`).
pub struct LintReg {
    /// Catalogue id (`NIX-012`).
    pub id: &'static str,
    /// The checker's source file (`file!()`).
    pub source: &'static str,
    /// The check.
    pub rule: &'static dyn LintRule,
}

impl LintReg {
    /// The rule's catalogue entry.
    #[must_use]
    pub fn entry(&self) -> &'static Entry {
        nixsec_catalogue::entry(self.id)
    }
}

impl std::ops::Deref for LintReg {
    type Target = dyn LintRule;
    fn deref(&self) -> &Self::Target {
        self.rule
    }
}

/// Every configuration checker, added by the checker files themselves with [`lint_rule!`].
#[linkme::distributed_slice]
pub static LINT_RULES: [LintReg];

/// Register a configuration checker for a catalogue id: `lint_rule!("NIX-012", SandboxDisabled);`.
#[macro_export]
macro_rules! lint_rule {
    ($id:literal, $rule:expr) => {
        // linkme places the entry with `#[link_section]`, which `unsafe_code` flags.
        #[allow(unsafe_code)]
        #[linkme::distributed_slice($crate::rules::LINT_RULES)]
        static LINT_RULE: $crate::rules::LintReg = $crate::rules::LintReg {
            id: $id,
            source: file!(),
            rule: &$rule,
        };
    };
}

/// The registered configuration checkers, sorted by id.
#[must_use]
pub fn lint_rules() -> Vec<&'static LintReg> {
    let mut v: Vec<&'static LintReg> = LINT_RULES.iter().collect();
    v.sort_by_key(|r| r.id);
    v
}

/// Nix's and sshd's spellings of yes/no: `true`/`false`, `"yes"`/`"no"`.
#[must_use]
pub fn yes_no(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Str(s) if s.eq_ignore_ascii_case("yes") => Some(true),
        Value::Str(s) if s.eq_ignore_ascii_case("no") => Some(false),
        _ => None,
    }
}

/// The known string elements of a list value (or of a single string), with their places.
#[must_use]
pub fn strings(v: &Val) -> Vec<(&str, TextRange)> {
    elements(v).into_iter().map(|(s, r, _)| (s, r)).collect()
}

/// The known string elements of a list value (or of a single string), with their places and
/// the condition under which each is present (`lib.optional c "x"`, `if c then [ "x" ] else
/// [ ]`, a filtered literal list).
#[must_use]
pub fn elements(v: &Val) -> Vec<(&str, TextRange, Option<&str>)> {
    match &v.v {
        Value::List(items) => items
            .iter()
            .filter_map(|i| i.v.text().map(|s| (s, i.range, i.cond.as_deref())))
            .collect(),
        Value::Str(s) | Value::Interp(s) => s
            .split_whitespace()
            .map(|w| (w, v.range, v.cond.as_deref()))
            .collect(),
        _ => Vec::new(),
    }
}

/// `key = value` lines of a literal `nix.extraOptions` string whose key is one of `keys`
/// (or its `extra-` form): `(key, value, place of the line in the source)`.
#[must_use]
pub fn nix_conf_lines(
    a: &Assignment,
    cx: &FileCx<'_>,
    keys: &[&str],
) -> Vec<(String, String, TextRange)> {
    let Some(text) = a.value.v.text() else {
        return Vec::new();
    };
    let raw_start = usize::from(a.value.range.start());
    let raw = cx
        .src
        .get(raw_start..usize::from(a.value.range.end()))
        .unwrap_or("");
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        let base = k.strip_prefix("extra-").unwrap_or(k);
        if !keys.contains(&base) {
            continue;
        }
        // Point at the line inside the string when it is written literally there.
        let range = match raw.find(k) {
            Some(p) => {
                let end = raw[p..]
                    .find(['\n', '\\', '"', '\''])
                    .map_or(raw.len(), |e| p + e);
                let s = u32::try_from(raw_start + p).unwrap_or(u32::MAX);
                let e = u32::try_from(raw_start + end).unwrap_or(u32::MAX);
                TextRange::new(s.into(), e.into())
            }
            None => a.value.range,
        };
        out.push((k.to_string(), v.trim().to_string(), range));
    }
    out
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod registry_tests {
    use super::*;

    /// Catalogue ids and severities of the configuration rules, by hand from
    /// `rules-catalogue.md`.
    const EXPECTED: &[(&str, Severity)] = &[
        ("NIX-012", Severity::High),
        ("NIX-014", Severity::Critical),
        ("NIX-020", Severity::Critical),
        ("NIX-021", Severity::Medium),
        ("NIX-027", Severity::High),
        ("NIX-030", Severity::High),
        ("NIX-031", Severity::Medium),
        ("NIX-032", Severity::High),
        ("NIX-033", Severity::High),
        ("NIX-055", Severity::Critical),
        ("NIX-056", Severity::High),
        ("NIX-062", Severity::Medium),
        ("NIX-063", Severity::Medium),
        ("NIX-070", Severity::High),
        ("NIX-071", Severity::High),
        ("NIX-072", Severity::High),
        ("NIX-073", Severity::Low),
        ("NIX-075", Severity::Low),
        ("NIX-078", Severity::High),
        ("NIX-079", Severity::Medium),
        ("NIX-080", Severity::Low),
        ("NIX-090", Severity::High),
        ("NIX-094", Severity::High),
        ("NIX-118", Severity::High),
        ("NIX-130", Severity::Critical),
        ("NIX-132", Severity::Medium),
        ("NIX-133", Severity::Medium),
        ("NIX-136", Severity::Medium),
        ("NIX-152", Severity::High),
        ("NIX-153", Severity::Medium),
        ("NIX-155", Severity::High),
    ];

    #[test]
    fn registry_matches_the_catalogue() {
        let got: Vec<(&str, Severity)> = lint_rules()
            .iter()
            .map(|r| (r.id, r.entry().severity))
            .collect();
        assert_eq!(got, EXPECTED);
        let ids: Vec<&str> = got.iter().map(|(id, _)| *id).collect();
        let mut unique = ids.clone();
        unique.dedup();
        assert_eq!(ids, unique, "two configuration checkers claim one id");
        for r in lint_rules() {
            assert!(
                r.entry().lint.is_some(),
                "{}: no `[lint]` in {}",
                r.id,
                r.entry().file
            );
            assert!(r.source.contains("src/rules/"), "{}", r.source);
            assert!(!r.options().is_empty(), "{}", r.id);
        }
        for e in nixsec_catalogue::all().iter().filter(|e| e.lint.is_some()) {
            assert!(
                ids.contains(&e.id),
                "{}: `[lint]` in the catalogue, no checker",
                e.id
            );
        }
    }
}
