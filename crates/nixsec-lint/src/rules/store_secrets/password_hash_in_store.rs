//! NIX-031: a password hash written into the configuration.

use std::fmt::Write as _;

use nixsec_core::Severity;

use crate::index::{Assignment, OriginKind};
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct PasswordHashInStore;

crate::lint_rule!("NIX-031", PasswordHashInStore);

/// A weak crypt scheme, by prefix (or DES by shape).
fn weak(h: &str) -> Option<&'static str> {
    if h.starts_with("$1$") {
        Some("MD5")
    } else if h.starts_with("$5$") {
        Some("SHA-256")
    } else if h.len() == 13 && !h.starts_with('$') {
        Some("DES")
    } else {
        None
    }
}

/// A hash shown by its scheme only (offline cracking needs the rest).
fn shown(hash: &str) -> String {
    if let Some(scheme) = ldap_hash(hash) {
        return format!("\"{{{scheme}}}<redacted>\"");
    }
    hash.split('$').nth(1).map_or_else(
        || "\"<redacted hash>\"".to_string(),
        |id| format!("\"${id}$<redacted>\""),
    )
}

/// Password schemes of LDAP directories (`{SSHA}…` as `slappasswd` writes it).
const LDAP_SCHEMES: &[&str] = &[
    "SSHA", "SHA", "SSHA256", "SSHA384", "SSHA512", "SHA256", "SHA384", "SHA512", "SMD5", "MD5",
    "CRYPT", "BCRYPT",
];

