//! Credential assignments in any spelling: `password = "…"`, `clientSecret: …`,
//! `X_TOKEN := '…'`, `$authToken .= "…"`, `"api_key" => "…"`, `<xToken>…</xToken>`,
//! `setProperty("X_TOKEN", "…")`, `if ("…" == password)`, and the value judged: placeholders,
//! templates and code are not secrets, a token-like name needs a token-like value.
//!
//! The scanner finds a keyword (`pass`, `secret`, `token`, `key`, `auth`, a vendor's name, …);
//! this module finds the name around it, the operator and the value after it, without a
//! regex.

use crate::entropy;

/// What a name says its value is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Class {
    /// A password, passphrase or pre-shared key: any non-placeholder value.
    Password,
    /// A token, key, secret or credential: a token-like value.
    Token,
    /// A vendor's name alone (`cloudflare: …`): a token-like value with digits.
    Vendor,
}

/// One assignment found.
pub(crate) struct Assignment {
    pub key: String,
    pub value: String,
    pub class: Class,
    /// The value was written in quotes (or as an XML element or attribute).
    pub quoted: bool,
}

/// Keyword anchors that start an assignment check.
pub(crate) const KEYWORDS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "creds",
    "auth",
    "psk",
    "private",
];

/// Vendors whose name alone, as the name of a value, says the value is theirs (as in
/// `cloudflare: …`, `TELEGRAM bot: …`); from the vendor names of gitleaks' rules.
pub(crate) const VENDORS: &[&str] = &[
    "adafruit",
    "adobe",
    "airtable",
    "algolia",
    "alibaba",
    "asana",
    "atlassian",
    "authress",
    "beamer",
    "bitbucket",
    "bittrex",
    "cloudflare",
    "codecov",
    "coinbase",
    "confluent",
    "contentful",
    "databricks",
    "datadog",
    "defined",
    "discord",
    "droneci",
    "dropbox",
    "etsy",
    "facebook",
    "fastly",
    "finicity",
    "finnhub",
    "flickr",
    "freshbooks",
    "gitter",
    "gocardless",
    "harness",
    "heroku",
    "hubspot",
    "intercom",
    "jfrog",
    "kraken",
    "kucoin",
    "launchdarkly",
    "linkedin",
    "lob",
    "looker",
    "mailgun",
    "mapbox",
    "mattermost",
    "maxmind",
    "meraki",
    "messagebird",
    "netlify",
    "newrelic",
    "nytimes",
    "okta",
    "plaid",
    "privateai",
    "rapidapi",
    "sendbird",
    "sentry",
    "sidekiq",
    "snyk",
    "squarespace",
    "sumo",
    "telegram",
    "trello",
    "twitch",
    "twitter",
    "yandex",
    "zendesk",
    "twilio",
    "cohere",
    "clickhouse",
    "infracost",
    "freemius",
    "artifactory",
    "sourcegraph",
    "sumologic",
    "jira",
    "slack",
    "github",
    "gitlab",
];

/// Words of a name that make it no secret (`credentialsId`, `key_name`, `token_url`).
const NOT_SECRET_LAST: &[&str] = &[
    // nginx's `auth_basic "realm";`: the realm's name (`basic_auth` is a credential).
    "basic",
    "id",
    "ids",
    "name",
    "names",
    "url",
    "uri",
    "urls",
    "endpoint",
    "file",
    "files",
    "path",
    "paths",
    "dir",
    "size",
    "length",
    "len",
    "type",
    "types",
    "version",
    "format",
    "count",
    "mode",
    "event",
    "events",
    "field",
    "fields",
    "header",
    "headers",
    "method",
    "policy",
    "hash",
    "prefix",
    "suffix",
    "label",
    "timeout",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "enabled",
    "enable",
    "required",
    "min",
    "max",
    "command",
    "cmd",
    "var",
    "variable",
    "host",
    "port",
    "user",
    "username",
    "login",
    "email",
    "class",
    "kind",
    "algorithm",
    "alg",
    "algo",
    "params",
    "parameters",
    "store",
    "helper",
    "source",
    "template",
    "ref",
    "chars",
    "pressed",
    "selector",
    "mapping",
    "event",
    "location",
    "distance",
    "length",
    "meshing",
    "signatures",
    "pair",
    "down",
    "st",
    "rc",
    "combination",
    "policy",
    "manager",
    "provider",
    "storage",
    "generator",
    "validator",
    "service",
    "services",
    "location",
    "env",
    "index",
    "display",
    "sort",
    "vault",
    "request",
    "requests",
    "response",
    "encryption",
    "flow",
    "enum",
    "callback",
    "handler",
    "formatter",
    "error",
    "exception",
    "mgr",
    "filename",
    "namespace",
    "domain",
    "aud",
    "audience",
    "scope",
    "scopes",
    "realm",
    "hint",
    "prompt",
    "prompts",
    "message",
    "msg",
    "strength",
    "complexity",
    "rounds",
    "iterations",
    "attempts",
    "retries",
    // MediaWiki's `$wgPasswordSender`: the address password mails come from.
    "sender",
    "recipient",
    "address",
];

