//! NIX-033: a secret written as a literal in the configuration: any string of an option value
//! (indented strings and `extraConfig` text included, list elements and attribute values, and
//! the text given to `pkgs.writeText` and its kin) in which `nixsec-secrets`' matcher finds a
//! key, a token or a credential assignment; a string that is itself the value of a password or
//! token option (`settings.db_password = "…"`, judged by the same matcher as `db_password =
//! "…"`), a password setting's however weak (`jsonData.password = "grafana"`, nginx's `basicAuth`
//! passwords); a connection string's or a SQL statement's password; a WPA pre-shared key or a
//! WireGuard-style private key written in place. The matcher's placeholder rules apply
//! (`changeme`, `${…}`, `@VAR@`, `$VAR`, `/run/secrets/…`, `ext:…`).
//! The secret is never shown: messages and values hold its redacted form, and the text report
//! masks it in the source line. The subject is the option, with the place inside its value for
//! a list element or an attribute of a set value (`services.foo.extraFlags[2]`).

use std::fmt::Write as _;
use std::sync::LazyLock;

use nixsec_secrets::{is_placeholder, redact, Scanner, ALLOWLIST};
use rnix::TextRange;

use super::password_hash_in_store::{client_key, hash_literal, ldap_hash};
use super::secret_file_copied::{normalize, normalized_ends_with, not_an_option, password_option};

/// An `access-tokens = host=TOKEN …` line whose every token is a substitution (`${…}`,
/// `$VAR`, `@VAR@`).
fn substituted_tokens(line: &str) -> bool {
    line.split_once('=').is_some_and(|(_, v)| {
        let mut tokens = v
            .split_whitespace()
            .map(|t| t.split_once('=').map_or(t, |(_, x)| x));
        tokens.clone().next().is_some() && tokens.all(|t| t.starts_with('$') || t.starts_with('@'))
    })
}

/// The value given to `key` on a line (`key=v`, `key: v`, `key "v"`), unquoted.
fn assigned_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let at = line.find(key)? + key.len();
    let rest = line[at..]
        .trim_start()
        .trim_start_matches(['=', ':'])
        .trim_start();
    match rest.chars().next()? {
        q @ ('"' | '\'') => rest[1..].split(q).next(),
        _ => rest.split_whitespace().next(),
    }
}

/// A value a program fills in when it runs: a shell substitution or variable (`$(…)`, `$x`,
/// `` `…` ``), a `printf` format (`%s`).
fn run_time_value(v: &str) -> bool {
    v.starts_with('$') || v.starts_with('`') || v.starts_with('%') || v.contains("$(") || {
        // A call in a program (`password = read_secret(password_file, "password")`).
        let name = v.find('(').map_or("", |i| &v[..i]);
        !name.is_empty()
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
    }
}

/// An `nsswitch.conf` line (`passwd: files systemd`): the databases' sources, not a password.
fn nsswitch_line(key: &str, line: &str) -> bool {
    const SOURCES: &[&str] = &[
        "files",
        "compat",
        "db",
        "nis",
        "nisplus",
        "systemd",
        "sss",
        "ldap",
        "mymachines",
        "winbind",
        "dns",
        "myhostname",
        "resolve",
        "mdns",
        "mdns4",
        "mdns_minimal",
        "[NOTFOUND=return]",
    ];
    matches!(key, "passwd" | "shadow" | "gshadow" | "group")
        && line.split_once(':').is_some_and(|(k, rest)| {
            k.trim() == key
                && !rest.trim().is_empty()
                && rest.split_whitespace().all(|w| SOURCES.contains(&w))
        })
}

/// A line that gives a password hash (`userPassword: {SSHA}…`, `rootpw $6$…`).
fn line_has_hash(line: &str) -> bool {
    line.split(|c: char| c.is_whitespace() || matches!(c, '=' | ':' | '"' | '\''))
        .any(|t| ldap_hash(t).is_some() || nixsec_secrets::is_password_hash(t))
}
use crate::index::{path_matches, Assignment, ModuleKind, OriginKind};
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::{path_string, quote, Val, Value};

struct SecretLiteral;

crate::lint_rule!("NIX-033", SecretLiteral);

/// The key a `deployment.keys.<name>.text` literal is judged under.
const KEY_TEXT: &str = "deployment-key-text";

/// The key the values of a `basicAuth` set (nginx's `virtualHosts.<n>.basicAuth` and
/// `locations.<n>.basicAuth`: user name → password) are judged under.
const KEY_BASIC_AUTH: &str = "basic-auth-password";

/// A `basicAuth` set of user names and their passwords, not a record of one
/// (`{ username = …; password = …; }`, `basic_auth.password_file`).
fn basic_auth_users(key: &str, kv: &[(String, Val)]) -> bool {
    normalize(key) == "basicauth" && !kv.is_empty() && kv.iter().all(|(k, v)| basic_auth_user(k, v))
}

/// One entry of a `basicAuth` set: a user name and its password string (not a record's
/// `username`, `password` or `passwordFile`, nor a setting of Traefik's middleware: `realm`).
fn basic_auth_user(user: &str, v: &Val) -> bool {
    matches!(v.v, Value::Str(_) | Value::Interp(_))
        && ![
            "user",
            "username",
            "login",
            "password",
            "passwordfile",
            "credentials",
            // Traefik's `basicAuth` middleware: its settings, not user names.
            "realm",
            "users",
            "usersfile",
            "removeheader",
            "headerfield",
        ]
        .contains(&normalize(user).as_str())
}

/// The key a `key` is judged under in a set that also gives a `url`: the API key of that
/// service (a homepage-dashboard or Glance widget's `{ type = "sonarr"; url = …; key = …; }`).
const KEY_API: &str = "apiKey";

/// A set with a literal `url` (or `href`) beside its other attributes.
fn beside_url(kv: &[(String, Val)]) -> bool {
    kv.iter()
        .any(|(k, v)| matches!(k.as_str(), "url" | "href") && v.v.text().is_some())
}

/// The assignment a declared option's default stands for (`options.a.b = mkOption { default
/// = …; }`): the value every configuration that does not set `a.b` gets, so a secret in it
/// is written into the store as one in `a.b = …;` would be.
pub(crate) fn default_assignment(path: &[String], value: &Val) -> Assignment {
    Assignment {
        path: path.to_vec(),
        value: value.clone(),
        key_range: value.range,
        block_start: value.range.start(),
        priority: crate::index::priority::NORMAL,
        ordered: false,
        condition: None,
        module: 0,
        origins: Vec::new(),
        reads: None,
    }
}

/// A value that is or holds strings (a string, a list, a set).
fn holds_text(v: &Value) -> bool {
    matches!(
        v,
        Value::Str(_) | Value::Interp(_) | Value::List(_) | Value::Attrs(_)
    )
}

/// A declared option's default that may hold a secret (its file's text is kept for the
/// finding).
pub(crate) fn default_may_hold_secret(path: &[String], value: &Val) -> bool {
    holds_text(&value.v)
        && each_literal(&default_assignment(path, value), &mut |lit, _| {
            !secrets_in(&lit).is_empty()
        })
}

/// The `/etc` file an option reads a secret from (`passwordFile = "/etc/app-pass"`,
/// `tokenFile`, `environmentFile` is not one): the path, when it is a literal under `/etc`.
fn etc_secret_file(a: &Assignment) -> Option<&str> {
    // The value first: most are no path under `/etc` (this runs for every assignment).
    let path = a.value.v.as_str()?;
    if !path.starts_with("/etc/") || path.contains(char::is_whitespace) {
        return None;
    }
    let n = normalize(a.path.last()?);
    let secret_file = n.ends_with("file")
        && ["password", "passwd", "pass", "secret", "token", "key"]
            .iter()
            .any(|w| n.contains(w));
    secret_file.then_some(path)
}

/// A set of shell aliases (`home.shellAliases`, `environment.shellAliases`, fish's
/// `shellAbbrs`): its names are the user's commands (`passphrase = "diceware -n 7"`), not
/// settings; its values are judged by their text alone.
fn alias_set(key: &str) -> bool {
    matches!(key, "shellAliases" | "shellAbbrs" | "shellGlobalAliases")
}

/// The matcher, compiled once.
static SCANNER: LazyLock<Scanner> = LazyLock::new(Scanner::new);

/// The name the matcher sees for option text: no extension, so it is read as configuration
/// (assignments are looked for, not only token formats).
const AS_CONFIG: &str = "nixos-option";

/// A string of an option value.
struct Literal<'a> {
    text: &'a str,
    range: TextRange,
    /// The innermost attribute name it is the value of (the option's last component, or a key
    /// inside an attribute set value); empty for text written to a file.
    key: &'a str,
    /// It is a client's bind credential (`bind.pw`, `bindPassword`): sent as written, so it is
    /// the password even when it looks like a hash.
    client: bool,
}

/// One secret found in a literal (redacted).
struct Secret {
    /// What it is (`GitHub token`, `a password`).
    what: String,
    /// Its redacted form.
    shown: String,
    /// Line in a multi-line string.
    line: Option<u32>,
}

/// Call `f` with every string of `v` and where it is inside the value (empty for the whole
/// value, `[2]` for a list element, `[0].URL` for an attribute of a set in a list), until `f`
/// returns true; true when it did.
fn visit<'a>(
    v: &'a Val,
    key: &'a str,
    client: bool,
    place: &mut String,
    f: &mut dyn FnMut(Literal<'a>, &str) -> bool,
) -> bool {
    match &v.v {
        Value::Str(s) | Value::Interp(s) => f(
            Literal {
                text: s,
                range: v.range,
                key,
                client,
            },
            place,
        ),
        Value::List(items) => items.iter().enumerate().any(|(n, i)| {
            let mark = place.len();
            let _ = write!(place, "[{n}]");
            let stop = visit(i, key, client, place, f);
            place.truncate(mark);
            stop
        }),
        Value::Attrs(kv) => kv.iter().any(|(k, x)| {
            let mark = place.len();
            place.push('.');
            place.push_str(k);
            let client = client || k.split('.').any(client_key);
            let inner = if basic_auth_users(key, kv) {
                KEY_BASIC_AUTH
            } else if alias_set(key) {
                ""
            } else if k == "key" && beside_url(kv) {
                KEY_API
            } else {
                k.rsplit('.').next().unwrap_or(k)
            };
            let stop = visit(x, inner, client, place, f);
            place.truncate(mark);
            stop
        }),
        _ => false,
    }
}

/// A value that names where the secret is, or stands for it, rather than being it: the
/// matcher's placeholders (padding `=` aside: base64 keys end with it; `my_password` as
/// `mypassword`), Home Assistant's `!secret name`.
fn reference(v: &str) -> bool {
    let t = v.trim();
    // An address or a network (`pass_ip = [ "192.168.0.0/16" ]` of searx's limiter).
    let address = t
        .split_once('/')
        .map_or(
            t,
            |(a, bits)| if bits.parse::<u8>().is_ok() { a } else { t },
        )
        .parse::<std::net::IpAddr>()
        .is_ok();
    // A file under a directory the program is given (`$CREDENTIALS_DIRECTORY/private_key`,
    // `${STATE_DIRECTORY}/token`): where the secret is, not the secret.
    let var_path = t.strip_prefix('$').is_some_and(|rest| {
        let rest = rest.trim_start_matches('{');
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        name_end > 0 && rest[name_end..].trim_start_matches('}').starts_with('/')
    });
    if address || var_path || ipv6_token(t) || znc_hash(t) {
        return true;
    }
    let words: String = t
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    is_placeholder(t.trim_end_matches('='))
        || ALLOWLIST.contains(&words.as_str())
        || t.starts_with("!secret ")
        || nixsec_secrets::is_password_hash(t)
}

/// ZNC's stored password, `method#hash#salt#` with a hashing method: a hash, not the password.
fn znc_hash(v: &str) -> bool {
    let parts: Vec<&str> = v.split('#').collect();
    parts.len() == 4 && matches!(parts[0], "md5" | "sha256") && parts[3].is_empty()
}

/// An IPv6 interface identifier as systemd-networkd's `Token=` takes it (`::1a:2b:3c:4d`,
/// `static:::1`, `eui64`, `prefixstable`): an address, not a secret.
fn ipv6_token(v: &str) -> bool {
    let t = v.trim().trim_matches('"');
    let t = t.strip_prefix("static:").unwrap_or(t);
    t.parse::<std::net::Ipv6Addr>().is_ok()
        || matches!(t, "eui64" | "prefixstable")
        || t.starts_with("prefixstable:")
}

/// A value that begins with its own key's name (`hs_token = "hs_token_unused"`): it describes
/// itself, a stand-in.
fn names_itself(key: &str, v: &str) -> bool {
    let k = normalize(key);
    k.len() >= 4 && normalize(v).starts_with(&k)
}

/// A key that names where a secret is, not the secret: a lookup table, a file, a path, a
/// program (`smtp_sasl_password_maps`, `passwordFile`, `token_path`, `passwordCommand`).
fn reference_key(key: &str) -> bool {
    let n = normalize(key);
    // A Helm chart's `existingSecret`, `existingSecretAdminPassword`: the name of a
    // Kubernetes secret that holds the value.
    if n.starts_with("existing") {
        return true;
    }
    [
        "map",
        "maps",
        "file",
        "files",
        "path",
        "paths",
        "command",
        "cmd",
        "dir",
        "directory",
        "url",
        "uri",
        "name",
        "policy",
        "length",
        "attr",
        "attrs",
        "filter",
        "query",
        // A chat script or a program run for the password (samba's `passwd chat`,
        // `passwd program`), not the password.
        "chat",
        "program",
        // A command evaluated for it (msmtp's `passwordeval`, isync's `PassCmd`).
        "eval",
        // nginx's upstream directives (`proxyPass`, `fastcgi_pass`) name an address.
        "proxypass",
        "fastcgipass",
        "uwsgipass",
        "scgipass",
        "grpcpass",
        "memcachedpass",
        // What stands for the password in a template (`passwordPlaceholder`).
        "placeholder",
    ]
    .iter()
    .any(|e| n.ends_with(e))
}

/// A setting that holds words for people to read (a dashboard entry's `description = "Password
/// manager"`), never a secret.
fn prose_key(key: &str) -> bool {
    matches!(
        normalize(key).as_str(),
        "description"
            | "desc"
            | "title"
            | "label"
            | "comment"
            | "summary"
            | "tooltip"
            | "displayname"
            | "subtitle"
            | "caption"
            // A desktop entry's `genericName` ("Password Manager") and `keywords`.
            | "genericname"
            | "keywords"
    )
}