/// The 6-bit value of a base64 digit.
fn b64(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// The first bytes of a base64 text (whole groups of four digits, up to `max` groups).
fn b64_prefix(s: &str, max: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for group in s.as_bytes().chunks(4).take(max) {
        if group.len() < 4 || group.contains(&b'=') {
            break;
        }
        let mut n = 0u32;
        for c in group {
            n = (n << 6) | b64(*c)?;
        }
        out.extend_from_slice(&n.to_be_bytes()[1..]);
    }
    Some(out)
}

/// The scheme of an LDAP password hash (`{SSHA}…`, `{CRYPT}$6$…`, `{PBKDF2-SHA512}…`,
/// `{ARGON2}…`), also base64-encoded as an LDIF `userPassword::` value holds it.
pub(super) fn ldap_hash(v: &str) -> Option<String> {
    let t = v.trim();
    let scheme_of = |t: &str| -> Option<String> {
        let (scheme, body) = t.strip_prefix('{')?.split_once('}')?;
        let up = scheme.to_ascii_uppercase();
        let known = LDAP_SCHEMES.contains(&up.as_str())
            || up.starts_with("PBKDF2")
            || up.starts_with("ARGON2");
        (known && body.len() >= 8 && !body.contains(char::is_whitespace)).then_some(up)
    };
    if t.starts_with('{') {
        return scheme_of(t);
    }
    // Base64 of `{`: the first digit is `e`.
    if t.len() >= 16
        && t.len().is_multiple_of(4)
        && t.starts_with('e')
        && t.bytes().all(|c| b64(c).is_some() || c == b'=')
    {
        let head = b64_prefix(t, 6)?;
        let head = String::from_utf8_lossy(&head);
        let end = head.find('}')?;
        let scheme = scheme_of(&format!("{}{}", &head[..=end], "x".repeat(8)))?;
        return Some(scheme);
    }
    None
}

/// qBittorrent's PBKDF2 value: `@ByteArray(SALT:HASH)`, or the salt and the hash alone in
/// base64 (`SALT==:HASH==`, as its settings file is also written).
fn byte_array_hash(v: &str) -> bool {
    let t = v.trim();
    if let Some(r) = t.strip_prefix("@ByteArray(") {
        return r.strip_suffix(')').is_some_and(|r| {
            r.split_once(':')
                .is_some_and(|(a, b)| a.len() >= 8 && b.len() >= 8)
        });
    }
    let b64 = |p: &str| {
        p.len() >= 16
            && p.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
    };
    t.split_once(':').is_some_and(|(a, b)| b64(a) && b64(b))
}

/// A line of LDIF or of a configuration text that gives a password attribute an LDAP hash
/// (`userPassword: {SSHA}…`, `olcRootPW: {SSHA}…`, `rootpw {SSHA}…`).
fn ldif_hash_line(line: &str) -> bool {
    let l = line.trim();
    let (attr, value) = match l.split_once(':') {
        Some((a, v)) if !a.contains(char::is_whitespace) => (a, v.trim_start_matches(':')),
        _ => match l.split_once(char::is_whitespace) {
            Some(p) => p,
            None => return false,
        },
    };
    // An LDAP hash starts with its `{SCHEME}` or, in base64, with `e`: most lines are told
    // by that, before the name is copied.
    let v = value.trim_start();
    if !(v.starts_with('{') || v.starts_with('e')) {
        return false;
    }
    let attr = attr.to_ascii_lowercase();
    (attr.contains("password") || attr.ends_with("pw")) && ldap_hash(value).is_some()
}

/// A text that gives a password attribute an LDAP hash on one of its lines.
pub(super) fn has_ldif_hash(text: &str) -> bool {
    text.contains('\n') && text.lines().any(ldif_hash_line)
}

/// A key of a value a client sends as it is (`bindPassword`, `bind.pw`, `bind_pw`, Dovecot's
/// `dnpass`): what is written there is the password itself, however it looks.
pub(super) fn client_key(key: &str) -> bool {
    use super::secret_file_copied::{normalized_contains, normalized_starts_with};
    let b = key.as_bytes();
    // Most keys have no `b` at all, and start with no `d`: told before any comparing.
    let first = b.iter().find(|c| !matches!(c, b'_' | b'-' | b'.'));
    (memchr::memchr2(b'b', b'B', b).is_some() && normalized_contains(key, b"bind"))
        || (first.is_some_and(|c| c.eq_ignore_ascii_case(&b'd'))
            && normalized_starts_with(key, b"dnpass"))
}

/// False when no scheme [`hash_literal`] knows can be in `h`: each has a `$` (crypt, PHC), a
/// `{` (LDAP, Transmission), a `:` (qBittorrent, Jupyter, MediaMTX, htpasswd lines), a line
/// break (LDIF, keyed lines), CouchDB's `-pbkdf2` or, in base64 (an LDIF `::` value), an
/// `e` first.
fn may_be_hash(h: &str) -> bool {
    let b = h.as_bytes();
    memchr::memchr3(b'$', b'{', b':', b).is_some()
        || memchr::memchr(b'\n', b).is_some()
        || h.trim_start().starts_with('e')
        || memchr::memmem::find(b, b"-pbkdf2").is_some()
}

/// The string `h`, the value of `key`, is a password hash: a crypt or PHC hash under a
/// `hashedPassword`-like key or a key naming a hash (`pwhash`, `Password_PBKDF2`), an LDAP
/// hash (`{SSHA}…`) under any key, or a text whose lines give LDAP hashes.
pub(super) fn hash_literal(key: &str, h: &str) -> bool {
    if !may_be_hash(h) || client_key(key) {
        return false;
    }
    use super::secret_file_copied::{normalized_contains, normalized_ends_with};
    let hash_key = matches!(
        key,
        "hashedPassword" | "initialHashedPassword" | "passwordHash"
    ) || normalized_contains(key, b"hash")
        || normalized_contains(key, b"pbkdf2");
    // Stalwart's directory users keep their password's hash under `secret` (a client's
    // `client_secret` hash is the client's, not an account's password).
    let secret_key = key.eq_ignore_ascii_case("secret");
    (hash_key && (nixsec_secrets::is_password_hash(h) || byte_array_hash(h)))
        || (password_key(key) && (crypt_hash(h) || transmission_hash(h) || jupyter_hash(h)))
        || ((password_key(key) || normalized_ends_with(key, b"pass")) && mediamtx_hash(h))
        || ((password_key(key) || normalized_ends_with(key, b"pass")) && couchdb_hash(h))
        || (secret_key && crypt_hash(h))
        || ldap_hash(h).is_some()
        || has_ldif_hash(h)
        || has_htpasswd_hash(h)
        || has_keyed_hash_line(h)
}

/// A text whose lines are an htpasswd file's (`user:$6$…`, `user:$apr1$…`): a crypt hash
/// after the user's name on some line, or the whole text one such line
/// (`pkgs.writeText "htpasswd" "janastu:$apr1$…"`).
fn has_htpasswd_hash(text: &str) -> bool {
    let entry = |l: &str| {
        l.trim().split_once(':').is_some_and(|(user, hash)| {
            !user.is_empty()
                && !user.contains(char::is_whitespace)
                && hash.starts_with('$')
                && crypt_hash(hash)
        })
    };
    if text.contains('\n') {
        text.lines().any(entry)
    } else {
        entry(text)
    }
}

/// A text with a line that gives a password key a crypt or PHC hash, as YAML, TOML or INI
/// write it (authelia's users file: `password: "$argon2id$v=19$…"`, `password_hash =
/// '$2b$12$…'`). A shell variable set in a script (`hash='$6$…'`) is left alone.
fn has_keyed_hash_line(text: &str) -> bool {
    use super::secret_file_copied::normalized_contains;
    text.contains('\n')
        && text.lines().any(|l| {
            if !l.contains('$') {
                return false;
            }
            let Some((key, value)) = l.split_once([':', '=']) else {
                return false;
            };
            // `key = value` (TOML, INI); not a shell's `var='$6$…'` in a script.
            if l.as_bytes().get(key.len()) == Some(&b'=') && !key.ends_with(' ') {
                return false;
            }
            let key = key
                .trim()
                .trim_start_matches("- ")
                .trim_matches(|c| c == '"' || c == '\'');
            let value = value
                .trim()
                .trim_end_matches(',')
                .trim_matches(|c| c == '"' || c == '\'');
            !key.is_empty()
                && !key.contains(char::is_whitespace)
                && (password_key(key) || normalized_contains(key, b"hash"))
                && crypt_hash(value)
        })
}

/// Transmission's salted SHA-1 of its RPC password as `settings.json` keeps it: `{`, 40 hex
/// digits of the digest, then 8 characters of salt.
fn transmission_hash(h: &str) -> bool {
    let Some(rest) = h.trim().strip_prefix('{') else {
        return false;
    };
    rest.len() == 48
        && rest.as_bytes()[..40].iter().all(u8::is_ascii_hexdigit)
        && rest.as_bytes()[40..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'/'))
}