/// Words anywhere in a name that make it no secret.
const NOT_SECRET_ANY: &[&str] = &[
    "public",
    "pub",
    "publishable",
    "accessor",
    "keyboard",
    "keyword",
    "keyframe",
    "keystore",
    "keytab",
    "keypair",
    "primary",
    "foreign",
    "sequence",
    "schema",
    "bucket",
    "partition",
    "cache",
    "csrf",
    "xsrf",
    "authenticity",
    "author",
    "authority",
    "authentication",
    "sum",
    "passive",
    "passthrough",
    "bypass",
    "compass",
    "pass_through",
    "keys",
    "monkey",
    "turkey",
    "hotkey",
    "shortcut",
    "access_token_url",
    "tokenizer",
    "tokenize",
    "tokens",
    "secrets",
    "passed",
    "passes",
    "passing",
    "pwdlastset",
    "lookup",
    "jwks",
    "secretname",
    // A Helm chart's `existingSecret`, `existingSecretAdminPassword`: the name of a
    // Kubernetes secret, not its value.
    "existing",
    "not",
    "jsonwebtoken",
];

/// Qualifiers that make a plain `key` a secret (`api_key`, `PrivateKey`, `AccountKey`).
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "account",
    "auth",
    "client",
    "master",
    "encryption",
    "signing",
    "license",
    "app",
    "admin",
    "server",
    "session",
    "shared",
    "preshared",
    "sk",
    "webhook",
    "cookie",
    "hmac",
    "jwt",
    "deploy",
    "root",
    "consumer",
    "storage",
    "sas",
    "subscription",
    "integration",
    "personal",
    "service",
    "rest",
    "write",
    "read",
    "ingest",
    "insert",
    "license",
    "mgmt",
];

fn is_key_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
}

/// The words of a name, lower case: split at `_`, `-`, `.`, spaces and lower-to-upper case
/// changes (`sslCertificateKey` → `ssl`, `certificate`, `key`).
#[must_use]
pub fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// What a name says its value is, if anything.
pub(crate) fn classify(key: &str) -> Option<Class> {
    let w = words(key);
    let last = w.last()?;
    let joined = w.join("_");
    if NOT_SECRET_LAST.contains(&last.as_str()) && !joined.ends_with("pass_id") {
        return None;
    }
    if w.iter().any(|x| NOT_SECRET_ANY.contains(&x.as_str()))
        || NOT_SECRET_ANY
            .iter()
            .any(|n| n.contains('_') && joined.contains(n))
    {
        return None;
    }
    let mut class = None;
    for (i, x) in w.iter().enumerate() {
        let word = x.as_str();
        let c = match word {
            "password" | "passwd" | "pwd" | "pass" | "passphrase" | "passcode" | "psk"
            | "passwort" | "secrete" => Some(Class::Password),
            _ if word.starts_with("password") || word.ends_with("password") => {
                Some(Class::Password)
            }
            _ if word.ends_with("passwd") || word.ends_with("passphrase") => Some(Class::Password),
            "secret" => Some(Class::Password),
            "token" | "apikey" | "credential" | "credentials" | "creds" | "auth" | "bearer" => {
                Some(Class::Token)
            }
            _ if word.ends_with("token")
                || word.ends_with("secret")
                || word.ends_with("apikey") =>
            {
                Some(Class::Token)
            }
            "key" => {
                let prev = if i > 0 { w[i - 1].as_str() } else { "" };
                (KEY_QUALIFIERS.contains(&prev) || VENDORS.contains(&prev)).then_some(Class::Token)
            }
            _ if word.ends_with("key") && word.len() > 3 => {
                let stem = &word[..word.len() - 3];
                (KEY_QUALIFIERS.contains(&stem) || VENDORS.contains(&stem)).then_some(Class::Token)
            }
            "private" if i + 1 == w.len() => Some(Class::Token),
            _ => None,
        };
        if let Some(c) = c {
            // A password anywhere wins over a token.
            if class != Some(Class::Password) {
                class = Some(c);
            }
        }
    }
    if class.is_none() && w.iter().any(|x| VENDORS.iter().any(|v| x.starts_with(v))) {
        class = Some(Class::Vendor);
    }
    class
}