/// A value that points at the secret elsewhere: an absolute path, a `type:/path` lookup table
/// (`hash:/etc/postfix/sasl_passwd`), a `file:`, `exec:` or `env:` reference.
fn reference_value(v: &str) -> bool {
    let t = v.trim();
    t.starts_with('/')
        || t.split_once(':').is_some_and(|(kind, rest)| {
            !kind.is_empty()
                && kind
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c == b'_' || c == b'-')
                && (rest.starts_with('/')
                    || matches!(kind, "file" | "exec" | "env" | "ext" | "cmd" | "command"))
        })
}

/// A literal written where a password goes (a URL's password, a directive's argument): anything but a stand-in. A stand-in is empty, a substitution
/// (`${…}`, `$VAR`, `@VAR@`, `%{…}`, `{{…}}`, `{% … %}`, `{env.X}`, `{NAME}`, `$__file{…}`,
/// `<…>`), a reference
/// (a path, `file:…`, `!secret x`), a hash, a switch word (`none`, `yes`) or says it is one
/// (`example`, `placeholder`, `dummy`, `redacted`); a weak word (`changeme`) is a password.
fn written_password(v: &str) -> bool {
    let t = v.trim().trim_matches(|c| c == '"' || c == '\'');
    let l = t.to_ascii_lowercase();
    let substituted = t.contains('$')
        || t.contains("%{")
        || t.contains("{{")
        || t.contains("{env.")
        || t.starts_with("{%")
        // A program's own placeholder for an environment variable (Frigate's
        // `{FRIGATE_RTSP_PASSWORD}`, a format string's `{password}`).
        || (t.starts_with('{')
            && t.ends_with('}')
            && t.len() > 2
            && t[1..t.len() - 1]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.')))
        || (t.starts_with('@') && t.ends_with('@'))
        || nixsec_secrets::template_token(t)
        || (t.starts_with('<') && t.ends_with('>'))
        || t.starts_with('%')
        || t.starts_with("!secret")
        || nixsec_secrets::yaml_tag_reference(t)
        || t.contains('\u{2026}')
        || t.contains("...");
    let stand_in = [
        "example",
        "placeholder",
        "dummy",
        "redacted",
        "xxxx",
        "****",
        "your",
        "replace",
        "insert",
        "doesn't",
        "notasecret",
        // The JDK's default keystore and truststore password, public.
        "changeit",
        // Left by git history rewriting (BFG's `***REMOVED***`, a filtered mirror's
        // `***REMOVED_HASH***`).
        "***removed",
    ]
    .iter()
    .any(|w| l.contains(w));
    let word = matches!(
        l.as_str(),
        "none"
            | "null"
            | "nil"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "required"
            | "n/a"
            | "na"
            | "unset"
            // A keyword (Gitea's and Forgejo's `SIGNING_KEY = "default"`: the default key).
            | "default"
            | "auto"
    );
    !t.is_empty()
        && !substituted
        && !stand_in
        && !word
        && !reference_value(t)
        && !nixsec_secrets::is_password_hash(t)
        && ldap_hash(t).is_none()
        && !t.chars().all(|c| c == t.chars().next().unwrap_or(' '))
}

/// Names of directives and settings whose argument is a password (`OIDCCryptoPassphrase`,
/// `OIDCClientSecret`, `AuthLDAPBindPassword`, `bind_pw`, `userPassword`, Redis'
/// `requirepass`, Dovecot's `dnpass`): the name ends in the word, and is no reference
/// (`*File`, `*_maps`).
/// A signing key named by its ID (Gitea's and Forgejo's `SIGNING_KEY = "0549C43374D2253C"`, a
/// `gpg` key's short or long ID or fingerprint): public, it names the key in the keyring.
fn signing_key_id(key: &str, value: &str) -> bool {
    let n = normalize(key);
    let v = value.trim().trim_start_matches("0x");
    (n.contains("signing") || n.contains("gpg") || n.contains("pgp"))
        && matches!(v.len(), 8 | 16 | 40)
        && v.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `passwd: files systemd` of `nsswitch.conf`: the sources of the user database.
fn nss_sources(value: &str) -> bool {
    !value.is_empty()
        && value.split_whitespace().all(|w| {
            matches!(
                w.trim_matches(|c| c == '[' || c == ']'),
                "files"
                    | "compat"
                    | "systemd"
                    | "db"
                    | "nis"
                    | "nisplus"
                    | "ldap"
                    | "sss"
                    | "winbind"
                    | "mymachines"
                    | "myhostname"
                    | "dns"
                    | "resolve"
                    | "cache"
            ) || w.starts_with('[')
        })
}

fn password_directive(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        // Not `pass` alone: nginx's `proxy_pass`, `fastcgi_pass` name upstreams.
        && [
            "password",
            "passwd",
            "passphrase",
            "secret",
            "pw",
            "psk",
            "requirepass",
            "dnpass",
        ]
            .iter()
            .any(|w| normalized_ends_with(name, w.as_bytes()))
        // `pw` ends the name's last word (`bind_pw`, `rootpw`), not two (`PL1_Tdp_W`).
        && (!normalized_ends_with(name, b"pw")
            || name
                .rsplit(['_', '-', '.'])
                .next()
                .is_some_and(|w| w.to_ascii_lowercase().ends_with("pw")))
        && !reference_key(name)
        // nss_ldap's and pam_ldap's directives (`nss_base_passwd ou=people,…` is where the
        // accounts are searched, `pam_password md5` how a new one is hashed).
        && !["nss_", "pam_"]
            .iter()
            .any(|p| name.to_ascii_lowercase().starts_with(p))
        // A reverse-DNS name (`org.freedesktop.impl.portal.Secret` of a portals.conf) names
        // an interface, not a password.
        && !["org.", "com.", "net.", "io."]
            .iter()
            .any(|p| name.to_ascii_lowercase().starts_with(p))
}

/// The first password-named key of a JSON or JavaScript object on `line` (`"password":
/// "x"`, `Pw: 'x'`) whose quoted value is written in place: (key, value).
fn object_password(line: &str) -> Option<(&str, &str)> {
    for (i, _) in line.match_indices(':') {
        // The key: a quoted or bare name just before the colon.
        let before = line[..i].trim_end();
        let quoted_key = before.ends_with(['"', '\'']);
        let before = before.trim_end_matches(['"', '\'']);
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
            .map_or(0, |(k, c)| k + c.len_utf8());
        let key = &before[start..];
        if key.is_empty() || !password_directive(key) {
            continue;
        }
        // A bare key is an object's only inside braces (`{ password: "x" }`), not a
        // directive's `password: x` (the line parser's).
        if !quoted_key && !in_object(&line[..start]) && !line[..start].trim_end().ends_with(',') {
            continue;
        }
        // The value: a quoted string right after the colon.
        let rest = line[i + 1..].trim_start();
        let Some(q) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
            continue;
        };
        let Some(end) = rest[1..].find(q) else {
            continue;
        };
        let value = &rest[1..=end];
        if !value.is_empty()
            && !value.contains("://")
            && !value.contains('\\')
            && written_password(value)
        {
            return Some((key, value));
        }
    }
    None
}

/// The text `before` leaves an object's brace open (`{ password: …`), not only a shell's or
/// Nix's `${…}` (`rclone copy ${src} pcloud-secret:'Backups'`).
fn in_object(before: &str) -> bool {
    let mut open: Vec<bool> = Vec::new();
    let mut prev = ' ';
    for c in before.chars() {
        match c {
            '{' => open.push(prev != '$'),
            '}' => {
                open.pop();
            }
            _ => {}
        }
        prev = c;
    }
    open.last().copied().unwrap_or(false)
}

/// A program's expression rather than a written value: a call or an index, unquoted
/// (`open(password_path).read().strip()`, `os.environ["PASS"]`, `getpass()`).
fn code_expression(v: &str) -> bool {
    let v = v.trim_end_matches([';', ',']);
    !v.starts_with(['"', '\'']) && v.contains(['(', '[']) && v.ends_with([')', ']'])
}

/// Passwords the matcher leaves to the configuration's syntax, in one line of text: a
/// directive's argument (`OIDCCryptoPassphrase s3cr3t`, `bind_pw = s3cr3t`, `userPassword:
/// s3cr3t`), a URL's password (`postgres://app:s3cr3t@db/app`).
fn line_passwords(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let l = line.trim();
    // `name value`, `name = value`, `name: value`.
    let split = l
        .find(|c: char| c.is_whitespace() || c == '=' || c == ':')
        .map(|i| (&l[..i], &l[i..]));
    if let Some((name, rest)) = split.filter(|(name, _)| password_directive(name)) {
        // A command (`passwd alice`, `pass show x`) is the word alone before a space: a
        // directive names more. `password value` is a directive of msmtp, netrc, fetchmail
        // (no program is called `password`).
        let command = rest.starts_with(char::is_whitespace)
            && !rest.trim_start().starts_with(['=', ':'])
            && ["passwd", "pass", "pw", "secret", "psk"].contains(&normalize(name).as_str());
        let raw = rest.trim_start().trim_start_matches(['=', ':']).trim();
        let value = raw.trim_end_matches([';', ',']).trim();
        // An argument of a call in a program's code (`password=mysql_passwd,` of Python): a
        // variable named for the password, not the password.
        let argument = argument_variable(name, raw);
        let one_value = !value.contains(char::is_whitespace)
            || (value.starts_with('"') && value.ends_with('"') && value.len() > 1);
        if !command
            && !argument
            && one_value
            && !nss_sources(value)
            && !value.starts_with('-')
            && !value.contains("://")
            && !code_expression(value)
            && !nixsec_secrets::looks_like_code(value)
            && written_password(value)
        {
            out.push((
                format!("`{name}` argument"),
                redact(value.trim_matches('"'), 0),
            ));
        }
    }
    // More `name=value` pairs on the line (a connection string: `user=app password=s3cr3t
    // host=db`, `Server=db;Password=s3cr3t;`): a password-named one.
    if out.is_empty() {
        // A query string's pairs too (`grant_type=password&username=admin&password=admin`).
        for pair in l
            .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '?'))
            .skip(1)
            .filter_map(|p| p.split_once('='))
        {
            let (name, raw) = pair;
            let value = raw.trim_end_matches(',');
            if password_directive(name)
                && !argument_variable(name, raw)
                && !value.contains("://")
                && !value.contains('=')
                && !code_expression(value)
                && !nixsec_secrets::looks_like_code(value)
                && !nixsec_secrets::digest_with_encoding(
                    l.as_bytes(),
                    value.trim_matches(['"', '\'', '>']),
                )
                && written_password(value)
            {
                out.push((
                    format!("`{name}` of a connection string"),
                    redact(value.trim_matches(['"', '\'']), 0),
                ));
            }
        }
    }
    // A JSON or JavaScript object's password-named key and its quoted value, anywhere on the
    // line (`-d '{"username":"admin","password":"admin"}'`, `{ password: "s3cr3t" }`).
    if out.is_empty() {
        if let Some((name, value)) = object_password(l) {
            out.push((format!("`{name}` of an object"), redact(value, 0)));
        }
    }
    // A command-line option given a password: `--password hunter2`, `--password=hunter2`,
    // `--passwd 's3cr3t'` (not a file or a command that gives it: `--password-file`).
    if out.is_empty() && l.contains("--pass") {
        let words: Vec<&str> = l.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let Some(opt) = w.strip_prefix("--") else {
                continue;
            };
            let (name, value) = match opt.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (opt, words.get(i + 1).copied()),
            };
            let Some(value) = value else { continue };
            // The first word of a quoted phrase (`kdialog --password "NickServ password
            // (leave blank …)"`: a prompt) is not the value.
            let unquoted = value.trim_start_matches('\\');
            if unquoted.chars().next().is_some_and(|q| {
                (q == '"' || q == '\'') && (unquoted.len() < 2 || !unquoted.ends_with(q))
            }) {
                continue;
            }
            if matches!(
                name.to_ascii_lowercase().as_str(),
                "password" | "passwd" | "pass" | "passphrase" | "db-password" | "admin-password"
            ) && !value.starts_with('-')
                && value.starts_with('"') == value.ends_with('"')
                && written_password(value)
            {
                out.push((
                    format!("`--{name}` on a command line"),
                    redact(value.trim_matches(['"', '\'']), 0),
                ));
                break;
            }
        }
    }
    // SQL's password clause: `CREATE USER app WITH PASSWORD 's3cr3t'`, `ALTER ROLE app
    // PASSWORD 's3cr3t'`, MySQL's `IDENTIFIED BY 's3cr3t'`.
    if out.is_empty() {
        if let Some(pw) = sql_password(l) {
            out.push(("SQL password".to_string(), redact(pw, 0)));
        }
    }
    // A URL with a password.
    let mut from = 0;
    while let Some(i) = l[from..].find("://") {
        let at = from + i + 3;
        from = at;
        let authority = l[at..]
            .split(|c: char| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '"' | '\'' | ')'))
            .next()
            .unwrap_or("");
        let Some((userinfo, _)) = authority.rsplit_once('@') else {
            continue;
        };
        let Some((user, pass)) = userinfo.split_once(':') else {
            continue;
        };
        // The format's own example (`postgresql://user:pass@host:port/db` in a comment) and a
        // regular expression over URLs (`sed 's|.*://[^:]*:\([^@]*\)@.*|\1|p'`): no password.
        let comment = ["#", "//", "--", ";"]
            .iter()
            .any(|c| l.trim_start().starts_with(c));
        let example = comment
            && ["pass", "passwd", "password", "pwd", "secret"]
                .contains(&pass.to_ascii_lowercase().as_str());
        let pattern = [user, pass]
            .iter()
            .any(|p| p.contains("[^") || p.contains("\\(") || p.contains(".*"));
        if !example && !pattern && (written_password(pass) || one_character(pass)) {
            out.push((
                "URL with a password".to_string(),
                format!("{user}:{}@…", redact(pass, 0)),
            ));
        }
    }
    out
}

/// A password of one letter or digit, where the syntax says it is one (a URL's, a SQL
/// statement's): weak, but a password (a lone character is no stand-in there, as `xxxx` is).
fn one_character(pw: &str) -> bool {
    pw.len() == 1 && pw.bytes().all(|c| c.is_ascii_alphanumeric())
}