/// CouchDB's hashed admin password as `local.ini` keeps it: `-pbkdf2-DERIVED,SALT,ITERATIONS`
/// (`-pbkdf2:sha256-…` since 3.4), hex digits and a count.
fn couchdb_hash(h: &str) -> bool {
    let h = h.trim();
    let Some(rest) = h.strip_prefix("-pbkdf2-").or_else(|| {
        h.strip_prefix("-pbkdf2:")
            .and_then(|r| r.split_once('-').map(|(_, r)| r))
    }) else {
        return false;
    };
    let parts: Vec<&str> = rest.split(',').collect();
    let hex = |p: &str| p.len() >= 16 && p.bytes().all(|c| c.is_ascii_hexdigit());
    matches!(parts.as_slice(), [d, s, n] if hex(d) && hex(s) && !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
}

/// Jupyter's (IPython's `passwd()`) password hash: `ALGORITHM:SALT:HEXDIGEST` (`sha1:`, a
/// hex salt, the hex digest of a fast hash), or `argon2:` before an argon2 PHC string.
/// MediaMTX's hashed credentials: `sha256:` and the base64 of a SHA-256 digest (32 bytes),
/// `argon2:` and a PHC string.
fn mediamtx_hash(h: &str) -> bool {
    let h = h.trim();
    if let Some(phc) = h.strip_prefix("argon2:") {
        return crypt_hash(phc);
    }
    h.strip_prefix("sha256:").is_some_and(|d| {
        d.len() == 44
            && d.ends_with('=')
            && d[..43]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
    })
}

fn jupyter_hash(h: &str) -> bool {
    let h = h.trim();
    if let Some(phc) = h.strip_prefix("argon2:") {
        return crypt_hash(phc);
    }
    let mut parts = h.split(':');
    let (Some(alg), Some(salt), Some(digest), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    matches!(
        alg,
        "sha1" | "sha224" | "sha256" | "sha384" | "sha512" | "md5"
    ) && salt.len() >= 8
        && salt.bytes().all(|c| c.is_ascii_hexdigit())
        && digest.len() >= 32
        && digest.bytes().all(|c| c.is_ascii_hexdigit())
}

/// A key named for a password (`password`, `gui.password`, `adminPasswd`, `rootpw`): a
/// program that keeps its own logins (Syncthing's GUI, AdGuard Home's users, selfoss) takes
/// the hash there.
fn password_key(key: &str) -> bool {
    use super::secret_file_copied::normalized_ends_with;
    ["password", "passwd", "pw"]
        .iter()
        .any(|w| normalized_ends_with(key, w.as_bytes()))
}

/// A crypt(3) or PHC hash of a known scheme (`$2b$10$…` bcrypt, `$6$…`, `$y$…`, `$argon2id$…`,
/// `$pbkdf2-sha256$…`): what is written is the hash, not a password that happens to start
/// with `$`.
fn crypt_hash(h: &str) -> bool {
    let t = h.trim();
    nixsec_secrets::is_password_hash(t)
        && t.split('$').nth(1).is_some_and(|id| {
            matches!(
                id,
                "1" | "2"
                    | "2a"
                    | "2b"
                    | "2x"
                    | "2y"
                    | "5"
                    | "6"
                    | "7"
                    | "y"
                    | "gy"
                    | "md5"
                    | "sha1"
                    | "apr1"
                    | "scrypt"
                    | "argon2i"
                    | "argon2d"
                    | "argon2id"
            ) || id.starts_with("pbkdf2")
        })
}

/// Every password hash literal inside `v` (whose own key is `key`), with its range and place
/// (`[0].users.root.hashedPassword`).
fn nested_hashes(
    v: &crate::value::Val,
    key: &str,
    place: &mut String,
    depth: usize,
    f: &mut dyn FnMut(&str, rnix::TextRange, &str),
) {
    // Values are bounded by the index's own depth limit; this is a second guard.
    if depth > 64 || client_key(key) {
        return;
    }
    match &v.v {
        Value::Str(h) if hash_literal(key, h) => {
            f(h, v.range, place);
        }
        Value::List(items) => {
            for (n, i) in items.iter().enumerate() {
                let mark = place.len();
                let _ = write!(place, "[{n}]");
                nested_hashes(i, key, place, depth + 1, f);
                place.truncate(mark);
            }
        }
        Value::Attrs(kv) => {
            for (k, x) in kv {
                if k.split('.').any(client_key) {
                    continue;
                }
                let last = k.rsplit('.').next().unwrap_or(k);
                let mark = place.len();
                place.push('.');
                place.push_str(k);
                nested_hashes(x, last, place, depth + 1, f);
                place.truncate(mark);
            }
        }
        _ => {}
    }
}

/// `users.users.<n>.hashedPassword` and its kin: the account's own password.
fn account_option(path: &[String]) -> bool {
    path.len() == 4 && path[0] == "users" && matches!(path[1].as_str(), "users" | "extraUsers")
}

/// An account's password hash read from a file into the configuration (`hashedPassword =
/// (import ./secrets/passwords.nix).root;`, `builtins.readFile ./root.hash`): whatever the
/// file holds, the hash ends up in the store. (NIX-032 leaves the accounts' password options
/// to this rule and reports the others.)
fn read_hash(a: &Assignment) -> Option<(&str, &str)> {
    // Another option's hash read from a file (`mailserver.loginAccounts.<n>.hashedPassword`)
    // is NIX-032's: a secret file read into the store.
    if !super::secret_file_copied::password_option(&a.path)
        || !a
            .path
            .last()
            .is_some_and(|l| l == "hashedPassword" || l == "initialHashedPassword")
        || a.path.iter().any(|c| client_key(c))
        || a.value.v.as_str().is_some()
    {
        return None;
    }
    // A part of a module argument not named for secrets (`settings.users.x.hashedPassword`)
    // is judged where it is written.
    a.origins.iter().find_map(|o| match &o.kind {
        OriginKind::Read { func, path } if func != "setting" => {
            Some((func.as_str(), path.as_str()))
        }
        _ => None,
    })
}

/// A hash inside any other option's value (a client's credential excepted).
fn other_hashes(a: &Assignment, f: &mut dyn FnMut(&str, rnix::TextRange, &str)) {
    if (!a.value.v.has_text() && !a.origins.iter().any(super::secret_literal::writes_text))
        || account_option(&a.path)
        || a.path.iter().any(|c| client_key(c))
    {
        return;
    }
    nested_hashes(
        &a.value,
        a.path.last().map_or("", String::as_str),
        &mut String::new(),
        0,
        f,
    );
    // A file the value names, written into the store (`pkgs.writeText "htpasswd" ''…''`).
    for o in &a.origins {
        if let OriginKind::Written { text, nested, .. } = &o.kind {
            for t in text.iter().chain(nested) {
                nested_hashes(t, "", &mut String::new(), 0, f);
            }
        }
    }
}

impl LintRule for PasswordHashInStore {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["users", "users", "*", "hashedPassword"],
            &["users", "users", "*", "initialHashedPassword"],
            &["users", "extraUsers", "*", "hashedPassword"],
            &["users", "extraUsers", "*", "initialHashedPassword"],
        ]
    }
    /// A service's own users (`services.mosquitto.listeners.*.users.<name>.hashedPassword`,
    /// any `…hashedPassword` option or attribute inside an option's value) written as a crypt
    /// or PHC hash literal, a value under a key naming a hash, an LDAP hash anywhere.
    fn wants(&self, a: &Assignment) -> bool {
        if read_hash(a).is_some() {
            return true;
        }
        let mut found = false;
        other_hashes(a, &mut |_, _, _| found = true);
        found
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if let Some((func, path)) = read_hash(a) {
            let option = crate::value::path_string(&a.path);
            let whence = match func {
                "argument" => format!("is taken from `{path}`, the secrets handed to the module,"),
                "option" => format!("is taken from the option `{path}`"),
                _ => format!(
                    "is read from `{path}` with `{}`",
                    func.rsplit('.').next().unwrap_or(func)
                ),
            };
            let user = if account_option(&a.path) {
                a.path[2].as_str()
            } else {
                "<name>"
            };
            out.push(Hit::new(
                a.value.range,
                format!(
                    "`{option}` {whence} into the configuration: the password hash it holds is world-readable in the store"
                ),
            ).fix(format!("users.users.{user}.hashedPasswordFile = \"/run/secrets/{user}-password\";  # a string, read at activation")));
            return;
        }
        if !account_option(&a.path) {
            let option = crate::value::path_string(&a.path);
            other_hashes(a, &mut |hash, range, place| {
                let hit = Hit::new(
                    range,
                    format!(
                        "the password hash of `{option}{place}` is world-readable in the store"
                    ),
                );
                out.push(hit.secret(if hash.contains('\n') {
                    "\"<redacted>\"".to_string()
                } else {
                    shown(hash)
                }));
            });
            return;
        }
        let Value::Str(hash) = &a.value.v else { return };
        if hash.is_empty() || hash.starts_with('!') || hash == "*" {
            return;
        }
        // A stand-in to be replaced at install time (`rootHash_placeholder`, `@ROOT_HASH@`):
        // no crypt hash (those start with `$`, or are DES's 13 characters) is one.
        if !hash.starts_with('$') && hash.len() != 13 && nixsec_secrets::is_placeholder(hash) {
            return;
        }
        let user = &a.path[2];
        let mut hit = Hit::new(
            a.value.range,
            format!("the password hash of user `{user}` is world-readable in the store"),
        )
        .fix(format!(
            "users.users.{user}.hashedPasswordFile = \"/run/secrets/{user}-password\";"
        ));
        if let Some(scheme) = weak(hash) {
            hit.message = format!(
                "the {scheme} password hash of user `{user}` is world-readable in the store (weak scheme)"
            );
            hit = hit.severity(Severity::High);
        }
        out.push(hit.secret(shown(hash)));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::{High, Medium};

    const ID: &str = "NIX-031";

    #[test]
    fn a_hash_taken_by_get_attr_from_a_read_file() {
        let src = "{ lib, ... }:\nlet\n  passwords = import ./passwords;\n  username = \"jl\";\nin {\n  users.users.jl.hashedPassword = builtins.getAttr username passwords;\n  users.users.b.hashedPassword = lib.getAttr \"b\" { b = null; };\n}\n";
        let lines: Vec<u32> = hits(src, ID).iter().map(|x| x.1).collect();
        assert_eq!(lines, [6]);
    }

    /// A hash read from a file at evaluation (a git-ignored secrets file, a let-bound import)
    /// is in the store whatever it is; a file named by `hashedPasswordFile` is read at run time.
    #[test]
    fn hashes_read_from_files() {
        for src in [
            "{ users.users.root.hashedPassword = (import ./secrets/unix-password.nix).root; }",
            "{ users.users.root.hashedPassword = builtins.readFile ./root.hash; }",
            "let pw = import ../secrets/pw.nix; in { users.users.ckie.hashedPassword = pw.ckie; }",
            "{ users.users.a.initialHashedPassword = lib.fileContents ./a.hash; }",
            // A file found on NIX_PATH is read the same.
            "let secrets = import <secrets>; in { users.extraUsers.root.hashedPassword = secrets.root_hashedPassword; }",
            // The secrets handed to the module (git-crypt files as an argument), or kept in a
            // repository's option.
            "{ secrets, lib, ... }: { users.users.delroth.hashedPassword = lib.mkForce secrets.shadowHash; }",
            "{ config, ... }: { users.users.ar.hashedPassword = config.my.secrets.userDB.ar.hash; }",
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
        for src in [
            "{ users.users.root.hashedPasswordFile = \"/run/secrets/root\"; }",
            "{ users.users.root.hashedPassword = config.sops.placeholder.root; }",
            "{ users.users.root.hashedPassword = \"!\"; }",
            // Another option's: NIX-032's.
            "{ mailserver.loginAccounts.a.hashedPassword = (import ../secrets/h.nix).a; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }

    #[test]
    fn hashes() {
        assert_eq!(
            hits(
                r#"{ users.users.alice.hashedPassword = "$y$j9T$abc$def"; }"#,
                ID
            ),
            [h("\"$y$j9T$abc$def\"", 1, Medium)]
        );
        assert_eq!(
            hits(
                r#"{ users.users.root.initialHashedPassword = "$1$salt$hash"; }"#,
                ID
            ),
            [h("\"$1$salt$hash\"", 1, High)]
        );
        assert_eq!(
            hits(r#"{ users.users.a.hashedPassword = "abDEFghIJklMN"; }"#, ID)[0].2,
            High
        );
        // Stalwart's directory users keep the hash under `secret`; an htpasswd file written
        // into the store by `writeText` for nginx.
        assert_eq!(
            hits(
                r#"{ services.stalwart-mail.settings.directory.in-memory.users = [ { name = "me"; secret = "$2b$05$p/yfC5OUcvHNUbNppf.rP.rZHGgafNBBBtdswTB1Q9GcE0ao24yXK"; } ]; }"#,
                ID
            )
            .len(),
            1
        );
        assert_eq!(
            hits(
                "{ pkgs, ... }: { services.nginx.virtualHosts.a.locations.\"/\".extraConfig = let htpasswd = pkgs.writeText \"htpasswd\" ''\n  alice:$6$TS.uEVGRdaMzuhMc$6ZNENO4AEZ8nT7hxcabbGoCmj5IIWkKz4yOacX.8oHMmBsVzg3jg.bSrSkmNawWBdF8PY74Q/MTBxVLazycOo/\n''; in ''\n  auth_basic_user_file ${htpasswd};\n''; }",
                ID
            )
            .len(),
            1
        );
        // A service's settings given to a wrapper the module receives as an argument
        // (`services.qbittorrent = mediaService { … }`): as written.
        let wrapped = "{ mediaService, ... }: {\n  services.qbittorrent = mediaService {\n    serverConfig.Preferences.WebUI.Password_PBKDF2 = \"@ByteArray(+1ZSiSWMaiWPiLNWIHNcug==:usRLXuCrx/sxOTZ+SiM9qvT32DSVxGQWbu2pZZrOI4Fi2PXFjF6PjzoBridfI70z/CqPt9XS7ERMcould3DCMw==)\";\n  };\n}";
        assert_eq!(crate::rules::testing::hit_lines(wrapped, ID), [3]);
        // The whole file one htpasswd line (an MD5 `$apr1$` hash).
        assert_eq!(
            hits(
                "{ pkgs, ... }: { services.nginx.virtualHosts.a.locations.\"/\" = let\n  authFile = pkgs.writeText \"htpasswd\"\n    \"janastu:$apr1$jWu4y1NT$KDttnVHakH6IXuHPAFkUv1\";\nin {\n  extraConfig = ''\n    auth_basic_user_file ${authFile};\n  '';\n}; }",
                ID
            )
            .len(),
            1
        );
        // A users file written into the store as YAML (authelia's) or TOML: a password key
        // given a PHC or crypt hash on one of its lines; not a placeholder.
        for text in [
            "users:\n  kiesen:\n    password: \"$argon2id$v=19$m=65536,t=3,p=4$fQWBaZEdE9H6zxkmTl2AEw$iwB0gtbaDAyhgBKDrYcVeJ9wvzE1LBAXYk9LRh86nU4\"\n    displayname: \"kiesen\"\n",
            "[[user]]\nname = \"a\"\npassword_hash = '$2b$12$p/yfC5OUcvHNUbNppf.rP.rZHGgafNBBBtdswTB1Q9GcE0ao24yXK'\n",
        ] {
            let src = format!(
                "{{ environment.etc.\"users.yml\".text = ''\n{}''; }}",
                text.replace("${", "''${")
            );
            assert_eq!(hits(&src, ID).len(), 1, "{src}");
        }
        for text in [
            "users:\n  a:\n    password: \"$PASSWORD\"\n",
            "emptypassword='$6$1ero.LwbisiU.h3D$GGmnmECbPotJoPQ5eoSTD6tTjKnSWZcjHoVTkxFLZP17W9hRi/XkmCiAMOfWruUwy8gMjINrBMNODc7cYEo4K.'\nuseradd -p \"$emptypassword\" a\n",
        ] {
            let src = format!("{{ environment.etc.\"users.yml\".text = ''\n{text}''; }}");
            assert!(hits(&src, ID).is_empty(), "{src}");
        }
        // A service's own users: the same hash in the store.
        assert_eq!(
            hits(
                r#"{ services.mosquitto.listeners = [ { users.root.hashedPassword = "$7$101$6NzKy3TgCqP2vZf8$hBO"; } ]; }"#,
                ID
            ),
            [h("\"$7$101$6NzKy3TgCqP2vZf8$hBO\"", 1, Medium)]
        );
        // A hash under an account option with more to its path.
        assert_eq!(
            hits(
                r#"{ users.users.alice.portal.hashedPassword = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"; }"#,
                ID
            )
            .len(),
            1
        );
        for src in [
            r#"{ services.foo.hashedPassword = "not a hash"; }"#,
            r#"{ users.users.root.hashedPassword = "!"; }"#,
            r#"{ users.users.root.hashedPassword = "rootHash_placeholder"; }"#,
            r#"{ users.users.root.hashedPassword = "@ROOT_PASSWORD_HASH@"; }"#,
            r#"{ users.users.root.hashedPassword = "*"; }"#,
            r#"{ users.users.root.hashedPassword = "!$6$locked"; }"#,
            r#"{ users.users.root.hashedPassword = null; }"#,
            r#"{ users.users.root.hashedPassword = ""; }"#,
            r#"{ users.users.root.hashedPasswordFile = "/run/secrets/x"; }"#,
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }

    /// LDAP hashes (`{SSHA}…`, `{CRYPT}$6$…`, `{PBKDF2-SHA256}…`, base64 as LDIF's
    /// `userPassword::` holds them) under any key and on the lines of a text, and a hash under
    /// a key that names one (`pwhash`, qBittorrent's `Password_PBKDF2` `@ByteArray(…)`).
    #[test]
    fn ldap_and_other_hash_spellings() {
        // base64 of `{SSHA}` followed by 20 bytes.
        let b64 = "e1NTSEF9cXdlcnR5dWlvcGFzZGZnaGprbHp4Y3Y=";
        for src in [
            r#"{ services.openldap.settings.children."olcDatabase={1}mdb".attrs.olcRootPW = "{SSHA}q1w2e3r4t5y6u7i8o9p0aSdFgHjK"; }"#.to_string(),
            r#"{ site.ldap.people.carol.userPassword = "{CRYPT}$6$rounds=5000$abcdefgh$ijklmnop"; }"#.to_string(),
            r#"{ site.ldap.people.dave.userPassword = "{PBKDF2-SHA256}10000$c2FsdA$aGFzaA"; }"#.to_string(),
            format!(r#"{{ site.ldap.services.mailer = "{b64}"; }}"#),
            r#"{ services.pihole.settings.webserver.api.pwhash = "$2b$10$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01"; }"#.to_string(),
            r#"{ services.qbittorrent.settings.Preferences.WebUI.Password_PBKDF2 = "@ByteArray(c2FsdHNhbHRzYWx0==:aGFzaGhhc2hoYXNoaGFzaA==)"; }"#.to_string(),
            r#"{ services.qbittorrent.serverConfig.Preferences.WebUI.Password_PBKDF2 = "c2FsdHNhbHRzYWx0c2FsdA==:aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g="; }"#.to_string(),
        ] {
            assert_eq!(hits(&src, ID).len(), 1, "{src}");
            assert!(
                crate::rules::testing::hits(&src, "NIX-033").is_empty(),
                "a hash is not a plaintext secret: {src}"
            );
        }
        let src = r#"{
  services.openldap.declarativeContents = ''
    dn: uid=erin,ou=people,dc=example,dc=org
    userPassword: {SSHA}q1w2e3r4t5y6u7i8o9p0aSdFgHjK
  '';
}"#;
        assert_eq!(hits(src, ID).len(), 1);
        assert!(crate::rules::testing::hits(src, "NIX-033").is_empty());
        let f = crate::rules::testing::findings(
            r#"{ site.ldap.rootPW = "{SSHA}q1w2e3r4t5y6u7i8o9p0aSdFgHjK"; }"#,
            ID,
        );
        assert_eq!(f[0].value.as_deref(), Some("\"{SSHA}<redacted>\""));
        for src in [
            // A client's bind credential is sent as written: the password itself (NIX-033).
            r#"{ site.ldap.bind.pw = "{SSHA}q1w2e3r4t5y6u7i8o9p0aSdFgHjK"; }"#,
            r#"{ services.dovecot.ldap.dnpass = "{SSHA}q1w2e3r4t5y6u7i8o9p0aSdFgHjK"; }"#,
            // Not a known scheme, too short, a word in braces.
            r#"{ services.x.settings.template = "{NAME}abcdefghij"; }"#,
            r#"{ services.x.settings.userPassword = "{SSHA}abc"; }"#,
            // A Nix hash is no password hash.
            r#"{ services.x.settings.hash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; }"#,
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }

    /// A crypt or PHC hash of a known scheme under a key named for a password: the program
    /// keeps its own logins (Syncthing's GUI, AdGuard Home's users) and takes the hash there.
    #[test]
    fn hashes_under_password_keys() {
        for src in [
            r#"{ services.syncthing.settings.gui = { user = "admin"; password = "$2b$05$K03dR3Dhq92nHU6wpyH5f.4VYAnry8eDzvXiYfcRf1qZhsI4DymxO"; }; }"#,
            r#"{ services.adguardhome.settings.users = [ { name = "a"; password = "$2a$10$4gtwC3j0OycMT2aMfwEbUepE.e6sFFhJq2JLuVLS1zy6iL8ebax3K"; } ]; }"#,
            r#"{ services.x.settings.rootpw = "$6$rounds=5000$abcdefgh$ijklmnopqrstuv"; }"#,
            // Transmission's `{` + SHA-1 + 8-character salt, as its settings.json keeps it.
            r#"{ services.transmission.settings.rpc-password = "{1f0e3dad99908345f7439f8ffabdffc4a1b2c3d4Xy7.k9/Q"; }"#,
            // CouchDB's `-pbkdf2-` (and `-pbkdf2:sha256-`) admin hashes.
            r#"{ services.couchdb.adminPass = "-pbkdf2:sha256-3628740c00be85908aa3f93c97c67c142d96a61de2f4e4e7e4ee2bf8b80237bd,779331e0029319875fd5850994f360b1,600000"; }"#,
            r#"{ services.couchdb.adminPass = "-pbkdf2-a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e,0123456789abcdef0123456789abcdef,10"; }"#,
            // Jupyter's `passwd()`: algorithm, hex salt, hex digest; or argon2.
            r#"{ services.jupyter.password = "sha1:0a1b2c3d4e5f:4f7c9d3e8a1b2c3d4e5f60718293a4b5c6d7e8f9"; }"#,
            r#"{ services.jupyter.password = "argon2:$argon2id$v=19$m=10240,t=10,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"; }"#,
            // MediaMTX's `sha256:` + base64 digest (from a public configuration).
            r#"{ services.mediamtx.settings.authInternalUsers = [ { user = "a"; pass = "sha256:JgLrrdTSDtwNJRoVkbMCzm9sXe5+dKpIto0N+urQpXY="; } ]; }"#,
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
            assert!(
                crate::rules::testing::hits(src, "NIX-033").is_empty(),
                "a hash is not a plaintext secret: {src}"
            );
        }
        for src in [
            // Not a known scheme: a password that starts with `$`.
            r#"{ services.x.settings.password = "$ecret$passwordpassword"; }"#,
            // A client's bind credential is sent as written.
            r#"{ services.x.settings.bindPassword = "$2b$05$K03dR3Dhq92nHU6wpyH5f.4VYAnry8eDzvXiYfcRf1qZhsI4DymxO"; }"#,
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