/// The assignment whose name contains `[a, b)` of `line`, if any, and the start of its name
/// (for de-duplication). `config` selects the spelling rules of configuration files (a value
/// may run to the end of the line) over those of program sources.
pub(crate) fn at(full: &[u8], a: usize, b: usize, config: bool) -> Option<(usize, Assignment)> {
    let line = &full[..full[b..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(full.len(), |i| b + i)];
    let mut ks = a;
    while ks > 0 && is_key_char(line[ks - 1]) {
        ks -= 1;
    }
    let mut ke = b;
    while ke < line.len() && is_key_char(line[ke]) {
        ke += 1;
    }
    // A trailing `.` or `-` is not part of the name.
    while ke > b && matches!(line[ke - 1], b'.' | b'-') {
        ke -= 1;
    }
    let key = std::str::from_utf8(&line[ks..ke]).ok()?.to_string();
    // A name after a `/` is a part of a path or of an image reference
    // (`gitlab/gitlab-ce:18.6.2-ce.0`, `/run/secrets/db_password`), not a key.
    // After `!` or `+`, an item of an OpenSSL cipher list (`...:!PSK:!aECDH:...`), not a key.
    if (ks > 0 && line[ks - 1] == b'/')
        || (ks > 0 && matches!(line[ks - 1], b'!' | b'+') && line.get(ke) == Some(&b':'))
        || in_template_action(&line[..ks])
        || shell_variable(&key)
        || command_substitution(&line[..ks])
    {
        return None;
    }
    let class = classify(&key)?;
    let (value, quoted) = if ks > 0 && line[ks - 1] == b'<' {
        value_after(full, ks, ke, config)?
    } else {
        value_after(line, ks, ke, config).or_else(|| value_before(line, ks).map(|v| (v, true)))?
    };
    if gpg_key_id(&value) && words(&key).concat().ends_with("signingkey") {
        // git's `user.signingKey`: the ID of a key in the keyring, public.
        return None;
    }
    Some((
        ks,
        Assignment {
            key,
            value,
            class,
            quoted,
        },
    ))
}

/// The name opens a shell command substitution (`X=$(get_secret_value "ns" "name")`,
/// `` `read_secret db` ``): it is a command run with arguments, not an assignment.
fn command_substitution(before: &[u8]) -> bool {
    let t = before.trim_ascii_end();
    t.ends_with(b"$(") || t.ends_with(b"`")
}

/// An OpenPGP key's ID or fingerprint as gpg and git write it: 8, 16 or 40 hex digits, maybe
/// `0x` before and `!` after.
fn gpg_key_id(v: &str) -> bool {
    let v = v.trim();
    let v = v
        .strip_prefix("0x")
        .or_else(|| v.strip_prefix("0X"))
        .unwrap_or(v);
    let v = v.strip_suffix('!').unwrap_or(v);
    matches!(v.len(), 8 | 16 | 40) && v.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The text before a name leaves a template action open (`{{ with secret "db/creds" }}` of
/// vault-agent, consul-template and Go templates, Jinja's `{% set … %}`, ERB's `<% … %>`): the
/// name is the template's code, filled in when it runs, not an assignment.
fn in_template_action(before: &[u8]) -> bool {
    [(&b"{{"[..], &b"}}"[..]), (b"{%", b"%}"), (b"<%", b"%>")]
        .iter()
        .any(|(open, close)| {
            before
                .windows(2)
                .rposition(|w| w == *open)
                .is_some_and(|o| !before[o..].windows(2).any(|w| w == *close))
        })
}

/// The shell's own variables whose names look like a password's (`PWD`, `OLDPWD`: the working
/// directories).
fn shell_variable(key: &str) -> bool {
    matches!(key, "PWD" | "OLDPWD")
}

fn skip_ws(line: &[u8], mut i: usize) -> usize {
    while i < line.len() && (line[i] == b' ' || line[i] == b'\t') {
        i += 1;
    }
    i
}

/// A quoted string starting at `i` (`"…"`, `'…'`, `` `…` ``, `@"…"`): its text and end.
fn quoted(line: &[u8], i: usize) -> Option<(String, usize)> {
    let mut i = i;
    if line.get(i) == Some(&b'@') && line.get(i + 1) == Some(&b'"') {
        i += 1;
    }
    let q = *line.get(i)?;
    if !matches!(q, b'"' | b'\'' | b'`') {
        return None;
    }
    let mut j = i + 1;
    while j < line.len() && line[j] != q {
        if line[j] == b'\\' && q != b'`' {
            j += 1;
        }
        j += 1;
    }
    if j >= line.len() {
        return None;
    }
    Some((String::from_utf8_lossy(&line[i + 1..j]).into_owned(), j + 1))
}

fn value_after(line: &[u8], ks: usize, ke: usize, config: bool) -> Option<(String, bool)> {
    let quoted_key = ks > 0 && matches!(line[ks - 1], b'"' | b'\'');
    let xml = ks > 0 && line[ks - 1] == b'<';
    let mut i = ke;
    // The quote the name opened, while it is still open after the name (`'PW=' . x`).
    let mut open_quote = quoted_key.then(|| line[ks - 1]);
    if quoted_key && matches!(line.get(i), Some(b'"' | b'\'')) {
        i += 1;
        open_quote = None;
    }
    // C arrays: `secret[] =`, `secret[25] =`.
    if line.get(i) == Some(&b'[') {
        let close = line[i..].iter().position(|&c| c == b']')?;
        if line[i + 1..i + close].iter().all(u8::is_ascii_digit) {
            i += close + 1;
        }
    }
    if xml {
        if line.get(i) != Some(&b'>') {
            return None;
        }
        let rest = &line[i + 1..];
        let end = rest.iter().position(|&c| c == b'<').unwrap_or(rest.len());
        if rest[..end].contains(&b'\n') && rest[..end].iter().filter(|&&c| c == b'\n').count() > 1 {
            return None;
        }
        // An element is closed by its own tag, maybe on a later line (`<secret>(?P…` in a
        // regex is no element).
        let closed = (end == rest.len() && rest.contains(&b'\n'))
            || rest[end..].starts_with(b"</") && rest[end + 2..].starts_with(&line[ks..ke]);
        let v = String::from_utf8_lossy(&rest[..end]).trim().to_string();
        return (!v.is_empty() && closed).then_some((v, true));
    }
    let mut j = skip_ws(line, i);
    // A type between the name and the operator: `var xToken string = …`.
    if !config && j > i {
        let mut t = j;
        while t < line.len() && t - j < 20 && (line[t].is_ascii_alphanumeric() || line[t] == b'.') {
            t += 1;
        }
        let t2 = skip_ws(line, t);
        if t > j && line.get(t2) == Some(&b'=') && line.get(t2 + 1) != Some(&b'=') {
            j = t2;
        }
    }
    // XML attributes: `key="ClearTextPassword" value="…"`.
    if quoted_key {
        let rest = &line[j..];
        if let Some(r) = rest
            .strip_prefix(b" value=")
            .or_else(|| rest.strip_prefix(b" value = "))
        {
            return quoted(r, 0).map(|(v, _)| (v, true));
        }
    }
    let ops: &[&[u8]] = &[
        b":::=", b"::=", b":=", b"?=", b".=", b"=>", b"===", b"!==", b"==", b"!=", b"=", b":",
    ];
    let op = ops.iter().find(|o| line[j..].starts_with(o));
    let after = match op {
        // `[[ $x =~ re ]]`: a shell's pattern match, no assignment.
        Some(o) if *o == b"=" && line.get(j + 1) == Some(&b'~') => return None,
        Some(o) => j + o.len(),
        // `f("X_TOKEN", "…")`: a quoted name as a call's first argument (in program
        // sources; not a list of names such as `['pageToken', 'pageSize']`), the value quoted
        // too (not the words of one string: `"private, max-age=3600"`).
        None if quoted_key
            && line.get(j) == Some(&b',')
            && matches!(line.get(skip_ws(line, j + 1)), Some(b'"' | b'\''))
            && (config || first_argument(line, ks)) =>
        {
            j + 1
        }
        // `password "…"` (not Perl's `pass "test name"`, a call; nor a quoted word among
        // others, a command's arguments: `wait_for "secret" "ns"`).
        None if (config || ke - ks > 4)
            && !quoted_key
            && j > i
            && matches!(line.get(j), Some(b'"' | b'\'')) =>
        {
            j
        }
        None => return None,
    };
    // `x := y` is fine, `x ==> y` and `a=b=c` (query strings) are read as they come.
    let v0 = skip_ws(line, after);
    if v0 >= line.len() {
        return None;
    }
    // `putenv('PW=' . file_get_contents(…))`: the quote after the operator closes the string
    // the name is in; the value is computed by the code that follows.
    if open_quote.is_some_and(|q| line[v0] == q) {
        return None;
    }
    // `pcloud-secret:'Backups/Laptop'`: a remote's name and a quoted path (rclone, scp), not
    // `name: value` (which has a space after the colon, or a quoted name).
    if let Some((v, _)) = quoted(line, v0) {
        let remote_path = matches!(op, Some(o) if *o == b":") && v0 == after && !quoted_key;
        return (!(remote_path && v.contains('/'))).then_some((v, true));
    }
    if matches!(line[v0], b'"' | b'\'' | b'`') {
        return None; // an unterminated or mismatched quote
    }
    let rest = &line[v0..];
    // `github:NixOS/nixpkgs`, `git+ssh:host/repo`, `path:./x`: a scheme and its path (a flake
    // reference or URI), not `name: value`.
    if matches!(op, Some(o) if *o == b":") && v0 == after {
        let word = rest
            .iter()
            .position(|c| c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b'`' | b';'))
            .unwrap_or(rest.len());
        if rest[..word].contains(&b'/') {
            return None;
        }
    }
    let colon_or_eq =
        matches!(op, Some(o) if *o == b":" || *o == b"=" || *o == b"?=" || *o == b":=");
    let end = if config && colon_or_eq && !has_more_assignments(rest) {
        rest.iter()
            .position(|&c| c == b'"' || c == b'\'' || c == b'`')
            .unwrap_or(rest.len())
    } else {
        rest.iter()
            .position(|&c| c == b' ' || c == b'\t' || c == b'\r')
            .unwrap_or(rest.len())
    };
    let mut v = String::from_utf8_lossy(&rest[..end]).trim().to_string();
    // Trailing delimiters are not part of the value, nor a shell line's continuation
    // (`--must-change-password=false \`).
    // A call's closing parenthesis too (`f(x=1, require_secret=false)`), when the value opens
    // none.
    while v.len() > 1
        && (matches!(
            v.as_bytes()[v.len() - 1],
            b',' | b';' | b'\'' | b'"' | b'`' | b'\\'
        ) || (v.ends_with(')') && !v.contains('(')))
    {
        v.pop();
        let t = v.trim_end().len();
        v.truncate(t);
    }
    (!v.is_empty()).then_some((v, false))
}

/// Whether the quoted name whose text starts at `ks` is a call's first argument (`f("X", …)`).
fn first_argument(line: &[u8], ks: usize) -> bool {
    let mut i = ks.saturating_sub(1);
    while i > 0 && (line[i - 1] == b' ' || line[i - 1] == b'\t') {
        i -= 1;
    }
    i > 0 && line[i - 1] == b'('
}

/// A name in code rather than a token: letters and `_` only, made of words of three letters
/// or more (`returnPartialSuccess`, `ServiceAgentAuth`); random tokens have shorter case runs.
pub(crate) fn identifier_words(v: &str) -> bool {
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    if !v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') || digits * 4 > v.len() {
        return false;
    }
    // snake_case (`gs_service_key_file`).
    if v.contains('_') && !v.bytes().any(|c| c.is_ascii_uppercase()) {
        return true;
    }
    // camelCase words: each of letters, digits only at its end (`oauth2JwtBearer`); a random
    // token's "words" have digits inside (`h8vrii5mlhdSKww…`).
    let w = words(v);
    w.len() >= 2
        && w.iter().all(|x| {
            let letters = x.trim_end_matches(|c: char| c.is_ascii_digit());
            letters.len() >= 3 && letters.bytes().all(|c| c.is_ascii_alphabetic())
        })
}

/// The value names itself: `X_AUTH = X_AUTH`, `oauth2JwtBearer: Oauth2JwtBearer.`.
fn same_as_name(key: &str, v: &str) -> bool {
    let norm = |s: &str| -> String {
        s.bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase() as char)
            .collect()
    };
    let last = key.rsplit('.').next().unwrap_or(key);
    let v = norm(v);
    !v.is_empty() && (v == norm(last) || v == norm(key))
}