/// The password a SQL statement on this line sets (`… WITH [ENCRYPTED] PASSWORD 'pw'`,
/// `IDENTIFIED BY 'pw'`): a quoted literal after the clause, not a stand-in or a hash
/// (`PASSWORD 'SCRAM-SHA-256$…'`, `IDENTIFIED BY PASSWORD '*…'`).
fn sql_password(line: &str) -> Option<&str> {
    // The password is quoted: most lines are none of these, told without copying them.
    if !line.contains('\'') {
        return None;
    }
    let upper = line.to_ascii_uppercase();
    let statement = [
        "CREATE USER",
        "CREATE ROLE",
        "ALTER USER",
        "ALTER ROLE",
        "SET PASSWORD",
    ]
    .iter()
    .any(|s| upper.contains(s));
    if !statement {
        return None;
    }
    ["PASSWORD '", "PASSWORD = '", "IDENTIFIED BY '"]
        .iter()
        .find_map(|clause| upper.find(clause).map(|i| i + clause.len()))
        .and_then(|at| line[at..].split_once('\'').map(|(pw, _)| pw))
        .filter(|pw| written_password(pw) || one_character(pw))
}

/// A setting named for a secret of one known use (`rpcSecret`, `client_secret`,
/// `sharedSecret`, `jwtSecret`, `registration_shared_secret`): what it holds is that secret,
/// however plain the word. A bare `secret` (also a portal's or a service's name) and the name
/// of a secret object (`existingRpcSecret`, `apiTokenSecret`, `envFromSecret`) are not.
fn qualified_secret(key: &str) -> bool {
    let n = normalize(key);
    n.strip_suffix("secret").is_some_and(|q| {
        !key.contains(['.', ' ', '/'])
            && [
                "rpc",
                "client",
                "oauthclient",
                "oidcclient",
                "shared",
                "registrationshared",
                "jwt",
                "session",
                "webhook",
                "app",
                "api",
                "hmac",
                "cookie",
                "consumer",
            ]
            .contains(&q)
    })
}

/// A file name that says it holds a password or a token (`nextcloud-admin-pass`,
/// `grafana/admin_password`, `restic-password`, `cloudflare-token`), with no extension of a
/// document or a key format beside it.
fn named_for_a_secret(target: &str) -> bool {
    let name = target.rsplit('/').next().unwrap_or(target);
    if name.contains('.') {
        return false;
    }
    let n = normalize(name);
    ["password", "passwd", "pass", "pw", "secret", "token"]
        .iter()
        .any(|w| n.ends_with(w))
}

/// The environment name of a secret (`POSTGRES_PASSWORD`, `MYSQL_ROOT_PASSWORD`, `APP_PASS`,
/// `JWT_SECRET`, `API_TOKEN`, `OPENAI_API_KEY`): upper case, ending in the word.
fn secret_env_name(key: &str) -> bool {
    let upper = key
        .bytes()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
        && key.bytes().any(|c| c.is_ascii_uppercase());
    upper
        && ([
            "PASSWORD",
            "_PASS",
            "PASSWD",
            "_PW",
            "SECRET",
            "_TOKEN",
            "API_KEY",
            "SECRET_KEY",
            // Laravel's application key (Firefly III, Speedtest Tracker, BookStack) and other
            // keys that sign or encrypt.
            "APP_KEY",
            "ENCRYPTION_KEY",
            "HMAC_KEY",
            "SIGNING_KEY",
            "MASTER_KEY",
            "PRIVATE_KEY",
        ]
        .iter()
        .any(|w| key == w.trim_start_matches('_') || key.ends_with(w))
            // The account after the word (`NEKO_PASSWORD_ADMIN`, `MYSQL_PASSWORD_ROOT`).
            || key.rsplit_once('_').is_some_and(|(head, who)| {
                matches!(who, "ADMIN" | "ROOT" | "USER" | "SUPERUSER" | "MASTER" | "DB")
                    && (head == "PASSWORD" || head.ends_with("_PASSWORD"))
            }))
}

/// A call's keyword argument given a variable (`password=mysql_passwd,` of Python,
/// `connect(password=db_password)`, `Client(secret=client_secret)`, `password=password)`):
/// the variable's name, not the password. `raw` is the text after the `=`.
fn argument_variable(name: &str, raw: &str) -> bool {
    let v = raw.trim_end_matches([',', ';']).trim_end_matches(')');
    raw.trim_end_matches(';').ends_with([',', ')'])
        && v.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
        && v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        && (v.contains('_') || v.eq_ignore_ascii_case(name))
}

/// `adminPassword` → `admin_Password`: the matcher's assignment patterns know `_password`.
fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev_lower = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c);
    }
    out
}

/// Words of a key that make the matcher's assignment patterns apply.
const ASSIGNMENT_WORDS: &[&str] = &[
    "pass",
    "psk",
    "token",
    "secret",
    "apikey",
    "accesskey",
    "accesstokens",
    "signingkey",
    "encryptionkey",
    "masterkey",
    "hmackey",
];

/// A podman or docker secret named for a container (`db_password,type=env,target=DB_PASSWORD`,
/// quadlet's `Secret=`): a reference to a secret kept by the container engine.
/// A name in a secret store, as sops-nix and `pass` write them (`restic/borgbase_repo`): lower
/// case words between `/`.
fn store_entry_name(text: &str) -> bool {
    let t = text.trim();
    t.contains('/')
        && !t.starts_with('/')
        && t.bytes().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'/' | b'-' | b'_' | b'.')
        })
        && t.split('/').all(|c| !c.is_empty())
}

/// The name of an entry of a secret store that says what it holds (`rustfs/oidc-client-secret`,
/// a sops key; `mail/smtp-password`, a `pass` entry): a [`store_entry_name`] with a word naming
/// a secret. (Under an option named for a secret, `repositorySecret`, any such name is one.)
fn secret_store_entry(text: &str) -> bool {
    let t = text.trim();
    store_entry_name(t)
        && t.split(['/', '-', '_', '.']).any(|w| {
            matches!(
                w,
                "secret" | "secrets" | "password" | "passwd" | "pass" | "token" | "key" | "psk"
            )
        })
}

fn container_secret_ref(text: &str) -> bool {
    let mut parts = text.trim().split(',');
    let name = parts.next().unwrap_or_default();
    let mut options = 0;
    for p in parts {
        let Some((k, _)) = p.split_once('=') else {
            return false;
        };
        if !matches!(k.trim(), "type" | "target" | "uid" | "gid" | "mode") {
            return false;
        }
        options += 1;
    }
    options > 0
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Words, lower case, in `s` with `_`, `-` and `.` left out as [`normalize`] does: a bit for
/// each of `pass`, `pw`, `psk`, `secret`, `token`, `key`, `entified` (SQL's `IDENTIFIED BY`)
/// found. One pass over the bytes, no allocation.
fn word_bits(s: &str) -> u8 {
    // Each word is looked for only where its last letter is (one comparison per byte at
    // most): `pass` at an `s`, `pw` at a `w`, `psk` at a `k`, `secret` at a `t`, `token` at
    // an `n`, `key` at a `y`, `entified` at a `d`.
    const fn word(w: &[u8]) -> u64 {
        let mut v = 0u64;
        let mut i = 0;
        while i < w.len() {
            v = (v << 8) | w[i] as u64;
            i += 1;
        }
        v
    }
    const fn mask(len: u32) -> u64 {
        if len >= 8 {
            u64::MAX
        } else {
            (1u64 << (8 * len)) - 1
        }
    }
    let mut window = 0u64;
    let mut bits = 0u8;
    for b in s.bytes() {
        if matches!(b, b'_' | b'-' | b'.') {
            continue;
        }
        let b = b.to_ascii_lowercase();
        window = (window << 8) | u64::from(b);
        let (bit, w, m) = match b {
            b's' => (0, word(b"pass"), mask(4)),
            b'w' => (1, word(b"pw"), mask(2)),
            b'k' => (2, word(b"psk"), mask(3)),
            b't' => (3, word(b"secret"), mask(6)),
            b'n' => (4, word(b"token"), mask(5)),
            b'y' => (5, word(b"key"), mask(3)),
            b'd' => (6, word(b"entified"), mask(8)),
            _ => continue,
        };
        if window & m == w {
            bits |= 1 << bit;
        }
    }
    bits
}

/// A `://` with an `@` after it: where [`line_passwords`] may find a URL's password (a URL
/// without user information holds none; a token in its path or query is the matcher's, whose
/// anchors the gate asks for).
fn url_with_userinfo(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"://")
        .is_some_and(|i| memchr::memchr(b'@', &text.as_bytes()[i..]).is_some())
}

/// False when [`secrets_in`] finds nothing in `lit`, told cheaply (most literals are no
/// secret): a key that may name a secret (`psk`, a password, token or key name, an
/// environment variable's), words the line parser looks for (a password directive, a
/// `--pass` option, SQL's password clause, a URL's `://` before an `@`) or a word the matcher starts from.
/// True says only that [`secrets_in`] has to look.
fn may_hold_secret(lit: &Literal<'_>) -> bool {
    // `pass`, `pw`, `psk`, `secret`, `token`, `key`: every name `secrets_in` judges by.
    lit.key == KEY_BASIC_AUTH
        || word_bits(lit.key) & 0b11_1111 != 0
        // `pass`, `pw`, `psk`, `secret`, `entified`: the names and clauses of `line_passwords`.
        || word_bits(lit.text) & 0b100_1111 != 0
        || url_with_userinfo(lit.text)
        || (lit.text.len() >= 8 && SCANNER.may_match(lit.text.as_bytes()))
}

/// The first secret in the text of a file of the repository (`name` is its file name): what
/// it is, redacted, and its line. Only what says itself a secret whatever the file's syntax: a
/// private key or a token of a known format on a line that is no comment, or a value of an
/// environment file's `NAME=value` line named for a secret. A file's own syntax for settings
/// (`password = …` of an INI or YAML file) is not judged: such files are mostly templates and
/// commented examples.
pub(super) fn secret_in_text(name: &str, text: &str) -> Option<(String, String, u32)> {
    let comment = |line: u32| {
        usize::try_from(line)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| text.lines().nth(n))
            .is_some_and(|l| {
                let l = l.trim_start();
                l.starts_with('#') || l.starts_with("//") || l.starts_with(';')
            })
    };
    if let Some(h) = SCANNER.scan(name, text.as_bytes()).into_iter().find(|h| {
        !h.kind.ends_with("-assignment")
            && !h.kind.ends_with("-access-key-id")
            && h.kind != "url-credentials"
            && h.rule != nixsec_secrets::rule::PASSWORD_HASH
            && !comment(h.line)
    }) {
        return Some((h.description.to_string(), h.redacted, h.line));
    }
    // An environment file's `NAME=value` lines (`export` before, the value quoted or not):
    // each value judged as the option `environment.NAME = "value"` would be.
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        let l = l.strip_prefix("export ").unwrap_or(l);
        let Some((name, value)) = l.split_once('=') else {
            continue;
        };
        let env_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
        if !env_name {
            continue;
        }
        let v = value.trim();
        let v = ['"', '\'']
            .iter()
            .find_map(|q| v.strip_prefix(*q).and_then(|x| x.strip_suffix(*q)))
            .unwrap_or(v);
        if v.is_empty() || v.contains(char::is_whitespace) {
            continue;
        }
        let lit = Literal {
            text: v,
            range: TextRange::default(),
            key: name,
            client: false,
        };
        if let Some(s) = secrets_in(&lit).into_iter().next() {
            let at = u32::try_from(n + 1).unwrap_or(u32::MAX);
            return Some((s.what, s.shown, at));
        }
    }
    None
}