/// A rest of line that holds more `name=value` pairs (`host=db port=5432 password=x`).
fn has_more_assignments(rest: &[u8]) -> bool {
    rest.windows(2).any(|w| w[0] == b' ' && w[1] != b' ')
        && rest
            .split(|&c| c == b' ')
            .skip(1)
            .any(|w| w.contains(&b'=') && w.first().is_some_and(u8::is_ascii_alphabetic))
}

/// `"value" == key` (a comparison with the literal first).
fn value_before(line: &[u8], ks: usize) -> Option<String> {
    let mut i = ks;
    while i > 0 && (line[i - 1] == b' ' || line[i - 1] == b'\t') {
        i -= 1;
    }
    let ops: &[&[u8]] = &[b"===", b"!==", b"==", b"!="];
    let op = ops.iter().find(|o| line[..i].ends_with(o))?;
    i -= op.len();
    while i > 0 && line[i - 1] == b' ' {
        i -= 1;
    }
    let q = *line.get(i.checked_sub(1)?)?;
    if !matches!(q, b'"' | b'\'') {
        return None;
    }
    let start = line[..i - 1].iter().rposition(|&c| c == q)?;
    Some(String::from_utf8_lossy(&line[start + 1..i - 1]).into_owned())
}

/// Whether the value of an assignment of this class is a secret.
pub(crate) fn is_secret_value(class: Class, key: &str, v: &str, config: bool) -> bool {
    let v = v.trim();
    if v.is_empty() || crate::is_placeholder_value(v) || v.eq_ignore_ascii_case(key) {
        return false;
    }
    if looks_like_code(v) || same_as_name(key, v) {
        return false;
    }
    // The public half of a key pair, made to be published: Stripe's publishable keys
    // (`pk_live_…`, `pk_test_…`), Porkbun's API key (`pk1_…`, beside its secret `sk1_…`).
    if ["pk_live_", "pk_test_", "pk1_"]
        .iter()
        .any(|p| v.starts_with(p))
    {
        return false;
    }

    // A URL is a URL (with a password in it, the URL format reports it).
    if v.contains("://") {
        return false;
    }
    // A path on a host (`nas:/mnt/personal`, rsync's and rclone's remotes).
    if v.split_once(":/").is_some_and(|(host, _)| {
        !host.is_empty()
            && host
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'@'))
    }) {
        return false;
    }
    // A crypt(3) or PHC string (`$6$salt$hash`, `$pbkdf2-sha512$…`, `$argon2id$…`) is the hash of
    // a password, not the password.
    if is_password_hash(v) {
        return false;
    }
    let alnum = v.bytes().filter(u8::is_ascii_alphanumeric).count();
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let upper = v.bytes().filter(u8::is_ascii_uppercase).count();
    let lower = v.bytes().filter(u8::is_ascii_lowercase).count();
    let identifier = v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        && v.bytes()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
    match class {
        Class::Password => {
            if alnum == 0 || v.chars().count() < 4 {
                return false;
            }
            // A word (`Required`, `strict`), or an identifier in code (`real_key`).
            if v.bytes().all(|c| c.is_ascii_alphabetic()) && (v.len() < 10 || upper == 0) {
                return v.len() >= 8 && lower > 0 && upper == 0 && config && !is_config_word(v);
            }
            let wordy = v
                .bytes()
                .all(|c| c.is_ascii_alphabetic() || c == b'_' || c == b'-');
            if wordy && (v.contains('_') || v.contains('-')) && digits == 0 {
                return false;
            }
            if !config && identifier && digits == 0 {
                return false;
            }
            if !config && v.contains(' ') && v.split(' ').count() > 6 {
                return false;
            }
            // A description (`Private key password 1`, `npm password: `).
            if v.contains(' ') && classify(v).is_some() {
                return false;
            }
            // A sentence, not a password.
            v.split_whitespace().count() <= 5
        }
        Class::Token | Class::Vendor => {
            let n = v.chars().count();
            if n < 10 || v.contains(char::is_whitespace) {
                return false;
            }
            let e = entropy(v);
            let need_digit = class == Class::Vendor;
            if need_digit && digits == 0 {
                return false;
            }
            let symbols = v.bytes().filter(|c| !c.is_ascii_alphanumeric()).count();
            if identifier_words(v) {
                return false;
            }
            if digits == n {
                return n >= 16; // a long number is a key, a short one an id
            }
            if digits == 0 && !(upper > 0 && lower > 0 && n >= 20) && !(symbols >= 3 && n >= 12) {
                return false;
            }
            e >= if n >= 32 { 3.0 } else { 2.8 }
        }
    }
}