fn secrets_in(lit: &Literal<'_>) -> Vec<Secret> {
    if !may_hold_secret(lit) {
        return Vec::new();
    }
    let text = lit.text;
    // A chat script (samba's `passwd chat`: what the passwd program prompts, `%n` for the
    // new password) holds the words of prompts, not a password.
    if text.trim().is_empty()
        || ipv6_token(text)
        || container_secret_ref(text)
        || secret_store_entry(text)
        || (normalized_ends_with(lit.key, b"secret") && store_entry_name(text))
        || normalized_ends_with(lit.key, b"chat")
        || prose_key(lit.key)
    {
        return Vec::new();
    }
    // Written in place under a name that says what it is.
    let key = normalize(lit.key);
    // `hashedPassword`, a crypt, PHC or LDAP hash as the value: a hash (NIX-031's), not the
    // secret.
    if key.starts_with("hashed")
        || nixsec_secrets::is_password_hash(text.trim())
        || (!text.contains('\n') && !lit.client && hash_literal(lit.key, text))
    {
        return Vec::new();
    }
    // An access key's id (`accessKey` of S3 and MinIO, `accessKeyId`): it names the key, as
    // a user name does; the secret is its other half (`secretKey`, `secretKeyFile`).
    if matches!(key.as_str(), "accesskey" | "accesskeyid" | "awsaccesskeyid")
        && !text.contains(char::is_whitespace)
    {
        return Vec::new();
    }
    let named = match key.as_str() {
        "psk" | "pskraw" | "wpapsk" => Some("a WPA pre-shared key"),
        // `normalize(KEY_TEXT)`.
        "deploymentkeytext" => Some("a deployment key's text"),
        "presharedkey" => Some("a pre-shared key"),
        "privatekey" if !text.contains("-----BEGIN") => Some("a private key"),
        _ => None,
    };
    if let Some(what) = named {
        let keyish =
            key != "privatekey" || (text.len() >= 16 && !text.contains(char::is_whitespace));
        if keyish && !reference(text) {
            return vec![Secret {
                what: what.to_string(),
                shown: redact(text, 0),
                line: None,
            }];
        }
        return Vec::new();
    }
    let multi = text.contains('\n');
    // The shortest text the matcher can find anything in is an assignment like `psk=abcd`.
    let lines: Vec<&str> = text.lines().collect();
    let mut found: Vec<Secret> = Vec::new();
    if text.len() >= 8 {
        found = SCANNER
            .scan(AS_CONFIG, text.as_bytes())
            .into_iter()
            // A line that gives a hash (`userPassword: {SSHA}…`) is NIX-031's; `access-tokens`
            // whose every token is substituted (`github.com=${…}`) hold none.
            // An access key's id (`AKIA…`, `LTAI…`) names the key, as a user name does: the
            // secret is its other half, found on its own where it is written.
            .filter(|h| !h.kind.ends_with("-access-key-id"))
            .filter(|h| {
                usize::try_from(h.line)
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|n| lines.get(n))
                    .is_none_or(|l| {
                        let substituted = h.kind == "nix-access-tokens" && substituted_tokens(l);
                        // `pass_attrs = uid=user,userPassword=password`: a mapping, no value.
                        let key = h
                            .redacted
                            .split_once('=')
                            .map(|(k, _)| k.trim())
                            .filter(|_| h.kind.ends_with("-assignment"));
                        let mapping = key.is_some_and(reference_key);
                        // sudoers' tags (`NOPASSWD:SETENV: /bin/cmd`), not a key and its value.
                        let sudo_tag = key.is_some_and(|k| matches!(k, "NOPASSWD" | "PASSWD"));
                        // A key named for a hash (`WebUI\Password_PBKDF2`, `passwordHash`):
                        // NIX-031's, whatever the value.
                        let hash_key = key.is_some_and(|k| {
                            let n = normalize(k);
                            ["hash", "pbkdf2", "bcrypt", "argon2", "sha512crypt"]
                                .iter()
                                .any(|w| n.contains(w))
                        });
                        // `X=$(cat …)`, `X=%s`, `--rawfile pass "$in/…"`: filled in at run time.
                        let filled = key.is_some_and(|k| {
                            assigned_value(l, k).is_some_and(|v| run_time_value(v) || ipv6_token(v))
                                || nsswitch_line(k, l)
                        });
                        // `echo "PASS: no default route"`: a script's message, not a setting.
                        let message = key.is_some_and(|k| {
                            l.find(k).is_some_and(|i| {
                                let before = &l[..i];
                                before.contains("echo ") || before.contains("printf ")
                            })
                        });
                        !(line_has_hash(l)
                            || substituted
                            || mapping
                            || filled
                            || message
                            || sudo_tag
                            || hash_key)
                    })
            })
            .map(|h| Secret {
                what: h.description.to_string(),
                shown: h.redacted,
                line: multi.then_some(h.line),
            })
            .collect();
    }
    // What the matcher leaves to the text's syntax, on lines it found nothing on.
    for (n, l) in lines.iter().enumerate() {
        let line = u32::try_from(n + 1).unwrap_or(u32::MAX);
        if found.iter().any(|f| f.line == Some(line)) || (!multi && !found.is_empty()) {
            continue;
        }
        for (what, shown) in line_passwords(l) {
            found.push(Secret {
                what,
                shown,
                line: multi.then_some(line),
            });
        }
    }
    if !found.is_empty() {
        found.sort_by_key(|f| f.line);
        return found;
    }
    // An environment variable named for a secret, a setting named for a password (`password`,
    // `jsonData.password`, `initialRootPassword`, `rootpw`, `psk`), or a password of nginx's
    // `basicAuth` (user → password), written in place: any literal but a stand-in, a weak word
    // included. A setting's value (not an environment variable's) is also none of the
    // matcher's stand-ins (`changeme`, `password`, `test`), a short one aside (`bar` of
    // `{ foo = "bar"; }`). A setting named `secret` is left to the matcher: the name is also a
    // service's (`xdg.portal.config.common."org.freedesktop.impl.portal.Secret"`).
    // A key or token no service issues (`OPENAI_API_KEY = "12345"` for a local endpoint that
    // takes none): a few digits, or a token's prefix alone (`ANTHROPIC_AUTH_TOKEN = "sk-"`). A
    // password may be that short; a key or token is not.
    let short_number = || {
        let t = text.trim();
        t.len() < 8
            && (t.bytes().all(|c| c.is_ascii_digit()) || (t.len() <= 5 && t.ends_with(['-', '_'])))
    };
    let env = secret_env_name(lit.key)
        && !(["_TOKEN", "_KEY"].iter().any(|w| lit.key.ends_with(w)) && short_number());
    let password_key = env
        || lit.key == KEY_BASIC_AUTH
        || qualified_secret(lit.key)
        || (password_directive(lit.key)
            && !normalized_ends_with(lit.key, b"secret")
            && !reference_key(lit.key));
    // Asked last: the stand-in test reads the whole text, and most literals are no password.
    // A well-known weak password given to a password option (`password = "passw0rd";` of a
    // mosquitto user) is that password, in the store: not a stand-in.
    let weak = || {
        matches!(
            text.trim().to_ascii_lowercase().as_str(),
            "password" | "passw0rd" | "secret"
        )
    };
    let stand_in =
        || !env && text.trim().chars().count() >= 4 && is_placeholder(text.trim()) && !weak();
    if !multi
        && password_key
        && written_password(text)
        && !names_itself(lit.key, text)
        && !signing_key_id(lit.key, text)
        && !stand_in()
    {
        return vec![Secret {
            what: "a password".to_string(),
            shown: redact(text, 0),
            line: None,
        }];
    }
    // The string is the value of a password or token option: judged as the assignment
    // `key = "value"` would be; a key the matcher does not know for one (`rootpw`, `bind.pw`)
    // as `password = "value"`.
    let known = ASSIGNMENT_WORDS.iter().any(|w| key.contains(w));
    if multi
        || text.contains('"')
        || !(known || password_directive(lit.key))
        || reference(text)
        || reference_key(lit.key)
        || reference_value(text)
        || names_itself(lit.key, text)
    {
        return Vec::new();
    }
    let scan = |name: &str| SCANNER.scan(AS_CONFIG, format!("{name} = \"{text}\"").as_bytes());
    let mut hits = if known {
        scan(&snake(lit.key))
    } else {
        Vec::new()
    };
    if hits.is_empty() && password_directive(lit.key) {
        hits = scan("password");
    }
    hits.into_iter()
        .filter(|h| !h.kind.ends_with("-access-key-id"))
        .take(1)
        .map(|h| Secret {
            what: match h.kind {
                "password-assignment" => "a password".to_string(),
                "secret-assignment" => "a secret".to_string(),
                "nix-access-tokens" => "an access token".to_string(),
                _ => h.description.to_string(),
            },
            shown: redact(text, 0),
            line: None,
        })
        .collect()
}

/// Call `f` with every string of the assignment's value (and every text it writes to a file)
/// and its place, until `f` returns true.
fn each_literal<'a>(a: &'a Assignment, f: &mut dyn FnMut(Literal<'a>, &str) -> bool) -> bool {
    // Most values hold no string at all (a switch, a number, a package): nothing to visit.
    if !a.value.v.has_text() && !a.origins.iter().any(writes_text) {
        return false;
    }
    if password_option(&a.path) || not_an_option(&a.path) {
        return false;
    }
    // A NixOps or colmena key's text is the key: judged as a secret named so.
    let last = if a.is(&["deployment", "keys", "*", "text"]) {
        KEY_TEXT
    } else if a.path.len() >= 2
        && normalize(&a.path[a.path.len() - 2]) == "basicauth"
        && basic_auth_user(&a.path[a.path.len() - 1], &a.value)
    {
        KEY_BASIC_AUTH
    } else if a.path.len() >= 2 && alias_set(&a.path[a.path.len() - 2]) {
        ""
    } else {
        a.path.last().map_or("", String::as_str)
    };
    let mut place = String::new();
    let client = a.path.iter().any(|c| client_key(c));
    // Home Assistant's YAML: the NixOS module writes a string that starts with `!` as a tag
    // (`!secret name`, `!include x`, a tag of the user's own), never as the value itself.
    let tagged = a.path.first().is_some_and(|p| p == "services")
        && a.path.get(1).is_some_and(|p| p == "home-assistant");
    let f = &mut |lit: Literal<'a>, at: &str| !(tagged && lit.text.starts_with('!')) && f(lit, at);
    visit(&a.value, last, client, &mut place, f)
        || a.origins.iter().any(|o| match &o.kind {
            OriginKind::Written { text, nested, .. } => text
                .iter()
                .chain(nested)
                .any(|t| visit(t, "", false, &mut place, f)),
            _ => false,
        })
}

/// A store file written from a known text (or interpolating other written texts).
pub(super) fn writes_text(o: &crate::index::Origin) -> bool {
    matches!(&o.kind, OriginKind::Written { text, nested, .. } if text.is_some() || !nested.is_empty())
}

/// The NixOS lines that fix this literal, where the option says how.
fn fix(path: &[String]) -> Option<String> {
    if path_matches(path, &["networking", "wireless", "networks", "*", "psk"]) {
        let ssid = &path[3];
        let var = format!(
            "psk_{}",
            ssid.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect::<String>()
        );
        let net: Vec<String> = path[..4].to_vec();
        return Some(format!(
            "networking.wireless.secretsFile = \"/run/secrets/wireless.env\";  # {var}=…\n{}.pskRaw = \"ext:{var}\";",
            path_string(&net)
        ));
    }
    if path_matches(path, &["systemd", "services", "*", "environment", "*"]) {
        let unit: Vec<String> = path[..3].to_vec();
        return Some(format!(
            "{}.serviceConfig.EnvironmentFile = \"/run/secrets/{}.env\";  # {}=… in that file",
            path_string(&unit),
            path[2],
            path[4]
        ));
    }
    None
}