fn is_config_word(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    [
        "required",
        "optional",
        "disabled",
        "enabled",
        "mandatory",
        "prompt",
        "default",
        "inherit",
        "database",
        "localhost",
        "password",
        "strict",
        "internal",
        "external",
    ]
    .contains(&l.as_str())
}

/// Code, not a value: `self.x`, `os.environ[...]`, `f(x)`, `var.db_password`, `X25519.len`.
pub fn looks_like_code(v: &str) -> bool {
    // A call or an index after a name, maybe cut at the quote of its argument
    // (`read_secret("db")`, `sys.argv[1]`, `os.environ["PASS"]`): a name of letters (a
    // password's word with digits, `Pa55w0rd(2024)`, is not one).
    let head = v
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'))
        .count();
    let called = head >= 2
        && matches!(v.as_bytes().get(head), Some(b'(' | b'['))
        && v.as_bytes()[0].is_ascii_alphabetic()
        && (v[..head].contains(['.', '_']) || !v[..head].bytes().any(|c| c.is_ascii_digit()));
    // A YAML alias (`password: *db_password`): the value of an anchor written elsewhere.
    let alias = v.strip_prefix('*').is_some_and(|n| {
        n.len() >= 2
            && n.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
            && n.as_bytes()[0].is_ascii_alphabetic()
    });
    let dotted = v.contains('.')
        && v.split('.').all(|p| {
            !p.is_empty()
                && p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
                && p.bytes()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        })
        && v.split('.').count() >= 2
        && v.split('.').all(|p| p.len() <= 24)
        && v.bytes().filter(u8::is_ascii_digit).count() * 4 < v.len();
    // A jq filter (`SecretAccessKey: (.[] | select(.label == "secret") | .value)`): a path
    // into the input, or a parenthesised pipeline.
    let jq =
        v.starts_with("(.") || v.starts_with(".[") || (v.starts_with('(') && v.contains(" | "));
    dotted
        || called
        || alias
        || jq
        || v.contains("()")
        || v.starts_with("self.")
        || v.starts_with("this.")
        || v.starts_with("os.")
        || v.starts_with("process.env")
        || v.starts_with("args.")
        || v.starts_with("ENV[")
        || v.starts_with("System.getenv")
        || v.starts_with("getenv(")
        || v.starts_with("new ")
        || v.starts_with("!secret ")
        || (v.ends_with(')')
            && v.contains('(')
            && v.split('(').next().is_some_and(|f| {
                !f.is_empty()
                    && f.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
            }))
}

/// A crypt(3) or PHC-format password hash: `$ID$…` with a short identifier (`1`, `5`, `6`, `y`,
/// `2b`, `7`, `pbkdf2-sha512`, `argon2id`, `scrypt`) and at least one more `$` field.
#[must_use]
pub fn is_password_hash(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('$') else {
        return false;
    };
    let Some((id, fields)) = rest.split_once('$') else {
        return false;
    };
    !id.is_empty()
        && id.len() <= 16
        && id
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && fields.len() >= 8
        && !v.contains(char::is_whitespace)
}