impl LintRule for SecretLiteral {
    /// The defaults of the options a module declares: a secret there is used wherever the
    /// option is not set (a condition of the finding).
    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if !self.kinds().contains(&cx.kind) {
            return;
        }
        for (path, value) in &cx.index.option_defaults {
            // Handed to a user's password (`initialPassword = cfg.initialPassword;`): the user's
            // plain-text password, NIX-030's, reported there.
            let a_users_password = || {
                cx.index
                    .assignments
                    .iter()
                    .any(|a| a.reads.as_ref() == Some(path) && password_option(&a.path))
            };
            if !holds_text(&value.v) || a_users_password() {
                continue;
            }
            let mut hits = Vec::new();
            self.check(&default_assignment(path, value), cx, &mut hits);
            let when = format!("`{}` is left at its default", path_string(path));
            out.extend(hits.into_iter().map(|h| h.when(Some(&when))));
        }
    }
    fn kinds(&self) -> &'static [ModuleKind] {
        &[
            ModuleKind::NixOS,
            ModuleKind::Darwin,
            ModuleKind::HomeManager,
        ]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["networking", "wireless", "networks", "*", "psk"],
            &["environment", "etc", "*", "text"],
        ]
    }
    fn wants(&self, a: &Assignment) -> bool {
        etc_secret_file(a).is_some() || each_literal(a, &mut |lit, _| !secrets_in(&lit).is_empty())
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if etc_secret_file(a).is_some() {
            return;
        }
        let option = path_string(&a.path);
        // A file of `environment.etc` that an option of this file reads its secret from
        // (`services.paperless.passwordFile = "/etc/paperless-admin-pass"`): its text is
        // that secret, in the store.
        if a.is(&["environment", "etc", "*", "text"]) {
            let target = format!("/etc/{}", a.path[2].trim_start_matches('/'));
            let reader = cx
                .index
                .assignments
                .iter()
                .find(|b| etc_secret_file(b).is_some_and(|f| f == target));
            if let (Some(b), Some(text)) = (reader, a.value.v.as_str()) {
                let t = text.trim();
                let stand_in = t.chars().count() >= 4 && is_placeholder(t);
                if !t.is_empty() && !t.contains('\n') && written_password(t) && !stand_in {
                    out.push(
                        Hit::new(
                            a.value.range,
                            format!(
                                "`{option}` is the secret `{}` reads, in plain text (`{}`)",
                                path_string(&b.path),
                                redact(t, 0)
                            ),
                        )
                        .subject(path_string(&b.path)),
                    );
                    return;
                }
            }
            // A file named for the secret it holds (`environment.etc."nextcloud-admin-pass"
            // .text = "1234";`), written as one word: that secret.
            if let (None, Some(text)) = (reader, a.value.v.as_str()) {
                let t = text.trim();
                let stand_in = t.chars().count() >= 4 && is_placeholder(t);
                if named_for_a_secret(&a.path[2])
                    && !t.is_empty()
                    && !t.contains(char::is_whitespace)
                    && written_password(t)
                    && !stand_in
                {
                    out.push(Hit::new(
                        a.value.range,
                        format!(
                            "`{option}` is a file named for a secret, its text in plain text (`{}`)",
                            redact(t, 0)
                        ),
                    ));
                    return;
                }
            }
        }
        let mut found = Vec::new();
        each_literal(a, &mut |lit, place| {
            let secrets = secrets_in(&lit);
            if !secrets.is_empty() {
                found.push((lit, place.to_string(), secrets));
            }
            false
        });
        for (lit, place, secrets) in found {
            let first = &secrets[0];
            let option = format!("{option}{place}");
            let mut message = match first.what.as_str() {
                w if w.starts_with("a ") || w.starts_with("an ") => {
                    format!("`{option}` is {w} in plain text (`{}`)", first.shown)
                }
                w => format!(
                    "`{option}` holds a secret in plain text: {w} `{}`",
                    first.shown
                ),
            };
            if let Some(n) = first.line {
                let _ = write!(message, " on line {n} of the string");
            }
            match secrets.len() - 1 {
                0 => {}
                1 => message.push_str(", and 1 more secret"),
                n => {
                    let _ = write!(message, ", and {n} more secrets");
                }
            }
            let subject = option.clone();
            let mut hit = Hit::new(lit.range, message)
                .subject(subject)
                .secret(quote(&redact(lit.text, 0)));
            if let Some(f) = fix(&a.path) {
                hit = hit.fix(f);
            }
            out.push(hit);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{findings, h, hc, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-033";

    /// Texts that name a password without holding one: nss_ldap's search base for accounts,
    /// nginx's realm, a prompt given to `--password`, a Python variable named for it. The same
    /// texts with a password written in are still reported.
    #[test]
    fn names_of_passwords_in_texts_are_not_passwords() {
        for ok in [
            "{ users.ldap.extraConfig = ''\n  base dc=ocf,dc=berkeley,dc=edu\n  nss_base_passwd ou=people,dc=ocf,dc=berkeley,dc=edu\n''; }",
            "{ services.nginx.virtualHosts.a.locations.\"/\".extraConfig = ''\n  client_max_body_size 0;\n  auth_basic \"prom.dolphin-emu.org\";\n''; }",
            "{ systemd.user.services.h.script = ''\n  password_command = 'sh -c \"cat ~/pw || kdialog --password \\\"NickServ password (leave blank)\\\"\"'\n''; }",
            "{ systemd.services.e.serviceConfig.ExecStart = ''\n  conn = connect(\n    user=\"enforcer\",\n    password=mysql_passwd,\n  )\n''; }",
        ] {
            assert!(hits(ok, ID).is_empty(), "{ok}");
        }
        for bad in [
            "{ systemd.user.services.h.script = ''\n  irc --password hunter2x\n''; }",
            "{ systemd.services.e.serviceConfig.ExecStart = ''\n  password=Sup3rS3cret,\n''; }",
            "{ virtualisation.oci-containers.containers.db.environment.POSTGRES_PASSWORD = \"bank_split_password\"; }",
        ] {
            assert_eq!(hits(bad, ID).len(), 1, "{bad}");
        }
    }

    /// The name of a secret in a secrets store under an option named for a secret
    /// (`repositorySecret = "restic/borgbase_repo"`, a sops key), and a placeholder to replace:
    /// no secret. A secret written under that option is one.
    #[test]
    fn secret_names_and_placeholders_to_replace() {
        for ok in [
            "{ my.backup.repositorySecret = \"restic/borgbase_repo\"; }",
            "{ my.backup.passwordSecret = \"restic/borgbase_password\"; }",
            "{ my.k3s.clusterToken = \"replace-with-a-private-bootstrap-token\"; }",
        ] {
            assert!(hits(ok, ID).is_empty(), "{ok}: {:?}", hits(ok, ID));
        }
        let bad = "{ my.backup.repositorySecret = \"Xk29fjQz81mNbV7e\"; }";
        assert_eq!(hits(bad, ID).len(), 1, "{bad}");
    }

    const GH: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

    fn none(src: &str) {
        assert!(hits(src, ID).is_empty(), "{src}: {:?}", hits(src, ID));
    }

    /// A secret written once is one finding however many options it is given to: one
    /// `environment` set shared by several containers, or a name bound to it and used by each.
    #[test]
    fn a_secret_written_once_is_one_finding() {
        let shared = "let env = { DATABASE_URL = \"postgresql://plane:Wq8vLm3Zr5x@db/plane\"; }; in {\n  virtualisation.oci-containers.containers = {\n    api.environment = env;\n    worker.environment = env;\n    web.environment = env;\n  };\n}";
        let f = findings(shared, ID);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0]
            .finding
            .message
            .ends_with("(3 uses of this place, reported once)"));
        let named = "let\n  storage = \"minio|10.0.0.1?accessKey=minioadmin&secretKey=Wq8vLm3Zr5xQ\";\nin {\n  virtualisation.oci-containers.containers.a.environment.STORAGE_CONFIG = storage;\n  virtualisation.oci-containers.containers.b.environment.STORAGE_CONFIG = storage;\n}";
        let f = findings(named, ID);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].line, 4);
        // Two secrets of the same shape written apart stay apart.
        let apart = "{\n  services.a.settings.password = \"Wq8vLm3Zr5x\";\n  services.b.settings.password = \"Zr5xWq8vLm3\";\n}";
        assert_eq!(hits(apart, ID).len(), 2);
    }

    /// Text of a real-looking (random, never used) OpenSSH private key.
    fn key() -> String {
        let body = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW";
        format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n{body}\n-----END OPENSSH PRIVATE KEY-----\n"
        )
    }

    #[test]
    fn the_cheap_gate_sees_the_words_through_separators_and_case() {
        use super::word_bits;
        assert_eq!(word_bits("enable"), 0);
        assert_eq!(word_bits("hello world"), 0);
        assert_eq!(word_bits("ROOT_P-W"), 0b10);
        assert_eq!(word_bits("basic.auth.PASSword"), 0b1);
        assert_eq!(word_bits("wpa_PSK"), 0b100);
        assert_eq!(word_bits("client-Secret"), 0b1000);
        assert_eq!(word_bits("API_TOKEN"), 0b1_0000);
        assert_eq!(word_bits("private_key"), 0b10_0000);
        assert_eq!(word_bits("GRANT … IDENTIFIED BY 'x'"), 0b100_0000);
        // The same as looking for each word in the normalized text.
        let words = ["pass", "pw", "psk", "secret", "token", "key", "entified"];
        for s in [
            "PassWord_Key",
            "p.a-s_s",
            "pskey",
            "tokensecretpassword",
            "keYtOkEn",
            "p_w-key.psk",
            "identified",
            "ke",
            "",
            "ünïcödé psk",
            "kkey sssecret",
        ] {
            let n = super::normalize(s);
            let naive = words
                .iter()
                .enumerate()
                .filter(|(_, w)| n.contains(*w))
                .fold(0u8, |m, (i, _)| m | 1 << i);
            assert_eq!(word_bits(s), naive, "{s}");
        }
        // A literal the gate passes by its text alone: a password directive, a URL, a token.
        for (key, text) in [
            ("extraConfig", "rootpw s3cr3tW0rd"),
            ("url", "https://user:Wr0ngHorse@example.org"),
            ("x", "ghp_0123456789abcdefghijABCDEFGHIJ012345"),
        ] {
            let lit = super::Literal {
                text,
                range: rnix::TextRange::default(),
                key,
                client: false,
            };
            assert!(super::may_hold_secret(&lit), "{text}");
        }
        // A URL without user information, a device path: nothing for the line parser or the
        // matcher.
        for text in [
            "https://example.org/dashboard",
            "/dev/disk/by-uuid/94E8-7477",
        ] {
            let lit = super::Literal {
                text,
                range: rnix::TextRange::default(),
                key: "x",
                client: false,
            };
            assert!(!super::may_hold_secret(&lit), "{text}");
        }
    }

    /// A declared option's default is what every configuration that leaves the option alone
    /// gets: a secret in it is reported, conditional on the default being used. A `key` beside
    /// a `url` is that service's API key (a dashboard widget).
    #[test]
    fn an_environment_password_named_for_its_account_after_the_word() {
        let src = r#"{
  virtualisation.oci-containers.containers.neko.environment = {
    NEKO_PASSWORD = "neko";
    NEKO_PASSWORD_ADMIN = "admin";
    NEKO_PASSWORD_MIN_LENGTH = "12";
  };
}"#;
        let lines: Vec<u32> = hits(src, ID).iter().map(|x| x.1).collect();
        assert_eq!(lines, [3, 4]);
    }

    #[test]
    fn a_well_known_weak_password_in_use_is_a_password() {
        let src = r#"{
  services.mosquitto.listeners = [ { users.z2m.password = "passw0rd"; } ];
  services.zigbee2mqtt.settings.mqtt = { user = "z2m"; password = "passw0rd"; };
  services.foo.settings.password = "changeme";
  services.bar.settings.password = "example-password";
}"#;
        let lines: Vec<u32> = hits(src, ID).iter().map(|x| x.1).collect();
        assert_eq!(lines, [2, 3]);
    }

    #[test]
    fn an_access_key_id_is_no_secret() {
        let src = r#"{ config, ... }: { services.outline.storage = { secretKeyFile = config.sops.secrets.s3.path; accessKey = "h9tNvrxMxKVmIRq5haze"; }; }"#;
        assert!(hits(src, ID).is_empty(), "{:?}", hits(src, ID));
        // Its other half is one.
        let src = r#"{ services.outline.storage = { accessKey = "h9tNvrxMxKVmIRq5haze"; secretKey = "Xq9vP2mL7sK4nB8cR1tY6wE3uI0oA5dF"; }; }"#;
        assert_eq!(hits(src, ID).len(), 1, "{:?}", hits(src, ID));
    }

    /// A script that interpolates several store files: the text of each is in the store, not
    /// only the first one's.
    #[test]
    fn every_store_file_a_script_interpolates_is_read() {
        let src = r#"{ pkgs, ... }:
let
  keyfile = builtins.toFile "id_rsa" ''
    -----BEGIN RSA PRIVATE KEY-----
    MIIEpQIBAAKCAQEAxbwyOR9U72bk0zKzmNLEvY8+ox0nfFNHC5m5OrS+fOzoqD0D
    7QdAWXYhyOgV/VXS73B8LTxsOa7aIT72mIuFBaAOw4tdE9R+ktX5dqAEerG+932Z
    -----END RSA PRIVATE KEY-----
  '';
in {
  systemd.services.x.script = ''
    cp ${builtins.toFile "a.json" "{"Git": 1}"} /var/a.json
    cat ${keyfile} > /root/.ssh/id_rsa
  '';
}"#;
        let got = findings(src, ID);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].line, 3, "{got:?}");
    }

    #[test]
    fn secrets_in_option_defaults_and_widget_keys() {
        let src = r#"{ lib, ... }: {
  options.homelab.sonarr.widget = lib.mkOption {
    type = lib.types.attrs;
    default = { type = "sonarr"; url = "https://sonarr.example.org"; key = "9a99b19c5f9342be94fe2bf853bb6007"; };
  };
  options.vpn.privateKey = lib.mkOption { type = lib.types.str; default = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="; };
  options.game.password = lib.mkOption { type = lib.types.str; default = "N/A"; };
  options.s3.secretKey = lib.mkOption { type = lib.types.str; default = "rustfs/oidc-client-secret"; };
}"#;
        let got = findings(src, ID);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!((got[0].line, got[1].line), (4, 6));
        assert!(got.iter().all(|f| f.conditional), "{got:?}");
        assert!(
            got[0].finding.message.contains("homelab.sonarr.widget.key"),
            "{got:?}"
        );
        // In a list of widgets, as a dashboard's services are written.
        assert_eq!(
            hits(
                r#"{ services.homepage-dashboard.services = [ { Media = [ { Sonarr = { widget = { type = "sonarr"; url = "http://127.0.0.1:8989"; key = "9a99b19c5f9342be94fe2bf853bb6007"; }; }; } ]; } ]; }"#,
                ID
            )
            .len(),
            1
        );
        // A `key` without a `url` beside it is no API key: a key binding, a name.
        none(
            r#"{ x.bindings = [ { key = "Return"; action = "open"; } { key = "9a99b19c5f9342be94fe2bf853bb6007"; } ]; }"#,
        );
        // An entry of a secret store, by its name.
        none(r#"{ x.settings.client_secret = "oidc/grafana-client-secret"; }"#);
        // A default handed to a user's password is that user's plain-text password (NIX-030),
        // not a second finding here; kept where nothing hands it on.
        let src = r#"{ config, lib, ... }: let cfg = config.my.user; in {
  options.my.user = with lib.types; { initialPassword = lib.mkOption { type = str; default = "Tr0ub4dor3x"; }; };
  config.users.users.me.initialPassword = cfg.initialPassword;
}"#;
        assert!(hits(src, ID).is_empty(), "{:?}", hits(src, ID));
        assert_eq!(hits(src, "NIX-030").len(), 1, "{:?}", hits(src, "NIX-030"));
        let alone = src.replace(
            "config.users.users.me.initialPassword = cfg.initialPassword;",
            "",
        );
        assert_eq!(hits(&alone, ID).len(), 1, "{:?}", hits(&alone, ID));
    }

    #[test]
    fn tokens_in_every_spelling() {
        let src = format!(r#"{{ systemd.services.app.environment.API_TOKEN = "{GH}"; }}"#);
        assert_eq!(hits(&src, ID), [h(&format!("\"{GH}\""), 1, High)]);
        // Nested sets, a `let` name (at the use site), `with lib;`, `mkForce`, `mkIf`.
        let src = format!(
            r#"{{ config, lib, ... }}:
with lib;
let tok = "{GH}"; in
{{
  systemd.services = {{ app = {{ environment = {{ GITHUB_TOKEN = mkForce tok; }}; }}; }};
  services.gitea = mkIf config.site.git {{ settings.mailer.PASSWD = "Wr0ngHorse!Battery9"; }};
}}"#
        );
        assert_eq!(
            hits(&src, ID),
            [h("tok", 5, High), hc("\"Wr0ngHorse!Battery9\"", 6, High)]
        );
        // Lists, attribute sets inside lists, interpolated strings.
        let src = format!(
            r#"{{ x, ... }}: {{
  services.foo.extraFlags = [ "--verbose" "--token=${{x}}" "--gh={GH}" ];
  services.mosquitto.listeners = [ {{ users.bob.password = "b0b-Mosquitto-pw"; }} ];
}}"#
        );
        let f = findings(&src, ID);
        let subjects: Vec<_> = f.iter().map(|f| f.finding.subject.clone()).collect();
        assert_eq!(
            subjects,
            [
                Some("services.foo.extraFlags[2]".to_string()),
                Some("services.mosquitto.listeners[0].users.bob.password".to_string()),
            ]
        );
    }

    #[test]
    fn keys_and_assignments_in_multi_line_text() {
        let src = format!(
            "{{ pkgs, ... }}: {{\n  environment.etc.\"ssh/id_deploy\".text = ''\n{}  '';\n}}",
            key()
                .lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        );
        let f = findings(&src, ID);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, 2);
        assert_eq!(
            f[0].finding.message,
            "`environment.etc.\"ssh/id_deploy\".text` holds a secret in plain text: private key (PEM, OpenSSH or PGP) `-----BEGIN OPENSSH PRIVATE KEY----- …[redacted]` on line 1 of the string"
        );
        let src = r#"{
  services.postgresql.settings.foo = 1;
  services.pgbouncer.extraConfig = ''
    [databases]
    app = host=db port=5432 password=Zq8-wX4!vT2mLp
    auth_token = 8f14e45fceea167a5a36dedd4bea2543ab
  '';
}"#;
        let f = findings(src, ID);
        assert_eq!(f.len(), 1, "one finding per string");
        assert_eq!(f[0].line, 3);
        assert!(
            f[0].finding
                .message
                .ends_with("on line 2 of the string, and 1 more secret"),
            "{}",
            f[0].finding.message
        );
        // The text written by pkgs.writeText.
        let src = format!(
            r#"{{ pkgs, ... }}: {{ services.foo.configFile = pkgs.writeText "foo.ini" "[auth]\ntoken={GH}\n"; }}"#
        );
        assert_eq!(hits(&src, ID).len(), 1);
    }

    #[test]
    fn password_and_token_options_written_in_place() {
        assert_eq!(
            hits(
                r#"{ services.grafana.settings.security.admin_password = "Tr0ub4dor&3xyz"; }"#,
                ID
            )
            .len(),
            1
        );
        assert_eq!(
            hits(r#"{ services.foo.adminPassword = "Tr0ub4dor&3xyz"; }"#, ID).len(),
            1
        );
        assert_eq!(
            hits(
                r#"{ services.foo.settings.api_token = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"; }"#,
                ID
            )
            .len(),
            1
        );
        // A key named for a password the matcher does not know.
        assert_eq!(
            hits(r#"{ site.ldap.bind.pw = "Xk4mQ9vLr2Tw8Zp"; }"#, ID).len(),
            1
        );
        assert_eq!(
            hits(
                r#"{ services.dovecot.ldap.dnpass = "Xk4mQ9vLr2Tw8Zp"; }"#,
                ID
            )
            .len(),
            1
        );
        // A bind credential is sent as written: a hash-looking one is the password itself.
        assert_eq!(
            hits(
                r#"{ site.ldap.bind.pw = "{SSHA}q1w2e3r4t5y6u7i8o9p0aSdFgHjK"; }"#,
                ID
            )
            .len(),
            1
        );
        // A word is not a password, a short value not a token (the matcher's rules).
        none(r#"{ services.foo.settings.password_policy = "strict"; }"#);
        none(r#"{ services.foo.settings.token = "abc"; }"#);
    }

    #[test]
    fn wireless_pre_shared_keys() {
        let f = findings(
            r#"{ networking.wireless.networks."My Home".psk = "correct horse battery staple"; }"#,
            ID,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].finding.message,
            "`networking.wireless.networks.\"My Home\".psk` is a WPA pre-shared key in plain text (`…[redacted, 28 chars]`)"
        );
        assert_eq!(f[0].value.as_deref(), Some("\"…[redacted, 28 chars]\""));
        assert_eq!(
            f[0].finding.remediation.nixos,
            "networking.wireless.secretsFile = \"/run/secrets/wireless.env\";  # psk_My_Home=…\nnetworking.wireless.networks.\"My Home\".pskRaw = \"ext:psk_My_Home\";"
        );
        assert_eq!(
            hits(
                r#"{ networking.wireless.networks.lab.pskRaw = "2f3c8a9d1e0b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"; }"#,
                ID
            )
            .len(),
            1
        );
        assert_eq!(
            hits(
                r#"{ networking.wireguard.interfaces.wg0.privateKey = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="; }"#,
                ID
            )
            .len(),
            1
        );
        for src in [
            r#"{ networking.wireless.networks.home.pskRaw = "ext:psk_home"; }"#,
            r#"{ networking.wireless.networks.home.psk = "@PSK_HOME@"; }"#,
            r#"{ networking.wireless.networks.home.psk = "changeme"; }"#,
            r#"{ networking.wireless.networks.home.psk = "${config.sops.placeholder.wifi}"; }"#,
            r#"{ networking.wireguard.interfaces.wg0.privateKeyFile = "/run/secrets/wg0"; }"#,
        ] {
            none(src);
        }
    }

    #[test]
    fn a_url_password_written_as_a_value() {
        // `user:pass` in a value is the password the service gets (a comment's is the format).
        let f = findings(
            r#"{ virtualisation.oci-containers.containers.a.environment.DATABASE_URL = "postgres://user:pass@postgres:5432/outline"; }"#,
            ID,
        );
        assert_eq!(f.len(), 1, "{f:?}");
    }

    /// A setting named for a secret of a known use holds it, a plain word included; the name
    /// of a secret object (`existingRpcSecret`) and a bare `secret` are left to the matcher.
    #[test]
    fn secrets_named_by_their_use() {
        for src in [
            r#"{ services.garage.settings.rpcSecret = "pony"; }"#,
            r#"{ services.matrix-synapse.settings.registration_shared_secret = "hbhbhb"; }"#,
            r#"{ services.x.settings.jwtSecret = "weakword"; }"#,
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
        for src in [
            r#"{ services.x.values.existingRpcSecret = "garage-rpc"; }"#,
            r#"{ my.cloudflare.apiTokenSecret = "cloudflare-token"; }"#,
            r#"{ services.x.values.envFromSecret = "grafana-env"; }"#,
            r#"{ services.x.settings.secret = "pony"; }"#,
        ] {
            none(src);
        }
    }

    /// A one-character password where the syntax says it is one: a SQL statement's, a URL's.
    #[test]
    fn one_character_passwords_in_sql_and_urls() {
        for src in [
            "{ pkgs, ... }: { services.postgresql.initialScript = pkgs.writeText \"i.sql\" \"ALTER USER app WITH PASSWORD '1';\"; }",
            r#"{ systemd.services.a.environment.DATABASE_URL = "postgres://app:1@localhost/db"; }"#,
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
        // A lone symbol is no password; a URL without one names none.
        none("{ pkgs, ... }: { services.postgresql.initialScript = pkgs.writeText \"i.sql\" \"ALTER USER app WITH PASSWORD '*';\"; }");
    }

    /// An `/etc` file named for the secret it holds, written as one word, is that secret; a
    /// path, a document and a stand-in are not.
    #[test]
    fn an_etc_file_named_for_its_secret() {
        for src in [
            r#"{ environment.etc."nextcloud-admin-pass".text = "1234"; }"#,
            r#"{ environment.etc."grafana/admin_password".text = "hunter22"; }"#,
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
        for src in [
            r#"{ environment.etc."x/token".text = "/run/secrets/t"; }"#,
            r#"{ environment.etc."secret.conf".text = "abcd"; }"#,
            r#"{ environment.etc."admin-pass".text = "changeme"; }"#,
        ] {
            none(src);
        }
    }

    #[test]
    fn false_alarms() {
        for src in [
            r#"{ services.foo.passwordFile = "/run/secrets/foo"; }"#,
            r#"{ services.foo.settings.password = "changeme"; }"#,
            // A signing key's ID (public), `nsswitch.conf`'s user database sources.
            r#"{ services.gitea.settings."repository.signing".SIGNING_KEY = "0549C43374D2253C"; }"#,
            "{ systemd.services.x.serviceConfig.BindReadOnlyPaths = [ \"${pkgs.writeText \"nsswitch.conf\" ''\n  passwd:    files\n  group:     files\n''}:/etc/nsswitch.conf\" ]; }",
            r#"{ config, ... }: { services.foo.settings.password = "${config.sops.placeholder.foo}"; }"#,
            r#"{ services.foo.settings.password = "@PASSWORD@"; }"#,
            r#"{ services.foo.settings.password = "$FOO_PASSWORD"; }"#,
            r#"{ services.grafana.settings.security.secret_key = "$__file{/run/secrets/grafana}"; }"#,
            r#"{ services.home-assistant.config.http.api_password = "!secret http_password"; }"#,
            // zigbee2mqtt's references to a secrets file and its key.
            r#"{ services.zigbee2mqtt.settings.mqtt.password = "!/run/secrets/mqtt.yaml password"; }"#,
            r#"{ services.zigbee2mqtt.settings.mqtt.password = "!secret.yaml password"; }"#,
            r#"{ services.foo.extraConfig = "password_file = /run/secrets/foo\n"; }"#,
            r#"{ services.foo.script = "export TOKEN=$(cat /run/secrets/token)"; }"#,
            // A URL format's own example in a comment (a value `user:pass` is a password), and
            // a regular expression over URLs.
            "{ systemd.services.db.script = ''\n  # format: postgresql://user:pass@host:port/db\n  P=\"$(echo \"$X\" | sed -n 's|.*://[^:]*:\\([^@]*\\)@.*|\\1|p')\"\n''; }",
            // Public keys are not secrets.
            r#"{ users.users.a.openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a@b" ]; }"#,
            r#"{ nix.settings.trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ]; }"#,
            r#"{ networking.wireguard.interfaces.wg0.peers = [ { publicKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="; } ]; }"#,
            // NIX-030's and NIX-031's.
            r#"{ users.users.alice.initialPassword = "S0me-Real-Passw0rd"; }"#,
            r#"{ users.users.alice.hashedPassword = "$6$salt$hash"; }"#,
            // Hashes of a secret, not the secret (Authelia's client_secret, mosquitto).
            r#"{ services.authelia.instances.main.settings.identity_providers.oidc.clients = [ { client_secret = "$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng"; } ]; }"#,
            r#"{ services.mosquitto.listeners = [ { users.root.hashedPassword = "$7$101$6NzKy3TgCqP2vZf8$hBO+M8Hn0J5nA0q6lZb7f7nq7y2hx3r5r1U3s1j9i1c"; } ]; }"#,
            // A flake reference is not `github = …`.
            r#"{ inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable"; }"#,
            // A documentation key body.
            r#"{ environment.etc.x.text = "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----"; }"#,
        ] {
            none(src);
        }
    }

    /// A program's code in a text gives a password as an expression: a variable, an
    /// attribute, a call, an index or a YAML alias holds no secret; a value written beside
    /// the same names is still found.
    #[test]
    fn code_that_computes_a_secret_holds_none() {
        for (file, line) in [
            ("c.py", "conn = connect(host=\"db\", password=db_password)"),
            (
                "c.py",
                "client = Client(api_key=api_key, secret=client_secret)",
            ),
            ("c.py", "db = connect(user=\"x\", password=password)"),
            (
                "c.py",
                "DATABASES = { \"default\": { \"PASSWORD\": read_secret(\"db\") } }",
            ),
            ("c.py", "secret = self.secret"),
            ("c.py", "password = sys.argv[1]"),
            ("c.js", "password: process.env.DB_PASSWORD,"),
            (
                "c.rb",
                "password: Rails.application.credentials.db_password",
            ),
            ("c.yaml", "password: *db_password"),
        ] {
            let src = format!("{{ environment.etc.\"{file}\".text = ''\n  {line}\n''; }}");
            none(&src);
        }
        for (file, line) in [
            ("c.ini", "password = Tr0ub4dor&3"),
            (
                "c.py",
                "conn = connect(host=\"db\", password=\"Tr0ub4dor&3x\")",
            ),
            ("c.sh", "mytool --password=hunter22x"),
        ] {
            let src = format!("{{ environment.etc.\"{file}\".text = ''\n  {line}\n''; }}");
            assert_eq!(hits(&src, ID).len(), 1, "{line}");
        }
    }

    /// A container image's name and tag, and a shell command substitution whose command is
    /// named for a secret, hold none.
    #[test]
    fn images_and_command_substitutions() {
        for src in [
            r#"{ virtualisation.oci-containers.containers.gitlab.image = "gitlab/gitlab-ce:18.6.2-ce.0"; }"#,
            r#"{ virtualisation.oci-containers.containers.r.image = "myoung34/github-runner:2.335.1-ubuntu-noble"; }"#,
            r#"let ns = "authentik"; in { systemd.services.x.script = ''
  EXISTING=$(get_secret_value "${ns}" "authentik-setup-credentials" "TOKEN")
  OTHER=`read_password "${ns}"`
''; }"#,
        ] {
            none(src);
        }
        // An assignment in the same script still is one.
        assert_eq!(
            hits(
                "{ systemd.services.x.script = ''\n  X=$(get_secret_value a)\n  DB_PASSWORD=Xq7-vR2p-Lm9t\n''; }",
                ID
            )
            .len(),
            1
        );
    }

    /// Names of Kubernetes secrets (Helm's `existingSecret*`), sops ciphertexts, the JDK's
    /// public default keystore password, and words for people to read are no secrets.
    #[test]
    fn secret_names_ciphertexts_and_prose() {
        for src in [
            r#"{ x.values.s3.existingSecret = "harbor-s3-secret-key"; }"#,
            r#"{ x.values.existingSecretAdminPassword = "harbor-admin-password-secret"; }"#,
            r#"{ x.values.auth.existing_secret_password = "db-password-secret"; }"#,
            r#"{ x.yamls = [ "stringData:\n  admin-password: ENC[AES256_GCM,data:oGwQ3JrQoqP+NIEeZVI/6fHb3i0=,iv:/WGvXG0LBXNwoP8/8eyKNI+obOnDpGJt0QZ5m577PRU=,tag:lipFbA/X720Fg==,type:str]\n" ]; }"#,
            r#"{ x.settings.password = "ENC[AES256_GCM,data:oGwQ3JrQoqP+NIEeZVI/6fHb3i0=,iv:/WGvXG0LBXNwoP8/8eyKNI+obOnDpGJt0QZ5m577PRU=,tag:lipFbA/X720Fg==,type:str]"; }"#,
            r#"{ x.environment.JAVA_TOOL_OPTIONS = "-Djavax.net.ssl.trustStore=/certs/truststore.jks -Djavax.net.ssl.trustStorePassword=changeit"; }"#,
            r#"{ services.dashy.settings.sections = [ { items = [ { title = "Vaultwarden"; description = "Password manager"; } ]; } ]; }"#,
            r#"{ x.settings.label = "Password: reset via the portal"; }"#,
            // A desktop entry's generic name.
            r#"{ xdg.desktopEntries."1password" = { name = "1Password"; genericName = "Password Manager"; }; }"#,
            // A shell alias named for what it makes: its name is a command's.
            r#"{ home.shellAliases.passphrase = "diceware --no-caps -n 7 -d -"; }"#,
            r#"{ environment.shellAliases = { pw = "pwgen -s 24 1"; ll = "ls -l"; }; }"#,
            // An access key's id (the public half, as a user name is).
            r#"{ programs.msmtp.accounts.default.user = "AKIAZ3MHALKJ4TQW7XYZ"; }"#,
            r#"{ x.environment.AWS_ACCESS_KEY_ID = "AKIAZ3MHALKJ4TQW7XYZ"; }"#,
        ] {
            none(src);
        }
        // A token in an alias's command is still found.
        assert_eq!(
            hits(
                r#"{ home.shellAliases.gh-api = "curl -H 'Authorization: token ghp_0123456789abcdefghijABCDEFGHIJ012345' https://api.github.com"; }"#,
                ID
            )
            .len(),
            1
        );
        // A password beside a secret's name is still found.
        assert_eq!(
            hits(
                r#"{ x.values = { existingSecret = "db"; password = "Xq7-vR2p-Lm9t"; }; }"#,
                ID
            )
            .len(),
            1
        );
    }

    /// Passwords the configuration's syntax gives: a directive's argument, a URL's password,
    /// SQL's `PASSWORD '…'`, an environment variable named for a secret (a weak word too).
    /// A JSON body or a JavaScript object given in a script, and a query string's pairs
    /// (setup scripts of a public homelab).
    #[test]
    fn passwords_in_objects_and_query_strings() {
        for line in [
            r#"curl -sf -X POST "http://127.0.0.1/Startup/User" -d '{"Name":"admin","Password":"admin"}'"#,
            r#"curl -d '{"Username":"admin","Pw":"Hq7vWm2pLx9s"}' http://127.0.0.1/Users/AuthenticateByName"#,
            r#"await send("login", { username: "admin", password: "changeme123!", token: "" });"#,
            r#"curl -d "grant_type=password&username=admin&password=admin&client_id=x" http://127.0.0.1/auth/token"#,
        ] {
            let src = format!(
                "{{ pkgs, ... }}: {{ systemd.services.setup.script = ''\n  {}\n''; }}",
                line.replace("${", "''${")
            );
            assert_eq!(hits(&src, ID).len(), 1, "{line}");
        }
        for line in [
            // Filled in at run time, a field's pattern, a hash read back.
            r#"curl -d '{"username":"admin","password":"'"$PW"'"}' http://127.0.0.1/login"#,
            r#"grep -oP '"password"\s*:\s*"\K[^"]+'"#,
            r#"curl -d '{"password":"$ADMIN_PASSWORD"}' http://127.0.0.1/login"#,
            r#"jq '{ password: .password }' in.json"#,
            // An rclone remote named `…-secret` after a `${…}`, not an object's key.
            r#"rclone copy ${src} pcloud-secret:'Backups/Framework Laptop' --config c -L"#,
            // Not ASCII before the colon.
            "echo '! │ ║run: x'",
            "║password: \"║\"",
        ] {
            let src = format!(
                "{{ pkgs, ... }}: {{ systemd.services.setup.script = ''\n  {}\n''; }}",
                line.replace("${", "''${")
            );
            assert!(hits(&src, ID).is_empty(), "{line}: {:?}", hits(&src, ID));
        }
    }

    /// Values filled in when the program runs or by the module, and keys named for a hash
    /// (found on public configurations): no plaintext secret.
    #[test]
    fn run_time_values_module_tokens_and_hash_keys() {
        for src in [
            "{ systemd.services.q.preStart = ''\n  password = read_secret(password_file, \"password\")\n''; }",
            r#"{ services.mailman.settings.database.url = "postgresql://mailman:#NIXOS_MAILMAN_DB_PW#@localhost/mailman"; }"#,
            "{ systemd.services.q.preStart = ''\n  WebUI\\Password_PBKDF2=\"@ByteArray({encoded_salt}:{encoded_hash})\"\n''; }",
        ] {
            none(src);
        }
        // A password beside a call on another line is still found.
        assert_eq!(
            hits(
                "{ systemd.services.q.preStart = ''\n  user = get_user()\n  password = Hq7vWm2pLx9sRt4k\n''; }",
                ID
            )
            .len(),
            1
        );
    }

    /// Keys that sign or encrypt, named so: Laravel's `APP_KEY` in a container's environment,
    /// Invidious's `hmac_key`.
    #[test]
    fn signing_and_encryption_keys_by_name() {
        for src in [
            r#"{ virtualisation.oci-containers.containers.speedtest.environment.APP_KEY = "base64:Hq7vWm2pLx9sRt4kJ8nB3cV6zX1aQ5eY0uI2oP7lK4M="; }"#,
            r#"{ services.invidious.settings.hmac_key = "Hq7vWm2pLx9sRt4kJ8nB"; }"#,
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
    }

    /// A file of `environment.etc` an option reads its password from: its text is that
    /// password, in the store (a public configuration's Paperless admin password).
    #[test]
    fn an_etc_file_a_password_option_reads() {
        let src = r#"{
  environment.etc."paperless-admin-pass".text = "admin";
  services.paperless = { enable = true; passwordFile = "/etc/paperless-admin-pass"; };
}"#;
        let got = findings(src, ID);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].line, 2);
        // Not read by a secret's option, or a stand-in: nothing.
        none(r#"{ environment.etc."motd".text = "admin"; services.x.configFile = "/etc/motd"; }"#);
        none(
            r#"{ environment.etc."pw".text = "changeme-placeholder"; services.x.passwordFile = "/etc/pw"; }"#,
        );
    }

    /// A store file another one interpolates is written too: its text is read (a setup
    /// script copied into a container by the unit's script); a template's `__X__` tokens are
    /// stand-ins.
    #[test]
    fn files_a_script_interpolates() {
        let src = r#"{ pkgs, ... }:
let
  setupJs = pkgs.writeText "setup.js" ''
    await send("login", { username: "admin", password: "changeme123!" });
  '';
in {
  systemd.services.setup.serviceConfig.ExecStart = pkgs.writeShellScript "setup" ''
    podman cp ${setupJs} app:/tmp/setup.js
  '';
}"#;
        let got = findings(src, ID);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].line, 3, "{got:?}");
        let src = r#"{ pkgs, ... }:
let
  env = pkgs.writeText "db.env" ''
    POSTGRES_PASSWORD=__DB_PASSWORD__
  '';
in {
  systemd.services.db.serviceConfig.ExecStartPre = pkgs.writeShellScript "db-env" ''
    sed "s/__DB_PASSWORD__/$(cat /run/secrets/db)/" ${env} > /run/db/env
  '';
}"#;
        none(src);
    }

    #[test]
    fn passwords_in_configuration_syntax() {
        let src = r#"{ pkgs, ... }: {
  services.httpd.virtualHosts.site.extraConfig = ''
    OIDCClientID portal
    OIDCCryptoPassphrase Hq7vWm2pLx9sRt4k
    AuthLDAPBindPassword "bindme-please"
  '';
  environment.etc."postfix/ldap-users.cf".text = ''
    server_host = ldap://127.0.0.1
    bind_pw = Pf8-ldap-Wq3
  '';
  services.chat.settings.database.uri = "postgres://chat:chatpass@localhost/chat";
  services.queue.settings.broker = "amqp://worker:Qz5mVb8nRt@mq:5672/";
  services.cache.settings.url = "redis://:Rk4pLm9vWq@cache:6379/0";
  services.postgresql.initialScript = pkgs.writeText "init.sql" ''
    CREATE ROLE app WITH LOGIN PASSWORD 'Ap9-xQv7-Lm2';
  '';
  virtualisation.oci-containers.containers.db.environment = {
    POSTGRES_USER = "app";
    POSTGRES_PASSWORD = "app_db_password";
    MYSQL_ROOT_PASSWORD = "changeme";
    GRAFANA_API_KEY = "glsa_Rk3mV9pQw7Zt";
    OPENAI_API_KEY = "12345";
    PIN_PASSWORD = "12345";
    ANTHROPIC_AUTH_TOKEN = "sk-";
  };
}"#;
        let f = findings(src, ID);
        let at: Vec<(u32, &str)> = f
            .iter()
            .map(|f| (f.line, f.finding.message.as_str()))
            .collect();
        let lines: Vec<u32> = at.iter().map(|(l, _)| *l).collect();
        // `OPENAI_API_KEY = "12345"` (line 22) and a token's prefix alone (line 24) are no key
        // a service issues; a password may be that short (line 23).
        assert_eq!(lines, [2, 7, 11, 12, 13, 14, 19, 20, 21, 23], "{at:#?}");
        assert!(
            at[0].1.contains("`OIDCCryptoPassphrase` argument `…[redacted, 16 chars]` on line 2 of the string, and 1 more secret"),
            "{}",
            at[0].1
        );
        assert!(
            at[2]
                .1
                .contains("URL with a password `chat:…[redacted, 8 chars]@…`"),
            "{}",
            at[2].1
        );
        assert!(
            at[5].1.contains("`PASSWORD=…[redacted, 12 chars]`"),
            "{}",
            at[5].1
        );
        for f in &f {
            let json = serde_json::to_string(f).expect("json");
            for secret in [
                "Hq7vWm2pLx9sRt4k",
                "Pf8-ldap-Wq3",
                "chatpass",
                "Ap9-xQv7-Lm2",
                "app_db_password",
            ] {
                assert!(!json.contains(secret), "{json}");
            }
        }
        for src in [
            // Substituted, referenced or standing in.
            r#"{ services.chat.settings.database.uri = "postgres://chat:${config.sops.placeholder.db}@localhost/chat"; }"#,
            r#"{ services.chat.settings.database.uri = "postgres://chat:$DB_PASS@localhost/chat"; }"#,
            r#"{ services.chat.settings.database.uri = "postgres://chat@localhost/chat"; }"#,
            r#"{ services.httpd.extraConfig = "OIDCCryptoPassphrase exec:/run/secrets/oidc\n"; }"#,
            r#"{ services.httpd.extraConfig = "OIDCCryptoPassphrase %{env:OIDC_PASS}\n"; }"#,
            r#"{ services.ldap.text = "bind_pw = @BIND_PW@\nbind = yes\n"; }"#,
            r#"{ services.x.environment.POSTGRES_PASSWORD = "{env.PG_PASS}"; }"#,
            r#"{ services.x.environment.API_TOKEN = "$__file{/run/secrets/token}"; }"#,
            r#"{ services.x.environment.JWT_SECRET = "<generate one>"; }"#,
            // A command and switches are no directive's password.
            r#"{ services.x.script = "passwd alice\nusermod -L bob\n"; }"#,
            r#"{ services.openssh.extraConfig = "PasswordAuthentication no\nPermitEmptyPasswords no\n"; }"#,
            // nginx's `*_pass` directives name upstreams.
            r#"{ services.nginx.streamConfig = "server {\n  listen 853;\n  proxy_pass dnsbackend;\n}\n"; }"#,
            // SQL without a password literal: none, a substitution.
            r#"{ pkgs, ... }: { services.postgresql.initialScript = pkgs.writeText "i.sql" "CREATE ROLE app PASSWORD NULL;\n"; }"#,
            r#"{ services.postgresql.initialScript = "CREATE USER app WITH PASSWORD '@DB_PASSWORD@';\n"; }"#,
            // A value named for itself is a stand-in.
            r#"{ services.bridge.settings.hs_token = "hs_token_unused_by_us"; }"#,
        ] {
            none(src);
        }
    }

    /// Keys that name where the password is (a lookup table, a file, a program) and values
    /// that point at it are references; `access-tokens` given by substitution hold none.
    #[test]
    fn znc_password_hashes() {
        none(r#"{ services.znc.config.User.joe.Pass = "md5#::#::#"; }"#);
        none(r#"{ services.znc.config.User.joe.Pass = "sha256#0a1b2c#s4lt#"; }"#);
    }

    #[test]
    fn msmtp_and_netrc_password_directives() {
        let src = "{ pkgs, ... }: { environment.etc.msmtprc.source = pkgs.writeText \"msmtprc\" ''\n  account default\n  host smtp.example.org\n  user alice\n  password k9v2q7w4z1x8\n''; }";
        assert_eq!(hits(src, ID).len(), 1);
        // The command `passwd alice` in a script is not a password.
        none("{ systemd.services.x.script = ''\n  passwd alice\n''; }");
    }

    #[test]
    fn nsswitch_lines_are_not_passwords() {
        none("{ systemd.services.img.script = ''\n  cat > etc/nsswitch.conf <<EOF\n  passwd:    files mymachines systemd\n  shadow: files\n  EOF\n''; }");
    }

    #[test]
    fn ipv6_interface_tokens_are_addresses() {
        none(
            r#"{ systemd.network.networks.lan.ipv6AcceptRAConfig.Token = "::521a:c5ff:fefe:65d9"; }"#,
        );
        none("{ systemd.network.networks.lan.extraConfig = ''\n  [Network]\n  IPv6Token = ::521a:c5ff:fefe:65d9\n  IPv6Token=static:::1\n''; }");
    }

    #[test]
    fn references_are_not_passwords() {
        for src in [
            r#"{ services.postfix.settings.main.smtp_sasl_password_maps = "hash:/var/lib/postfix/sasl_passwd"; }"#,
            r#"{ services.postfix.settings.main.smtp_sasl_password_maps = [ "texthash:/etc/postfix/relay_pw" ]; }"#,
            r#"{ services.x.settings.admin_password_file = "/var/lib/x/admin-pw"; }"#,
            r#"{ services.x.settings.secret_path = "/var/lib/x/secret"; }"#,
            r#"{ services.x.settings.token_command = "cat /var/lib/x/token"; }"#,
            r#"{ programs.msmtp.accounts.default.passwordeval = "cat /run/secrets/mail-passwd"; }"#,
            // sudoers' tags.
            "{ security.sudo.extraConfig = \"backup ALL=(root) NOPASSWD:SETENV: /run/current-system/sw/bin/systemctl start backup.service\"; }",
            r#"{ services.x.settings.password = "file:/var/lib/x/pw"; }"#,
            // Filled in when the script runs.
            r#"{ systemd.services.x.script = "export API_SECRET=$(cat /var/lib/x/secret)\nprintf 'DB_PASSWORD=%s\\n' \"$pw\" > env\njq --rawfile pass \"$dir/pw\" .\n"; }"#,
            // An attribute mapping names where the password is.
            r#"{ environment.etc."dovecot/ldap.conf".text = "hosts = ldap\npass_attrs = uid=user,userPassword=password\n"; }"#,
            r#"{ nix.extraOptions = "access-tokens = github.com=${token}"; }"#,
            r#"{ nix.extraOptions = lib.concatStringsSep "\n" [ "a = b" "access-tokens = github.com=$GH_TOKEN" ]; }"#,
        ] {
            none(src);
        }
    }

    /// A NixOps or colmena key's text is the key itself.
    #[test]
    fn deployment_key_texts() {
        let f = findings(
            r#"{ web = { ... }: { deployment.keys.sso-client.text = "Zr8qLw2mXn5vKp9tYs3h"; }; }"#,
            ID,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].finding.message,
            "`deployment.keys.sso-client.text` is a deployment key's text in plain text (`…[redacted, 20 chars]`)"
        );
        none(
            r#"{ web = { config, ... }: { deployment.keys.sso-client.text = "${config.sops.placeholder.sso}"; }; }"#,
        );
        none(r#"{ web = { ... }: { deployment.keys.sso-client.keyFile = "/run/keys/sso"; }; }"#);
    }

    /// `format.generate` writes its value to the store: its secrets are literals too.
    #[test]
    fn generated_files() {
        let src = r#"{ pkgs, ... }: {
  services.matrix.settings.app_service_config_files =
    let
      yaml = pkgs.formats.yaml { };
      reg = yaml.generate "bridge.yaml" {
        id = "bridge";
        as_token = "4f0e9d8c7b6a5f4e3d2c1b0a";
      };
    in
    [ reg ];
}"#;
        assert_eq!(hits(src, ID), [h("\"4f0e9d8c7b6a5f4e3d2c1b0a\"", 7, High)]);
    }

    #[test]
    fn the_secret_is_never_shown() {
        let src = format!("{{\n  services.foo.token = \"{GH}\";\n}}\n");
        for f in findings(&src, ID) {
            let json = serde_json::to_string(&f).expect("json");
            assert!(!json.contains(&GH[4..]), "{json}");
            assert!(!f.source_line.contains(&GH[4..]), "{}", f.source_line);
            assert_eq!(
                f.source_line,
                "  services.foo.token = \"****************************************\";"
            );
            assert_eq!(f.finding.subject.as_deref(), Some("services.foo.token"));
        }
    }

    /// A setting named for a password, written in place, is a finding however weak the word
    /// (`"grafana"`, `"admin"`, `"root"`), and so is each password of nginx's `basicAuth`
    /// (user → password); stand-ins, references and a record's user name are not.
    #[test]
    fn weak_literal_passwords_of_password_settings() {
        for src in [
            r#"{ services.grafana.provision.datasources.settings.datasources = [ { jsonData.password = "grafana"; } ]; }"#,
            r#"{ services.webdav.settings.users = [ { username = "admin"; password = "admin"; } ]; }"#,
            r#"{ services.mongodb.initialRootPassword = "root"; }"#,
            r#"{ services.nginx.virtualHosts."a.example".basicAuth = { foo = "bar"; }; }"#,
            r#"{ services.nginx.virtualHosts."a.example".locations."/".basicAuth.alice = "l3tme1n"; }"#,
            // A short value made of one chunk repeated is a weak password, not a stand-in.
            r#"{ services.murmur.password = "hbhbhb"; }"#,
            r#"{ services.minecraft-servers.servers.lobby.serverProperties."rcon.password" = "121212"; }"#,
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
        for src in [
            r#"{ services.foo.settings.password = "test"; }"#,
            r#"{ services.foo.settings.password = "none"; }"#,
            r#"{ services.foo.settings.password = "%p"; }"#,
            r#"{ services.foo.settings.passwordFile = "secret"; }"#,
            // Home Assistant's YAML tags (`!secret x`, a tag of one's own), written by the
            // module as tags.
            r#"{ services.home-assistant.config.notify = [ { name = "n"; password = "!nfty-pass"; } ]; }"#,
            // A file in the directory systemd gives the unit, and a placeholder's name.
            r#"{ services.dendrite.settings.global.private_key = "$CREDENTIALS_DIRECTORY/private_key"; }"#,
            r#"{ services.x.settings.token = "${STATE_DIRECTORY}/token"; }"#,
            r#"{ az.cluster.mail.passwordPlaceholder = "sopsSecretNameHere12"; }"#,
            // A secret service, not a secret.
            r#"{ xdg.portal.config.common."org.freedesktop.impl.portal.Secret" = [ "gnome-keyring" ]; }"#,
            // The same in a portals.conf written as text, and a key binding of rofi-pass.
            "{ xdg.configFile.\"xdg-desktop-portal/portals.conf\".text = ''\n  [preferred]\n  default=gtk\n  org.freedesktop.impl.portal.Secret=gnome-keyring\n''; }",
            "{ programs.rofi.pass.extraConfig = ''\n  type_pass=\"Alt+1\"\n  type_user=\"Alt+2\"\n''; }",
            // A record with a user name and a password file, not users and passwords.
            r#"{ services.x.scrape.basicAuth = { username = "prom"; passwordFile = "/run/secrets/p"; }; }"#,
            r#"{ services.traefik.dynamicConfigOptions.http.middlewares.auth.basicAuth = { usersFile = config.age.secrets.x.path; realm = "Traefik 3 Basic Auth"; removeHeader = true; }; }"#,
            r#"{ services.nginx.virtualHosts."a.example".basicAuthFile = "/run/secrets/htpasswd"; }"#,
        ] {
            none(src);
        }
    }

    /// The password of a connection string's `password=` pair and of a SQL statement's
    /// `PASSWORD '…'` clause, however weak.
    #[test]
    fn connection_strings_and_sql_passwords() {
        for src in [
            r#"{ services.blocky.settings.queryLog.target = "user=blocky password=blocky host=/run/postgresql dbname=blocky"; }"#,
            r#"{ services.x.settings.db = "Server=db;Database=app;User Id=app;Password=app;"; }"#,
            "{ pkgs, ... }: { services.postgresql.initialScript = pkgs.writeText \"init\" ''\n  CREATE DATABASE blocky;\n  CREATE USER blocky WITH PASSWORD 'blocky';\n''; }",
            r#"{ services.mysql.initialScript = "CREATE USER 'app'@'localhost' IDENTIFIED BY 'app';\n"; }"#,
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
        for src in [
            r#"{ services.blocky.settings.queryLog.target = "user=blocky password=$PG_PASS host=/run/postgresql"; }"#,
            r#"{ services.blocky.settings.queryLog.target = "user=blocky host=/run/postgresql dbname=blocky"; }"#,
            r#"{ services.postgresql.initialScript = "GRANT ALL ON DATABASE app TO app;\n"; }"#,
        ] {
            none(src);
        }
    }

    /// A program's code reading the password (a Python script of a clan vars generator) and a
    /// git signing key's ID (public: the key is in the keyring) are no secrets; a literal on
    /// the same kind of line is.
    #[test]
    fn code_expressions_and_signing_key_ids() {
        for src in [
            "{ clan.core.vars.generators.x.script = ''\n  python3 - << EOF\n  password = open(password_path).read().strip()\n  token = os.environ[\"TOKEN\"]\n  EOF\n''; }",
            "{ systemd.services.x.script = \"db_password=getpass()\"; }",
            "{ pkgs, ... }: { environment.etc.gitconfig.source = pkgs.writeText \"gitconfig\" ''\n  [user]\n  email = \"a@b.c\"\n  signingKey = \"870407F9D274E6BA\"\n''; }",
            "{ environment.etc.gitconfig.text = ''\n  [user]\n  signingkey = 0x870407F9D274E6BA!\n''; }",
            "{ programs.git.settings.user.signingKey = \"870407F9D274E6BA\"; }",
            "{ services.x.settings.signing_key = \"/var/lib/x/signing.key\"; }",
            "{ environment.etc.gitconfig.text = ''\n  [user]\n  signingkey = 3AA5C34371567BD2D5A2F1A5B0D6E1C3A3C3A3C3\n''; }",
        ] {
            none(src);
        }
        for src in [
            "{ clan.core.vars.generators.x.script = ''\n  python3 - << EOF\n  password = \"Wq8-vLm3-Zr5\"\n  EOF\n''; }",
            "{ environment.etc.\"app.ini\".text = ''\n  signing_key = Zr5vLm3Wq8xK2pN7tB4yH6cJ9dF1gS0a\n''; }",
            "{ services.x.settings.jwt_signing_key = \"Zr5vLm3Wq8xK2pN7tB4yH6cJ9dF1gS0a\"; }",
            "{ services.x.settings.encryptionKey = \"Zr5vLm3Wq8xK2pN7tB4yH6cJ9dF1gS0a\"; }",
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
    }

    /// What is no password although a name says one: a value git history rewriting left
    /// (`***REMOVED***`), samba's `passwd chat` script, a setting whose name ends in `_W`
    /// after a word ending in `p` (`PL1_Tdp_W: 15` of throttled), networkd's IPv6 `Token`.
    #[test]
    fn stand_ins_chat_scripts_and_look_alike_names() {
        for src in [
            r#"{ services.syncthing.settings.gui.password = "***REMOVED_HASH***"; }"#,
            r#"{ services.x.settings.password = "***REMOVED***"; }"#,
            r#"{ systemd.network.networks.lan.dhcpPrefixDelegationConfig.Token = "***REMOVED_IPv6***"; }"#,
            r#"{ systemd.network.networks.lan.ipv6AcceptRAConfig.Token = "::1"; }"#,
            r#"{ services.samba.settings.global."passwd chat" = "*Enter\snew\s*\spassword:* %n\n *Retype\snew\s*\spassword:* %n\n *password\supdated\ssuccessfully* ."; }"#,
            "{ services.throttled.extraConfig = ''\n  [BATTERY]\n  PL1_Tdp_W: 29\n  PL2_Tdp_W: 44\n''; }",
            r#"{ services.searx.limiterSettings.botdetection.ip_lists.pass_ip = [ "192.168.178.0/24" "10.0.0.1" ]; }"#,
            "{ systemd.services.check.script = ''\n  if ip route | grep -q default; then\n    echo \"FAIL: default route\"\n  else\n    echo \"PASS: no default route in namespace\"\n  fi\n''; }",
        ] {
            none(src);
        }
        for src in [
            "{ services.openldap.extraConfig = ''\n  rootpw: Wq8vLm3Zr5\n''; }",
            "{ services.x.extraConfig = ''\n  bind_pw = Wq8vLm3Zr5\n''; }",
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
    }

    /// Text the program fills in when it runs: a template action (`{{ with secret "…" }}` of
    /// vault-agent and consul-template), the shell's `$PWD`, a setting that names a prompt.
    #[test]
    fn template_actions_shell_variables_and_prompts() {
        for src in [
            "{ services.vault-agent.templates.minio.contents = ''\n  {{ with secret \"services/minio/admin\" }}\n  MINIO_ROOT_USER={{ .Data.data.user }}\n  MINIO_ROOT_PASSWORD={{ .Data.data.pass }}\n  {{ end }}\n''; }",
            "{ services.vault-agent.templates.s3.contents = ''\n  {{ with secret \"services/minio/backup\" }}{{ .Data.data.user }}:{{ .Data.data.pass }}{{ end }}\n''; }",
            "{ programs.bash.initExtra = ''\n  if [[ $PWD =~ $HOME/dev ]]; then\n    echo dev\n  fi\n''; }",
            "{ services.screen-locker.lockCmd = ''\n  export XSECURELOCK_PASSWORD_PROMPT=asterisks\n''; }",
        ] {
            none(src);
        }
        // A shell parameter expansion in any form, a Go template action cut at its inner
        // quote, a program's `{NAME}` placeholder in a URL.
        for src in [
            "{ systemd.services.tsig.script = ''\n  while read x y; do if [ \"$x\" = \"secret\" ]; then secret=\"''${y:1:''${#y}-3}\"; fi; done < /etc/keys\n''; }",
            "{ services.webhook.hooksTemplated.deploy = ''\n  { \"secret\": \"{{ getenv \"WEBHOOK_SECRET\" | js }}\" }\n''; }",
            "{ environment.etc.\"frigate.yml\".text = ''\n  streams:\n    - rtsp://{FRIGATE_RTSP_USER}:{FRIGATE_RTSP_PASSWORD}@192.168.1.132:554/s0\n''; }",
            // A command substitution, a flag's switch word before a line continuation, the
            // words of one quoted header value.
            "{ systemd.services.x.script = ''\n  password=\"$(<\"$CREDENTIALS_DIRECTORY/admin-password\")\"\n  forgejo admin user create \\\n    --must-change-password=false \\\n    --password \"$password\"\n''; }",
            "{ services.nginx.virtualHosts.x.locations.\"/\".extraConfig = ''\n  add_header Cache-Control \"private, max-age=3600\";\n''; }",
        ] {
            none(src);
        }
        assert_eq!(
            hits(
                "{ environment.etc.\"frigate.yml\".text = ''\n  - rtsp://admin:Wq8vLm3Zr5x@192.168.1.132:554/s0\n''; }",
                ID
            )
            .len(),
            1
        );
        // A literal after a template action is still a password.
        assert_eq!(
            hits(
                "{ services.vault-agent.templates.x.contents = ''\n  {{ with secret \"x\" }}{{ end }} password=Wq8-vLm3-Zr5\n''; }",
                ID
            )
            .len(),
            1
        );
    }

    /// A password given on a command line in a script.
    #[test]
    fn command_line_passwords() {
        for src in [
            "{ systemd.services.syncplay.script = ''\n  exec syncplay-server --port 8999 --password hunter2\n''; }",
            "{ systemd.services.x.script = \"x --password=Wq8vLm3Zr5 --user bob\"; }",
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
        for src in [
            "{ systemd.services.x.script = \"x --password \\\"$(cat /run/secrets/pw)\\\"\"; }",
            "{ systemd.services.x.script = \"x --password-file /run/secrets/pw\"; }",
            "{ systemd.services.x.script = \"x --password $PASSWORD\"; }",
            "{ systemd.services.x.script = \"x --password --user bob\"; }",
        ] {
            none(src);
        }
    }

    /// nginx's upstream directives, container engines' secret references and hash algorithm
    /// settings are no passwords.
    #[test]
    fn upstreams_container_secret_references_and_algorithms() {
        for src in [
            "{ services.nginx.virtualHosts.\"hass.lan\".locations.\"/\".proxyPass = \"localhost:8123\"; }",
            "{ services.nginx.virtualHosts.x.locations.\"/\".extraConfig = \"fastcgi_pass unix:/run/php.sock;\"; }",
            "{ virtualisation.quadlet.containers.seafile.containerConfig.secrets = [ \"seafile__admin_password,type=env,target=INIT_SEAFILE_ADMIN_PASSWORD\" ]; }",
            "{ services.forgejo.settings.security.PASSWORD_HASH_ALGO = \"argon2\"; }",
            "{ environment.etc.\"s.py\".text = ''\n  ENCRYPTED_LIBRARY_PWD_HASH_ALGO = \"argon2id\"\n''; }",
        ] {
            none(src);
        }
        // A password after a secret reference's form is still one.
        assert_eq!(
            hits(
                "{ services.x.settings.password = \"db,type=env,Wq8-vLm3-Zr5\"; }",
                ID
            )
            .len(),
            1
        );
    }
}
