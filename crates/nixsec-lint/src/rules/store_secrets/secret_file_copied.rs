//! NIX-032: a secret file copied into the store by the configuration: a path literal, `"${./x}"`
//! or `builtins.path` given to an option that holds a secret (or to a file option, when the
//! file looks like a secret), a store file written with `pkgs.writeText` for such an option,
//! or a secret file read into the configuration with `builtins.readFile`/`import`.

use crate::index::{path_matches, Assignment, ModuleKind, OriginKind};
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::{path_string, quote, Value};
use nixsec_secrets::redact;

struct SecretFileCopied;

crate::lint_rule!("NIX-032", SecretFileCopied);

/// What an option holds, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    /// A secret or a file that is one (`passwordFile`, `sslCertificateKey`, `tokenFile`,
    /// `boot.initrd.secrets.<path>`).
    Secret,
    /// A file of environment variables (`environmentFile`, `EnvironmentFile`): often secrets,
    /// but a module may write one of plain settings, so a written one is not judged here (its
    /// literals are NIX-033's).
    Env,
    /// Some file (`*File`, `*Files`, `*Path`, `*Paths`, `environment.etc.<n>.source`): a
    /// finding only when the file looks like a secret.
    File,
    /// Anything else.
    Other,
    /// Files that are encrypted or public on purpose (agenix, sops-nix, certificates, public
    /// keys), programs (`passwordCommand`, `askPassword`), NIX-030's plaintext passwords, and
    /// what is not an option (a top-level name, `_module.args`).
    Exempt,
}

/// Words of option names that hold secrets (compared after [`normalize`]).
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "psk",
    "privatekey",
    "apikey",
    "authkey",
    "identity",
    "netrc",
    "basicauth",
];

/// Endings of option names that hold programs, not secrets (after [`normalize`]).
const PROGRAM_WORDS: &[&str] = &[
    "command", "cmd", "helper", "program", "wrapper", "script", "exec", "hook",
];

/// Lower case without `_`, `-` and `.`: `sslCertificateKey`, `ssl_certificate_key` and
/// `ssl-certificate-key` all become `sslcertificatekey`.
pub(super) fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The bytes of [`normalize`]`(name)`, without building it (`_`, `-` and `.` are ASCII, so
/// dropping them byte by byte leaves the same UTF-8 text).
fn normalized_bytes(name: &str) -> impl Iterator<Item = u8> + Clone + '_ {
    name.bytes()
        .filter(|c| !matches!(c, b'_' | b'-' | b'.'))
        .map(|c| c.to_ascii_lowercase())
}

/// `normalize(name).contains(word)` for a lowercase ASCII alphanumeric `word`, without
/// allocating: the word's first letter is looked for in `name`, and what follows it compared.
pub(super) fn normalized_contains(name: &str, word: &[u8]) -> bool {
    let Some((&first, rest)) = word.split_first() else {
        return true;
    };
    let b = name.as_bytes();
    (0..b.len()).any(|i| {
        b[i].to_ascii_lowercase() == first && {
            let mut it = b[i + 1..]
                .iter()
                .filter(|c| !matches!(c, b'_' | b'-' | b'.'))
                .map(u8::to_ascii_lowercase);
            rest.iter().all(|w| it.next() == Some(*w))
        }
    })
}

/// `normalize(name).ends_with(word)` for a lowercase ASCII `word`, without allocating.
pub(super) fn normalized_ends_with(name: &str, word: &[u8]) -> bool {
    let mut it = name
        .bytes()
        .rev()
        .filter(|c| !matches!(c, b'_' | b'-' | b'.'))
        .map(|c| c.to_ascii_lowercase());
    word.iter().rev().all(|w| it.next() == Some(*w))
}

/// `normalize(name).starts_with(word)` for a lowercase ASCII `word`, without allocating.
pub(super) fn normalized_starts_with(name: &str, word: &[u8]) -> bool {
    let mut it = normalized_bytes(name);
    word.iter().all(|w| it.next() == Some(*w))
}

use nixsec_secrets::words;

/// A name that ends in the word `key` or `keys`, maybe followed by `file`/`path`
/// (`sslCertificateKey`, `keyFile`, `hostKeys`, `tls_key_path`), not `greasemonkey`.
fn key_name(name: &str) -> bool {
    let w = words(name);
    let is_key = |s: &String| s == "key" || s == "keys";
    match w.as_slice() {
        [.., k] if is_key(k) => true,
        [.., k, f] => is_key(k) && matches!(f.as_str(), "file" | "files" | "path" | "paths"),
        _ => false,
    }
}

/// `users.users.<n>.password`/`initialPassword` (and `hashed*`): NIX-030's and NIX-031's.
pub(super) fn password_option(path: &[String]) -> bool {
    ["users", "extraUsers"].iter().any(|u| {
        [
            "password",
            "initialPassword",
            "hashedPassword",
            "initialHashedPassword",
        ]
        .iter()
        .any(|k| path_matches(path, &["users", u, "*", k]))
    })
}

/// Not a NixOS option: a top-level name (a file that is an attribute set of tests or paths,
/// not a module) or a module argument.
/// An option that names a host, a domain, an address, a URL, a port, a user, a database or an
/// OAuth client (`clientID`: public, the client's secret is another option).
fn identity_option(path: &[String]) -> bool {
    path.last().is_some_and(|l| {
        let n = normalize(l);
        [
            "host",
            "hosts",
            "hostname",
            "url",
            "uri",
            "clientid",
            "users",
            "databases",
            "domains",
            "domain",
            "domainname",
            "fqdn",
            "address",
            "addr",
            "ip",
            "port",
            "ports",
            "email",
            "user",
            "username",
            "name",
        ]
        .iter()
        .any(|w| n == *w || n.ends_with(w) && n.len() > w.len() && !n.ends_with("password"))
    })
}

/// `a` is one entry of a registry of the repository's secrets: a file that sets no NixOS
/// option, only names of its own, at least three of them read from (or naming) files
/// (`{ backup.pass = import ./secrets/backup-pass.nix; sso.key = builtins.readFile
/// ./secrets/sso-key; … }`, imported as a value and handed to modules). Nothing is written to
/// the store there; the modules that use a secret are where it is (reported there, see
/// [`given_secrets`]).
fn secrets_registry(index: &crate::index::FileIndex, a: &Assignment) -> bool {
    let own = |b: &Assignment| {
        b.path.first().is_some_and(|f| {
            !crate::index::NIXOS_NAMESPACES.contains(&f.as_str())
                && !matches!(
                    f.as_str(),
                    "options" | "config" | "imports" | "sops" | "age" | "flake" | "_module"
                )
        })
    };
    if !own(a) || a.origins.is_empty() {
        return false;
    }
    let mut files = 0;
    for b in index.assignments.iter().filter(|b| b.module == a.module) {
        if !own(b) {
            return false;
        }
        if b.origins.iter().any(|o| {
            matches!(
                o.kind,
                OriginKind::Read { .. } | OriginKind::Path(_) | OriginKind::Interpolated(_)
            )
        }) {
            files += 1;
        }
    }
    files >= 3
}

/// A value the index took from the secrets handed to a module ([`OriginKind::Read`] with
/// `argument` or `option`).
pub(super) fn given_secrets(func: &str) -> bool {
    matches!(func, "argument" | "option" | "setting")
}

/// The text right before `range` in `src` names a secret for what follows
/// (`"password=${secrets.samba.frac}"` in a mount's options, `"--token=${…}"`): the
/// interpolated value is that secret, whatever its own name.
pub(super) fn named_before(src: &str, range: rnix::TextRange) -> bool {
    let end = usize::from(range.start());
    let Some(before) = src
        .get(end.saturating_sub(48)..end)
        .or_else(|| src.get(..end))
    else {
        return false;
    };
    // Only a value interpolated into a text (`${…}`): a Nix binding (`client_secret =
    // secrets.x;`) is judged by its own name.
    let interpolated = src.get(end..).is_some_and(|r| r.starts_with("${"));
    let Some(before) = before.strip_suffix("${").or(interpolated.then_some(before)) else {
        return false;
    };
    // The value may be quoted and the sign spaced, as a program's settings write it
    // (`password = "${…}"` in TOML or INI text, `token: ${…}` in YAML).
    let before = before.trim_end_matches(['"', '\'']).trim_end();
    let Some(before) = before
        .strip_suffix('=')
        .or_else(|| before.strip_suffix(':'))
    else {
        return false;
    };
    // The word the value follows, within its string (`options = [ "…" "password=${x}" ]`).
    let word = before
        .trim_end()
        .trim_end_matches(['"', '\''])
        .rsplit(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';' | '&' | '?'))
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let key = word.trim_start_matches('-');
    [
        "password", "passwd", "pass", "pw", "token", "secret", "apikey", "api_key",
    ]
    .iter()
    .any(|w| {
        key.strip_suffix(w)
            .is_some_and(|k| k.is_empty() || k.ends_with(['_', '-']))
    })
}

/// The selection a value's text ends with: `secrets.smtp.password` of `"--pass=${secrets.smtp.password}"`
/// or `lib.mkForce secrets.smtp.password`.
pub(super) fn accessor(text: &str) -> String {
    let t = text.trim();
    let t = t.strip_prefix("${").unwrap_or(t);
    let t = t.strip_suffix('}').unwrap_or(t);
    t.split_whitespace()
        .next_back()
        .unwrap_or_default()
        .trim_matches(|c| c == '(' || c == ')')
        .to_string()
}

/// The last part of a selection names a secret (`password`, `smtp-password`, `adminToken`,
/// `privKey`, `shadowHash`), not something about one (`passwordFile`, `keyId`, `pubKey`,
/// `user`).
pub(super) fn secret_part(selection: &str) -> bool {
    // A part chosen at evaluation (`secrets.influx_pass.${host}`) is judged by the name
    // before it.
    let mut named = String::with_capacity(selection.len());
    let mut depth = 0usize;
    let mut chars = selection.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek() == Some(&'{') {
            chars.next();
            depth += 1;
        } else if c == '{' && depth > 0 {
            depth += 1;
        } else if c == '}' && depth > 0 {
            depth -= 1;
        } else if depth == 0 {
            named.push(c);
        }
    }
    let last = named
        .rsplit('.')
        .map(|p| p.trim_matches('"'))
        .find(|p| !p.is_empty())
        .unwrap_or_default();
    let n = normalize(last);
    if ["public", "pub", "cert", "fingerprint"]
        .iter()
        .any(|w| n.contains(w))
        || [
            "file", "files", "path", "paths", "dir", "id", "ids", "name", "names", "user",
            "username", "url", "uri", "host", "port", "length", "type", "command", "cmd",
        ]
        .iter()
        .any(|w| n.ends_with(w) && !n.ends_with("password"))
    {
        return false;
    }
    SECRET_WORDS.iter().any(|w| n.contains(w))
        || ["pass", "pw", "key", "cred", "cookie", "account", "salt"]
            .iter()
            .any(|w| n.contains(w))
}

/// The last part of a selection is a secret by its name alone (`wireless.password`,
/// `yarr.api_key`, `wg.privateKey`), not a word that only contains one (`gpgKey`,
/// `keyboardLayout`, `_1password-gui`).
fn plainly_secret(selection: &str) -> bool {
    let last = selection
        .rsplit('.')
        .map(|p| p.trim_matches('"'))
        .find(|p| !p.is_empty() && !p.contains("${"))
        .unwrap_or_default();
    // A function that makes one (`utils.mkMatrixPassword`).
    let maker = ["mk", "make", "gen"].iter().any(|p| {
        last.strip_prefix(p)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
    });
    let n = normalize(last);
    !maker
        && [
            "password",
            "passwd",
            "passphrase",
            "psk",
            "secret",
            "token",
            "apikey",
            "privatekey",
            "secretkey",
        ]
        .iter()
        .any(|w| n.ends_with(w))
}

/// The group key of options using one path bound to a name (a path is never written so).
const PATH_GROUP: &str = "\u{0}path:";

/// A name for identities rather than secrets: e-mail addresses, hosts, domains, addresses,
/// users, contacts (`emails`, `hosts`, `ips`).
fn identity_name(name: &str) -> bool {
    let n = normalize(name);
    let n = n.strip_suffix('s').unwrap_or(&n);
    matches!(
        n,
        "email"
            | "mail"
            | "address"
            | "addresse"
            | "host"
            | "domain"
            | "ip"
            | "user"
            | "contact"
            | "phone"
            | "name"
    )
}

pub(super) fn not_an_option(path: &[String]) -> bool {
    // A flake's templates (`flake.templates.NAME.path`, `templates.NAME.path`) are copied by
    // `nix flake init`, not into a system.
    let template = path.last().is_some_and(|l| l == "path")
        && match path.len() {
            4 => path[0] == "flake" && path[1] == "templates",
            3 => path[0] == "templates",
            _ => false,
        };
    path.len() < 2 || path[0] == "_module" || template
}

/// An option that holds a program (`passwordCommand`, `askPassword`, `script`).
fn program_option(last: &str) -> bool {
    let n = normalize(last);
    PROGRAM_WORDS.iter().any(|w| n.ends_with(w)) || n.contains("askpass")
}

fn holds(path: &[String]) -> Holds {
    let Some(last) = path.last() else {
        return Holds::Other;
    };
    if not_an_option(path)
        || password_option(path)
        || matches!(last.as_str(), "imports" | "modules" | "sharedModules")
    {
        return Holds::Exempt;
    }
    let n = normalize(last);
    let is = |p: &[&str]| path_matches(path, p);
    // Encrypted on purpose: agenix, sops-nix (`sopsFile`, `defaultSopsFile`, `*.sops.files`,
    // a module's own `sopsSecretsFile`).
    let sops_list =
        path.len() >= 2 && path[path.len() - 2] == "sops" && matches!(n.as_str(), "file" | "files");
    // Every option of sops-nix names an encrypted file (`sops.secrets.<n>.sopsFile`, and the
    // `file` some modules built on it take), but those naming the key that decrypts them
    // (`sops.age.keyFile`, `sops.age.sshKeyPaths`, `sops.gnupg.sshKeyPaths`,
    // `sops.gnupg.home`): that key in the store opens every secret.
    let decrypting_key = is(&["sops", "age", "keyFile"])
        || is(&["sops", "age", "sshKeyPaths"])
        || is(&["sops", "gnupg", "sshKeyPaths"])
        || is(&["sops", "gnupg", "home"]);
    let sops_option = path.first().is_some_and(|p| p == "sops") && !decrypting_key;
    // agenix-rekey's settings (`age.rekey.localStorageDir`, `masterIdentities`) name rekeyed
    // `.age` files and identities kept for it, encrypted or public.
    let rekey = path.len() >= 3 && path[0] == "age" && path[1] == "rekey";
    if is(&["age", "secrets", "*", "file"])
        || is(&["age", "secrets", "*", "rekeyFile"])
        || rekey
        || n.contains("sops")
        || sops_list
        || sops_option
    {
        return Holds::Exempt;
    }
    // NixOps and colmena send `deployment.keys.<name>.keyFile` at deploy time: their options
    // apply `toString` to the path, so the file is read in place, never copied into the store.
    // A key's `text` read from a file is sent the same way (over SSH to `/run/keys`), not
    // written to the store (a literal there is still NIX-033's: it is in the repository).
    if is(&["deployment", "keys", "*", "keyFile"]) || is(&["deployment", "keys", "*", "text"]) {
        return Holds::Exempt;
    }
    // The deployment tool's own settings (`deployment.targetHost`) are not the system's.
    if path.first().is_some_and(|p| p == "deployment") {
        return Holds::Exempt;
    }
    // lego's RFC 2136 provider: `RFC2136_TSIG_KEY` is the key's name (its secret is
    // `RFC2136_TSIG_SECRET`), given to ACME as a credential file.
    if matches!(last.as_str(), "RFC2136_TSIG_KEY_FILE" | "RFC2136_TSIG_KEY") {
        return Holds::Other;
    }
    if is(&["boot", "initrd", "secrets", "*"]) {
        return Holds::Secret;
    }
    // An activation script is a program, whatever its name says it does
    // (`system.activationScripts.initrd-ssh-host-keys` makes keys; a path in it is judged by
    // its own name).
    if path.len() >= 3
        && path[0] == "system"
        && matches!(
            path[1].as_str(),
            "activationScripts" | "userActivationScripts"
        )
    {
        return Holds::Other;
    }
    // `sshKeys` (plural) are the keys users log in with, public; a single `sshKey` is a
    // client's private key (`nix.buildMachines.*.sshKey`).
    let public = n.contains("public")
        || n.contains("pubkey")
        || n.ends_with("sshkeys")
        || path
            .iter()
            .any(|c| c == "authorizedKeys" || c == "knownHosts")
        || n.starts_with("authorizedkeys")
        || (n.contains("cert") && !n.contains("key"))
        || n.ends_with("cafile")
        || n.ends_with("capath");
    if public || program_option(last) {
        return Holds::Exempt;
    }
    // `pass`/`pw` as the word before `File` (nextcloud's `adminpassFile`, `dbpassFile`,
    // `bind_pw_file`), not inside another word (`bypassFile`, `compassFile`).
    let pass_file = ["passfile", "pwfile"].iter().any(|w| {
        n.strip_suffix(w).is_some_and(|before| {
            !["by", "com", "sur", "tres"]
                .iter()
                .any(|x| before.ends_with(x))
        })
    });
    if SECRET_WORDS.iter().any(|w| n.contains(w))
        || key_name(last)
        || pass_file
        || matches!(n.as_str(), "keyfile" | "keyfiles" | "keypath")
    {
        return Holds::Secret;
    }
    if n.starts_with("environmentfile") {
        return Holds::Env;
    }
    let file_target = last == "source"
        && path.len() >= 3
        && matches!(
            path[path.len() - 3].as_str(),
            "etc" | "file" | "configFile" | "dataFile"
        );
    if file_target
        || ["file", "files", "path", "paths"]
            .iter()
            .any(|s| n.ends_with(s))
    {
        return Holds::File;
    }
    Holds::Other
}

/// Options whose NixOS module writes the path with `toString`, naming the file rather than
/// copying it: a systemd unit's settings (`serviceConfig.EnvironmentFile = /run/x.env`, rendered
/// by `attrsToSection`) and an OCI container's `environmentFiles` (`--env-file` through
/// `escapeShellArg`).
fn names_file_in_place(path: &[String]) -> bool {
    const IN_PLACE: &[&[&str]] = &[
        &[
            "virtualisation",
            "oci-containers",
            "containers",
            "*",
            "environmentFiles",
        ],
        &["systemd", "services", "*", "serviceConfig", "*"],
        &["systemd", "user", "services", "*", "serviceConfig", "*"],
    ];
    // A module's own `envFile` (`services.animus.envFile = /persist/etc/secrets/animus.env`):
    // what such a module hands to systemd's `EnvironmentFile`.
    let env_file = path.last().is_some_and(|l| normalize(l) == "envfile");
    env_file || IN_PLACE.iter().any(|p| path_matches(path, p))
}

/// The file name of a path as written.
fn file_name(p: &str) -> &str {
    p.trim_end_matches('/').rsplit('/').next().unwrap_or(p)
}

/// Encrypted on purpose (agenix, GnuPG, sops: `secrets.sops.yaml`, `db.enc.json`).
fn encrypted(p: &str) -> bool {
    let n = file_name(p).to_ascii_lowercase();
    n.ends_with(".age")
        || n.ends_with(".gpg")
        || n.contains(".sops.")
        || n.ends_with(".sops")
        || n.contains(".enc.")
        || n.ends_with(".enc")
        // `openssl enc` output named for its cipher (`wg-privkey.aes-256-cbc.base64`).
        || n.contains(".aes")
        || n.contains("-cbc.")
        || n.ends_with("-cbc")
        || n.contains(".encrypted")
        // JSON Web Encryption (clevis's TPM2- or tang-sealed secrets).
        || n.ends_with(".jwe")
        // `systemd-creds encrypt` output, read with `LoadCredentialEncrypted`.
        || n.ends_with(".cred")
}

/// Public material: public keys and certificates (`*.pub`, `*.crt`, `eduroam-cert.pem`,
/// `ca.pem`, `fullchain.pem`; not `certs-htpasswd`, `cert-key.pem`).
fn public(p: &str) -> bool {
    let n = file_name(p).to_ascii_lowercase();
    // `tailnet-certs-htpasswd`: a password file named after what it guards.
    let private = ["key", "priv", "passw", "secret", "token"]
        .iter()
        .any(|w| n.contains(w));
    [".pub", ".crt", ".cert", ".cer"]
        .iter()
        .any(|e| n.ends_with(e))
        || n.contains("public")
        || n.contains("pubkey")
        || (!private
            // A CA's settings (step-ca's `ca.json`) in a directory of secrets are what the
            // directory says; a certificate is one whatever its directory.
            && (!in_secret_dir(p)
                || [".pem", ".der", ".p7b"].iter().any(|e| n.ends_with(e))
                || n.contains("cert")
                || n.contains("chain"))
            && (n.contains("cert")
                || n.contains("chain")
                || ["ca.", "ca-", "ca_", "rootca"]
                    .iter()
                    .any(|c| n.starts_with(c))
                // `origin-pull-ca.pem`, `root_ca.crt`.
                || ["-ca.", "_ca.", "-ca-", "_ca_"].iter().any(|c| n.contains(c))))
}

/// A file that looks like a secret by where it is or what it is called: under a `secret`,
/// `secrets`, `keys`, `private` or `credentials` directory, a key-like name (`*.key`, `*.pem`,
/// `id_rsa`, `*_key`, `.env`), or a name that says so (`db-password`, `api-token`).
fn secret_looking(p: &str) -> bool {
    if public(p) || encrypted(p) {
        return false;
    }
    let name = file_name(p).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e);
    // A document in a `keys` directory is a program's key bindings (Inkscape's
    // `keys/shortcuts.xml`), not a key.
    let bindings = matches!(
        ext,
        Some("xml" | "json" | "yaml" | "yml" | "toml" | "conf" | "ini" | "cfg" | "lua" | "kdl")
    ) && !in_dir(p, &["secret", "secrets", "private", "credentials"]);
    let dir = in_secret_dir(p) && !bindings;
    let keyish_ext = matches!(
        ext,
        Some("key" | "pem" | "p12" | "pfx" | "keytab" | "psk" | "env" | "jks" | "pass")
    );
    // The password manager's name (`1password-agent.toml`, its SSH agent's settings) says
    // what the file configures, not that it holds a password.
    let n = normalize(&name).replace("1password", "");
    let words = [
        "secret",
        "password",
        "passwd",
        "token",
        "credential",
        "private",
        "privkey",
        "netrc",
        "apikey",
    ]
    .iter()
    .any(|w| n.contains(w));
    // A key's name with a plain data extension (sops-nix's age `key.txt`, `wg-key.b64`).
    let stem = match name.rsplit_once('.') {
        Some((stem, "txt" | "asc" | "b64" | "base64" | "bin" | "raw")) => stem,
        _ => name.as_str(),
    };
    let key_name = name.starts_with("id_")
        || stem.ends_with("_key")
        || stem.ends_with("-key")
        || stem == "key";
    dir || keyish_ext || words || key_name
}

/// An option that takes a certificate, a chain or a CA (`clientCA`, `sslCertificate`,
/// `sslTrustedCertificate`, `caFile`, `ca_cert`), not a key.
fn certificate_option(last: &str) -> bool {
    let n = normalize(last);
    !n.contains("key")
        && !n.contains("secret")
        && !n.contains("pass")
        && (n.ends_with("ca")
            || n.contains("cacert")
            || n.contains("cafile")
            || n.contains("certificate")
            || n.ends_with("cert")
            || n.ends_with("certs")
            || n.contains("chain"))
}

/// A secret-looking file a program's text interpolates: a `.nix` file there is mostly an
/// expression the program evaluates (`nix-instantiate ${./make-secret-config.nix}`), a
/// secret only in a directory of secrets (`cp ${../secrets/unix-password.nix} …`).
fn copied_secret(p: &str) -> bool {
    secret_looking(p) && (!p.ends_with(".nix") || in_secret_dir(p))
}

/// Under a `secret`, `secrets`, `keys`, `private` or `credentials` directory (`.secrets` too).
fn in_secret_dir(p: &str) -> bool {
    in_dir(p, &["secret", "secrets", "keys", "private", "credentials"])
}

/// Under a directory named one of `names` (lower case; a leading `.` ignored).
fn in_dir(p: &str, names: &[&str]) -> bool {
    p.trim_end_matches('/')
        .rsplit('/')
        .skip(1)
        .any(|c| names.contains(&c.to_ascii_lowercase().trim_start_matches('.')))
}

/// How a function is usually written.
fn func_name(f: &str) -> String {
    match f {
        "path" | "filterSource" | "readFile" | "toFile" => format!("builtins.{f}"),
        "cleanSource" | "cleanSourceWith" | "fileContents" | "importJSON" | "importTOML" => {
            format!("lib.{f}")
        }
        "import" => f.to_string(),
        f if f.starts_with("write") || f == "copyPathToStore" => format!("pkgs.{f}"),
        f => f.to_string(),
    }
}

/// The NixOS line that reads the file in place, for a single path value.
fn in_place_fix(option: &str, p: &str) -> String {
    if p.starts_with('/') {
        format!("{option} = \"{p}\";")
    } else {
        format!("{option} = \"/run/secrets/{}\";", file_name(p))
    }
}

/// The line (from 1) of `at` in `src`.
fn line_of(src: &str, at: rnix::TextSize) -> usize {
    let end = usize::from(at).min(src.len());
    src.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// `at` is on a line of `src` that is commented out before it (`#`, `//`).
fn in_comment(src: &str, at: rnix::TextSize) -> bool {
    let end = usize::from(at).min(src.len());
    let start = src[..end].rfind('\n').map_or(0, |i| i + 1);
    let before = src[start..end].trim_start();
    before.starts_with('#') || before.starts_with("//")
}

/// The largest file of the repository whose content is looked at for a secret.
const CONTENT_LIMIT: u64 = 1 << 20;

/// A file option (`environment.etc.<n>.source`, `configFile`) given a file of the repository
/// by a relative path: its content is looked at in [`LintRule::check`].
fn copies_a_repository_file(a: &Assignment) -> bool {
    holds(&a.path) == Holds::File
        && a.origins.iter().any(|o| match &o.kind {
            OriginKind::Path(p)
            | OriginKind::Interpolated(p)
            | OriginKind::Copied { path: p, .. } => !p.starts_with('/') && !p.starts_with('<'),
            _ => false,
        })
}

/// The secret a file of the repository holds (a path as written in this file names it), as
/// words for the finding: its line, what it is and its redacted form (`a secret at line 3: a
/// password (`…[redacted, 6 chars]`)`), judged as a text the configuration writes to a file is (NIX-033).
/// Only a regular text file of at most [`CONTENT_LIMIT`] bytes is read (a git-crypt file is
/// binary: judged by [`FileCx::git_crypted`]).
fn secret_in_file(cx: &FileCx<'_>, written: &str) -> Option<String> {
    let p = cx.file_in_repository(written)?;
    let meta = std::fs::metadata(&p).ok()?;
    if !meta.is_file() || meta.len() > CONTENT_LIMIT {
        return None;
    }
    // Text only: a binary file (an image, a compiled database) is not read as settings.
    let text = std::fs::read_to_string(&p).ok()?;
    if text.contains('\0') {
        return None;
    }
    let name = p.file_name()?.to_str()?;
    let (what, shown, line) = super::secret_literal::secret_in_text(name, &text)?;
    Some(format!("a secret at line {line}: {what} (`{shown}`)"))
}

/// Whether the file a path names is encrypted on disk (read when the rule has the file's
/// directory; `|_| false` when it has not).
type Encrypted<'a> = &'a dyn Fn(&str) -> bool;

/// The findings of one assignment; `src` (the file's text) places the names bound in the file
/// in the messages; a path to a file encrypted by its name or (`on_disk`) by its content is no
/// secret copied into the store.
/// The key of the innermost set of `v` whose value holds `range` (a path in a set of a list).
fn key_around(v: &crate::value::Val, range: rnix::TextRange) -> Option<&str> {
    let mut found = None;
    let mut cur = v;
    loop {
        let next = match &cur.v {
            Value::List(items) => items.iter().find(|x| x.range.contains_range(range)),
            Value::Attrs(kv) => {
                kv.iter()
                    .find(|(_, x)| x.range.contains_range(range))
                    .map(|(k, x)| {
                        found = Some(k.as_str());
                        x
                    })
            }
            _ => None,
        };
        match next {
            Some(x) => cur = x,
            None => return found,
        }
    }
}

fn judge(
    a: &Assignment,
    src: Option<&str>,
    in_clear: &dyn Fn(&str) -> bool,
    on_disk: Encrypted<'_>,
    git_crypted: &dyn Fn(&str) -> bool,
    in_file: &dyn Fn(&str) -> Option<String>,
) -> Vec<Hit> {
    if a.origins.is_empty() {
        return Vec::new();
    }
    let holds = holds(&a.path);
    // A program's text is written to the store too: a secret file read into it is there.
    // So is a secret file whose path it interpolates (`wg set wg0 private-key ${./wg.key}`).
    let reads_into_program = a.path.last().is_some_and(|l| program_option(l))
        && !not_an_option(&a.path)
        && a.origins.iter().any(|o| match &o.kind {
            OriginKind::Read { .. } => true,
            OriginKind::Interpolated(p) => copied_secret(p),
            // A file written into the store whose text holds a secret file's content.
            OriginKind::Written { copies, .. } => copies
                .iter()
                .any(|(p, _, read)| read.is_some() && copied_secret(p)),
            _ => false,
        });
    if holds == Holds::Exempt && !reads_into_program {
        return Vec::new();
    }
    let option = path_string(&a.path);
    let listed = matches!(a.value.v, Value::List(_));
    // `environment.etc."ssh/ssh_host_ed25519_key".source`: the target's name counts too.
    let target_secret = holds == Holds::File
        && a.path.last().is_some_and(|l| l == "source")
        && a.path
            .len()
            .checked_sub(2)
            .is_some_and(|i| secret_looking(&a.path[i]));
    let verb = if listed { "lists" } else { "is" };
    // One file read several times into one value is one finding, at its first use on a line
    // that is not commented out (a use in a comment is in the store too, but is not the one
    // that configures anything).
    let reads: Vec<Option<&str>> = a
        .origins
        .iter()
        .map(|o| match &o.kind {
            OriginKind::Read { path, func } if !listed && !given_secrets(func) => {
                Some(path.as_str())
            }
            _ => None,
        })
        .collect();
    let commented = |o: &crate::index::Origin| src.is_some_and(|s| in_comment(s, o.range.start()));
    let kept: Vec<bool> = (0..a.origins.len())
        .map(|i| {
            let Some(p) = reads[i] else { return true };
            let same: Vec<usize> = (0..a.origins.len())
                .filter(|j| reads[*j] == Some(p))
                .collect();
            let first = same
                .iter()
                .find(|j| !commented(&a.origins[**j]))
                .or(same.first())
                .copied();
            first == Some(i)
        })
        .collect();
    let mut out = Vec::new();
    // One value given several times to one option (`printf "${vars.pw}"` in two functions of
    // one script) is one finding, at its first use.
    let mut reported: Vec<String> = Vec::new();
    for (i, o) in a.origins.iter().enumerate() {
        if !kept[i] {
            continue;
        }
        let mut masked = None;
        // The value as written, when the rule has the file's text.
        let written =
            src.and_then(|s| s.get(usize::from(o.range.start())..usize::from(o.range.end())));
        // A name bound to a part of what was read (`secret = secrets.fastd.gw03.secret;`) and
        // used in several places: one finding, where the name is bound.
        let mut at_binding = None;
        let (message, about, fix) = match &o.kind {
            OriginKind::Path(p)
            | OriginKind::Interpolated(p)
            | OriginKind::Copied { path: p, .. } => {
                // An absolute path literal given to an option whose module only names the file
                // (`toString`, as systemd's unit sections and oci-containers' `--env-file` do)
                // is read in place, not copied.
                if matches!(o.kind, OriginKind::Path(_))
                    && p.starts_with('/')
                    && names_file_in_place(&a.path)
                {
                    continue;
                }
                // An option that takes a certificate or a CA (`clientCA`, `sslCertificate`,
                // `caFile`): public material, whatever the file is called.
                let takes_certificate = a.path.last().is_some_and(|l| certificate_option(l));
                // A path in a set of a listed value is judged by its own key
                // (`users = [ { passwordFile = /etc/anki/kuroko; } ]`).
                let holds = if listed && holds == Holds::Other {
                    key_around(&a.value, o.range)
                        .map(|k| {
                            let mut p = a.path.clone();
                            p.push(k.to_string());
                            self::holds(&p)
                        })
                        .filter(|h| matches!(h, Holds::Secret | Holds::Env | Holds::File))
                        .unwrap_or(holds)
                } else {
                    holds
                };
                // A file the repository keeps encrypted with git-crypt is a secret too (looked
                // up once, on disk, only where the name does not already say so).
                let crypted = matches!(holds, Holds::File | Holds::Other)
                    && !takes_certificate
                    && !p.ends_with(".nix")
                    && !secret_looking(p)
                    && !encrypted(p)
                    && git_crypted(p);
                let flagged = match holds {
                    Holds::Secret | Holds::Env => !public(p) && !encrypted(p),
                    Holds::File | Holds::Other if takes_certificate => false,
                    Holds::File => {
                        secret_looking(p)
                            || (target_secret && !public(p) && !encrypted(p))
                            || crypted
                    }
                    // A path in any value ends up copied when the value is written out (a
                    // `.nix` file is a module or an expression to import, not data).
                    Holds::Other => (secret_looking(p) && !p.ends_with(".nix")) || crypted,
                    // A program's text interpolating a secret file copies it.
                    Holds::Exempt => {
                        reads_into_program
                            && matches!(o.kind, OriginKind::Interpolated(_))
                            && copied_secret(p)
                    }
                };
                if on_disk(p) {
                    continue;
                }
                // A file option given a file of the repository whose name says nothing: its
                // content, when it holds a secret (`SERVER_PASS=…` in an environment file
                // copied to `/etc`).
                let content = (!flagged
                    && holds == Holds::File
                    && !takes_certificate
                    && !p.ends_with(".nix")
                    && !public(p)
                    && !encrypted(p))
                .then(|| in_file(p))
                .flatten();
                if !flagged && content.is_none() {
                    continue;
                }
                let how = match &o.kind {
                    OriginKind::Path(_) if p.starts_with('/') => {
                        format!("{verb} the unquoted path `{p}`, so the file is copied into the store (a quoted string is read in place)")
                    }
                    OriginKind::Path(_) if crypted => format!(
                        "{verb} the path `{p}`, a file the repository encrypts with git-crypt: its clear text is copied into the store"
                    ),
                    OriginKind::Path(_) => format!(
                        "{verb} the path `{p}`, so the file is copied into the store"
                    ),
                    OriginKind::Copied { func, .. } => format!(
                        "{verb} `{}` of `{p}`, so the file is copied into the store",
                        func_name(func)
                    ),
                    _ => format!(
                        "interpolates the path `{p}` (`\"${{…}}\"`), so the file is copied into the store"
                    ),
                };
                let how = match content {
                    Some(c) => format!("{how}, and the file holds {c}"),
                    None => how,
                };
                // A path bound to a name (`cfKey = ./secrets/cf-key.pem;`) and used by several
                // options: one finding, where the path is written.
                at_binding = o.bound.filter(|b| {
                    src.and_then(|s| s.get(usize::from(b.start())..usize::from(b.end())))
                        .is_some_and(|t| t.trim() == p.as_str())
                });
                (
                    format!("`{option}` {how}"),
                    p.clone(),
                    (!listed).then(|| in_place_fix(&option, p)),
                )
            }
            OriginKind::Written {
                func,
                name,
                text,
                names_deployed_secret,
                copies,
                ..
            } => {
                let flagged = match holds {
                    Holds::Secret => true,
                    Holds::File => target_secret || name.as_deref().is_some_and(secret_looking),
                    Holds::Env | Holds::Other | Holds::Exempt => false,
                };
                // A secret file the text interpolates (`cp ${../secrets/salt} …` in a script)
                // is copied into the store beside it, whatever the option.
                for (p, at, read) in copies {
                    // A text that is the secret itself is one finding (below), whatever it reads.
                    if (holds == Holds::Exempt && read.is_none())
                        || (read.is_some() && flagged && !*names_deployed_secret)
                        || !copied_secret(p)
                        || on_disk(p)
                        || out
                            .iter()
                            .any(|h: &Hit| h.subject.as_deref() == Some(p.as_str()))
                    {
                        continue;
                    }
                    let what = match read {
                        Some(r) => format!(
                            "whose text holds the content of `{p}` (read with `{}`), so that file's content is in the store",
                            func_name(r)
                        ),
                        None => format!(
                            "whose text interpolates the path `{p}`, so that file is copied into the store too"
                        ),
                    };
                    out.push(
                        Hit::new(
                            *at,
                            format!(
                                "`{option}` {verb} a file written into the store by `{}` {what}",
                                func_name(func)
                            ),
                        )
                        .subject(p.clone()),
                    );
                }
                // A file that says where the secret is deployed is configuration, not a secret.
                if !flagged || *names_deployed_secret {
                    continue;
                }
                let named = name
                    .as_deref()
                    .map(|n| format!(" (`{n}`)"))
                    .unwrap_or_default();
                // The text written is the secret: shown redacted, masked in the source line.
                masked = text.as_ref().and_then(|t| Some((t.range, t.v.text()?)));
                (
                    format!(
                        "`{option}` {verb} a file written into the store by `{}`{named}",
                        func_name(func)
                    ),
                    format!("{} {}", func_name(func), name.as_deref().unwrap_or(""))
                        .trim_end()
                        .to_string(),
                    None,
                )
            }
            OriginKind::Read { func, path } if given_secrets(func) => {
                // A part of the secrets handed to the module (`secrets.smtp.password`): its
                // value is written wherever the option's is, in the store. Judged by the name
                // of the part taken, or the option's; not a file option (the secrets' set may
                // hold paths of files deployed at run time).
                // Without the text (`wants`), the part is not known: kept for `check`.
                let taken = written.map(accessor);
                // A module argument not named for secrets (`settings.wifi.password`): only a
                // part named like a secret (unknown without the text: kept for `check`).
                // clan's generators are named, not given, by such parts
                // (`clan.core.vars.generators.x.dependencies = [ passphraseSecret ]`).
                let clan_vars = a
                    .path
                    .starts_with(&["clan".into(), "core".into(), "vars".into()]);
                if func == "setting"
                    && (clan_vars || taken.as_deref().is_some_and(|t| !plainly_secret(t)))
                {
                    continue;
                }
                let secret = taken.as_deref().is_none_or(secret_part)
                    || src.is_some_and(|s| named_before(s, o.range));
                // `secrets.wg.path`, `config.my.secrets.x.dest`: where a secret is deployed.
                // A hash (`secrets.webdav.hashed_password`) is NIX-031's.
                let named_otherwise = taken.as_deref().is_some_and(|t| {
                    let n = normalize(t.rsplit('.').next().unwrap_or_default().trim_matches('"'));
                    n.contains("hash")
                        || [
                            "path",
                            "file",
                            "files",
                            "dest",
                            "destination",
                            "location",
                            "dir",
                            "name",
                        ]
                        .iter()
                        .any(|w| n.ends_with(w))
                });
                let taken = taken.unwrap_or_default();
                let file_option = a.path.last().is_some_and(|l| {
                    let n = normalize(l);
                    ["file", "files", "path", "paths", "dir"]
                        .iter()
                        .any(|w| n.ends_with(w))
                });
                // An entry of a secrets set handed whole to a module's own `secrets` (or a
                // secrets manager's `secret`): the module is given the entry (where it is
                // deployed), not the text; its use is judged in that module.
                let entry_handed_on = a
                    .path
                    .last()
                    .is_some_and(|l| matches!(normalize(l).as_str(), "secret" | "secrets"))
                    && !taken.is_empty()
                    && !secret_part(&taken);
                // A program's text (`passwordCommand = "echo '${secrets.mail.password}'"`)
                // holds the secret it interpolates: in the store with the program.
                let in_program = holds == Holds::Exempt && reads_into_program && secret;
                if holds == Holds::File
                    || (holds == Holds::Exempt && !in_program)
                    || file_option
                    || named_otherwise
                    || entry_handed_on
                    || !(secret || holds == Holds::Secret)
                {
                    continue;
                }
                let whence = if func == "option" {
                    format!("the option `{path}`")
                } else if func == "setting" {
                    format!("`{path}`, an argument of the module")
                } else {
                    format!("`{path}`, the secrets handed to the module")
                };
                (
                    format!(
                        "`{option}` is given `{taken}` from {whence}: the value is written to the store, world-readable"
                    ),
                    taken.clone(),
                    None,
                )
            }
            OriginKind::Read { func, path } => {
                // A value imported from a file nixsec reads in the clear is judged where it is
                // written there (NIX-033 for a literal), not here.
                // A value of an imported Nix file given to an option that names a host, an
                // address, a port or a user (kept in `secrets.nix` for privacy) is not the
                // secret part of it.
                // Read through a name that says what the file keeps (`emails.jm_` of `emails =
                // import ../secrets/private-mail.nix`): addresses kept private, not secrets.
                // (`hosts.eos.mqtt.password` is a password whatever the file is called.)
                let through_identity = written
                    .map(|t| t.trim_start_matches("${").trim_end_matches('}').trim())
                    .is_some_and(|t| {
                        let mut parts = t.split('.');
                        let first = parts.next().unwrap_or_default();
                        let last = normalize(parts.next_back().unwrap_or(first));
                        identity_name(first)
                            && ![
                                "pass", "secret", "token", "key", "pw", "hash", "cred", "auth",
                            ]
                            .iter()
                            .any(|w| last.contains(w))
                    });
                // A part of an imported file reached through the name bound to it
                // (`secrets.ips.storig` with `secrets = import ../secrets;`): judged by the name
                // of the part, as the secrets handed to a module are, unless the option holds a
                // secret.
                let part_not_secret = func == "import"
                    && holds != Holds::Secret
                    && written.is_some_and(|text| {
                        let t = accessor(text);
                        !text.contains("import")
                            && t.contains('.')
                            && !t.contains(['/', '(', ')'])
                            && !secret_part(&t)
                    });
                // A file's name read from the file given to an option that takes a file
                // (`age.keyFile = spec.sops.ageKeyFile;` of `importTOML ./machine.toml`): the
                // value is where the key is, not the key.
                let names_a_path = |s: &str| {
                    let n = normalize(s.trim_matches(|c| c == '[' || c == ']' || c == '"'));
                    ["file", "files", "path", "paths", "dir"]
                        .iter()
                        .any(|w| n.ends_with(w))
                };
                let path_read = a.path.last().is_some_and(|l| names_a_path(l))
                    && written.is_some_and(|t| {
                        let acc = accessor(t);
                        acc.contains('.')
                            && !acc.contains(['/', '(', ')'])
                            && names_a_path(acc.rsplit('.').next().unwrap_or_default())
                    });
                if (func == "import" && in_clear(path))
                    || path_read
                    || part_not_secret
                    || (func == "import" && holds == Holds::Other && identity_option(&a.path))
                    || (func == "import"
                        && through_identity
                        && !matches!(holds, Holds::Secret | Holds::Env))
                    || (holds == Holds::Exempt && !reads_into_program)
                    || encrypted(path)
                    || on_disk(path)
                    || public(path)
                    || !(secret_looking(path)
                        || matches!(holds, Holds::Secret | Holds::Env)
                        // Read into a program's settings after the name of a secret
                        // (`password = "${lib.fileContents ./spotifyd.pass}"`).
                        || src.is_some_and(|s| named_before(s, o.range)))
                {
                    continue;
                }
                at_binding = o.bound.filter(|b| {
                    src.and_then(|s| s.get(usize::from(b.start())..usize::from(b.end())))
                        .is_some_and(|t| {
                            t.contains('.')
                                && t.chars().all(|c| {
                                    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '\'')
                                })
                        })
                });
                let uses = reads
                    .iter()
                    .filter(|r| **r == Some(path.as_str()))
                    .count()
                    .max(1);
                let bound = match (o.bound, src, uses) {
                    (Some(b), Some(src), 1) => {
                        format!(" (the name bound at line {})", line_of(src, b.start()))
                    }
                    (Some(b), Some(src), n) => format!(
                        " (the name bound at line {}, used {n} times)",
                        line_of(src, b.start())
                    ),
                    (None, _, n) if n > 1 => format!(" ({n} times)"),
                    _ => String::new(),
                };
                (
                    format!(
                        "`{option}` reads `{path}` into the configuration with `{}`{bound}, so its content is written to the store",
                        func_name(func)
                    ),
                    path.clone(),
                    None,
                )
            }
        };
        let subject = if listed {
            format!("{option} ({about})")
        } else {
            option.clone()
        };
        let path_kind = matches!(
            o.kind,
            OriginKind::Path(_) | OriginKind::Interpolated(_) | OriginKind::Copied { .. }
        );
        let mut hit = match at_binding {
            // A bound path used once is reported at the use.
            Some(b) if path_kind => Hit::new(b, message)
                .subject(subject)
                .grouped(format!("{PATH_GROUP}{about}"), option.clone())
                .single_at(o.range),
            Some(b) => Hit::new(b, message)
                .subject(subject)
                .grouped(about.clone(), option.clone()),
            None => Hit::new(o.range, message).subject(subject),
        };
        if let Some(w) = written.filter(|_| !about.is_empty()) {
            let key = format!("{about}\0{}", w.trim());
            if reported.contains(&key) {
                continue;
            }
            reported.push(key);
        }
        if let Some(fix) = fix {
            hit = hit.fix(fix);
        }
        if let (Some((range, text)), OriginKind::Written { func, name, .. }) = (masked, &o.kind) {
            let named = name.as_deref().map(quote).unwrap_or_default();
            hit = hit.secret_at(
                range,
                format!("{} {named} {}", func_name(func), quote(&redact(text, 0))),
            );
        }
        out.push(hit);
    }
    out
}

impl LintRule for SecretFileCopied {
    fn kinds(&self) -> &'static [ModuleKind] {
        &[
            ModuleKind::NixOS,
            ModuleKind::Darwin,
            ModuleKind::HomeManager,
        ]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["environment", "etc", "*", "source"],
            &["boot", "initrd", "secrets", "*"],
        ]
    }
    fn wants(&self, a: &Assignment) -> bool {
        !a.origins.is_empty()
            && (copies_a_repository_file(a)
                || !judge(a, None, &|_| false, &|_| false, &|_| false, &|_| None).is_empty())
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if secrets_registry(cx.index, a) {
            return;
        }
        out.extend(judge(
            a,
            Some(cx.src),
            &|p| cx.reads_in_the_clear(p),
            &|p| cx.encrypted_on_disk(p),
            &|p| cx.git_crypted(p),
            &|p| secret_in_file(cx, p),
        ));
    }
    fn merged(&self, key: &str, options: &[String]) -> String {
        let names: Vec<String> = options.iter().map(|o| format!("`{o}`")).collect();
        match key.strip_prefix(PATH_GROUP) {
            Some(p) => format!(
                "{} use the path `{p}` bound here, so the file is copied into the store",
                names.join(", ")
            ),
            None => format!(
                "{} read from `{key}` into the configuration, so its content is written to the store",
                names.join(", ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{findings, h, hc, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-032";

    /// The lines of the rule's hits in `src`.
    fn hit_lines(src: &str) -> Vec<u32> {
        hits(src, ID).iter().map(|x| x.1).collect()
    }

    #[test]
    fn a_secret_files_content_read_into_a_written_text() {
        let src = r#"{ pkgs, ... }: {
  services.mysql.initialScript = pkgs.writeText "perm.sql" ''
    CREATE USER 'a'@'localhost' IDENTIFIED BY '${import ../keys/private/db.nix}';
  '';
  services.foo.script = pkgs.writeShellScript "x" ''
    echo ${builtins.readFile ./secrets/token} | login
  '';
  services.bar.script = pkgs.writeShellScript "y" ''
    echo ${builtins.readFile ./motd.txt}
  '';
}"#;
        assert_eq!(hit_lines(src), [3, 6]);
        // The SQL's password is that file's value, not a literal.
        assert!(crate::rules::testing::hits(src, "NIX-033").is_empty());
    }

    #[test]
    fn a_secret_inherited_from_the_secrets_handed_to_the_module() {
        let src = r#"{ secrets, ... }: {
  networking.wireguard.interfaces.wg0 = {
    inherit (secrets.wireguard.flash) privateKey;
    listenPort = 51820;
  };
}"#;
        assert_eq!(hit_lines(src), [3]);
        // Inherited from a set written here: no file, no finding.
        let here = r#"let wg = { privateKey = "/run/keys/wg"; }; in {
  networking.wireguard.interfaces.wg0 = { inherit (wg) privateKey; };
}"#;
        assert!(hits(here, ID).is_empty());
    }

    #[test]
    fn a_secret_handed_to_the_module_echoed_by_a_command() {
        let src = r#"{ secrets, pkgs, ... }: {
  accounts.email.accounts.main.passwordCommand = "echo '${secrets.mail.main.password}'";
  accounts.email.accounts.work.passwordCommand = "${pkgs.pass}/bin/pass show ${secrets.mail.work.entry}";
}"#;
        assert_eq!(hit_lines(src), [2]);
    }

    /// A part of the secrets with a name that says nothing, written after `password=` in a
    /// string (a CIFS mount's options, a command line): the password.
    #[test]
    fn a_secret_named_by_the_text_before_it() {
        let src = r#"{ secrets, ... }: {
  fileSystems."/mnt/media".options = [ "username=will" "password=${secrets.samba.frac}" "uid=1000" ];
  services.foo.extraFlags = [ "--api-token=${secrets.foo.main}" ];
  fileSystems."/mnt/media".device = "//${secrets.samba.host}/Media";
  services.bar.extraFlags = [ "--user=${secrets.bar.main}" ];
}"#;
        assert_eq!(hit_lines(src), [2, 3]);
        for (before, named) in [
            ("\"password=", true),
            ("--db-pass=", true),
            ("smb_password:", true),
            // A program's settings, with the sign spaced and the value quoted.
            ("  password = \"", true),
            ("\"api_key\" = '", true),
            ("token: ", true),
            ("  password_file = \"", false),
            ("  banner = \"", false),
            ("username=", false),
            ("compass=", false),
            ("//", false),
        ] {
            let src = format!("{before}${{x}}\"");
            let at = u32::try_from(before.len()).unwrap_or(0);
            let range = rnix::TextRange::new(at.into(), (at + 4).into());
            assert_eq!(super::named_before(&src, range), named, "{before}");
        }
        // A Nix binding, not a text: judged by its own name.
        let src = "{ client_secret = secrets.x; }";
        let range = rnix::TextRange::new(17.into(), 26.into());
        assert!(!super::named_before(src, range));
    }

    #[test]
    fn a_key_files_name_read_from_a_data_file() {
        let src = r#"{ lib, ... }: let spec = lib.importTOML ./machine.toml; in {
  age.keyFile = spec.sops.ageKeyFile;
  services.foo.tokenFile = spec.foo.token;
}"#;
        assert_eq!(hit_lines(src), [3]);
    }

    #[test]
    fn one_argument_used_twice_in_one_script_is_one_finding() {
        let src = r#"{ pkgs, vars ? import ../vars.nix, ... }: {
  system.activationScripts.encfs = ''
    create() {
      printf "p\n${vars.encfs_password}" | encfs --stdinpass
    }
    mount() {
      printf "${vars.encfs_password}" | encfs --stdinpass
    }
  '';
}"#;
        assert_eq!(hit_lines(src), [4]);
    }

    #[test]
    fn a_search_path_made_a_string_names_the_same_file() {
        let src = r#"{
  services.ddclient.password = import ((toString <secrets>) + "/nsupdate-cache.nix");
  services.ddclient.server = "ipv4.nsupdate.info";
}"#;
        let lines: Vec<u32> = hits(src, ID).iter().map(|x| x.1).collect();
        assert_eq!(lines, [2]);
    }

    #[test]
    fn files_of_the_flakes_own_source_and_ca_settings_among_secrets() {
        let src = r#"{ inputs, self, ... }: {
  services.a.settings = builtins.fromJSON (builtins.readFile ./secrets/plain/ca.json);
  services.b.settings = builtins.fromJSON (builtins.readFile "${inputs.self.outPath}/secrets/plain/ca.json");
  services.c.settings = builtins.readFile "${inputs.self}/secrets/token";
  services.d.settings = builtins.readFile (self + "/secrets/token");
  services.e.settings = builtins.readFile "${self}/config/app.conf";
  services.f.sslCertificate = ./keys/ca.pem;
  services.g.settings = builtins.fromJSON (builtins.readFile ./ca.json);
}"#;
        let lines: Vec<u32> = hits(src, ID).iter().map(|x| x.1).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
    }

    /// A path in a set of a listed value is judged by its own key: an absolute path literal
    /// given to a user's `passwordFile` in a list of users is copied; a listed path a module
    /// only names is not judged by the key around it.
    #[test]
    fn a_path_in_a_set_of_a_list() {
        let src = "{\n  services.anki-sync-server.users = [\n    { username = \"k\"; passwordFile = /etc/anki-sync-server/k; }\n  ];\n  services.x.mounts = [ { what = \"a\"; where = /mnt/data; } ];\n}";
        assert_eq!(crate::rules::testing::hit_lines(src, ID), [3], "{src}");
    }

    /// A credential encrypted by `systemd-creds` (`*.cred`) is ciphertext in the store.
    #[test]
    fn systemd_creds_files_are_encrypted() {
        let src = "{ environment.etc.\"deploy/key.cred\".source = ../secrets/deploy-key.cred; }";
        assert!(hits(src, ID).is_empty(), "{src}");
        let plain = "{ environment.etc.\"deploy/key\".source = ../secrets/deploy-key; }";
        assert_eq!(hits(plain, ID).len(), 1, "{plain}");
    }

    /// sops-nix's files are encrypted, but the key that decrypts them is not: a path literal
    /// given to `sops.age.keyFile` or `sops.age.sshKeyPaths` copies that key into the store.
    #[test]
    fn the_key_that_decrypts_sops_files() {
        let src = "{\n  sops.defaultSopsFile = ./secrets/secrets.yaml;\n  sops.secrets.x.sopsFile = ./secrets/x.yaml;\n  sops.age.keyFile = ./secrets/age.key;\n  sops.age.sshKeyPaths = [ ./keys/ssh_host_ed25519_key ];\n}";
        assert_eq!(crate::rules::testing::hit_lines(src, ID), [4, 5], "{src}");
        let strings = "{ sops.age.keyFile = \"/var/lib/sops/age.key\"; sops.age.sshKeyPaths = [ \"/etc/ssh/ssh_host_ed25519_key\" ]; }";
        assert!(hits(strings, ID).is_empty());
    }

    /// lego's `RFC2136_TSIG_KEY` is the key's name (`RFC2136_TSIG_SECRET` its secret).
    #[test]
    fn a_tsig_key_name_is_no_secret() {
        let src = "{ pkgs, ... }: {\n  security.acme.defaults.credentialFiles = {\n    \"RFC2136_TSIG_KEY_FILE\" = pkgs.writeText \"tsig-key\" \"letsencrypt.ocf.io\";\n    \"RFC2136_TSIG_SECRET_FILE\" = pkgs.writeText \"tsig-secret\" \"c2VjcmV0c2VjcmV0c2VjcmV0\";\n  };\n}";
        assert_eq!(crate::rules::testing::hit_lines(src, ID), [4], "{src}");
    }

    #[test]
    fn normalized_matching_is_normalize_then_compare() {
        use super::{normalize, normalized_contains, normalized_ends_with, normalized_starts_with};
        let names = [
            "bindPassword",
            "bind_pw",
            "b.i-n_d",
            "BIND",
            "bin",
            "xbxind",
            "dn_pass",
            "_dnPass",
            "dnpas",
            "passwordHash",
            "pbkdf2_hash",
            "has_h",
            "hhash",
            "ünïcödébind",
            "",
            "b",
        ];
        for name in names {
            let n = normalize(name);
            for w in ["bind", "hash", "pbkdf2", "dnpass", "b", "x"] {
                assert_eq!(
                    normalized_contains(name, w.as_bytes()),
                    n.contains(w),
                    "{name} {w}"
                );
                assert_eq!(
                    normalized_starts_with(name, w.as_bytes()),
                    n.starts_with(w),
                    "{name} {w}"
                );
                assert_eq!(
                    normalized_ends_with(name, w.as_bytes()),
                    n.ends_with(w),
                    "{name} {w}"
                );
            }
        }
    }

    fn none(src: &str) {
        assert!(hits(src, ID).is_empty(), "{src}: {:?}", hits(src, ID));
    }

    /// The secrets handed to a module whole (git-crypt files passed as an argument, a `let`
    /// name built from them, a repository's `config.my.secrets` option): a part named like a
    /// secret, written into an option or a string, is in the store.
    #[test]
    fn parts_of_secrets_handed_to_the_module_in_every_spelling() {
        let src = r#"{ config, secrets, pkgs, ... }:
let
  my = import ../.;
  secrets' = my.secrets { inherit pkgs; };
in
{
  services.transmission.settings.rpc-password = secrets.transmissionPassword;
  services.nullmailer.config.remotes = "smtp --pass=${secrets.email.smtp-password}";
  systemd.services.nix-daemon.environment.AWS_SECRET_ACCESS_KEY = secrets'.nixCache.s3.accessKeySecret;
  services.nginx.virtualHosts.x.basicAuth = { prometheus = secrets.nodeMetricsKey; };
  my.notbot.nickServPassword = config.my.secrets.userDB.notbot.nickserv;
  services.grafana.settings.security.secret_key = lib.mkForce siteSecrets.grafanaKey;
}"#;
        let got: Vec<u32> = hits(src, ID).iter().map(|x| x.1).collect();
        assert_eq!(got, [7, 8, 9, 10, 11, 12], "{:?}", hits(src, ID));
        // Not secrets: a part naming where a secret is deployed or something about it, a
        // hash (NIX-031's), sops-nix's and agenix's sets, an option holding a file, a name
        // that is not the secrets'.
        none(
            r#"{ config, secrets, ... }: {
  wireguard.client.privateKey = secrets."wireguard/host/private".path;
  services.rkvm.server.settings.key = config.cookie.secrets.rkvm-key.dest;
  services.zerotierone.joinNetworks = secrets.zerotierone.joinNetworks;
  services.nginx.virtualHosts.x.listenAddresses = [ secrets.ips.storig ];
  services.caddy.extraConfig = "basic_auth { x ${secrets.webdav.hashed_password} }";
  services.foo.passwordFile = secrets.fooPassword;
  services.foo.password = config.sops.secrets.foo.path;
  services.bar.token = config.secretsDestinations.templates.bar;
  services.baz.settings.api_key = vars.apiKey;
  services.qux.settings.user = secrets.qux.user;
  services.mealie.secrets = config.secrets.store.services.mealie.suzie;
  secrets.setup.ssh_privk.secret = config.secrets.store.ssh_privk.${config.base.hostname}.${config.base.user};
}"#,
        );
        // An entry's secret part handed to a module's `secrets` is still one.
        let src = r#"{ config, ... }: {
  services.foo.secrets = config.my.secrets.foo.password;
}"#;
        assert_eq!(hits(src, ID).len(), 1, "{:?}", hits(src, ID));
    }

    /// A part named like a secret of a module argument not named for secrets (`settings`,
    /// given by `specialArgs` from a file kept out of the repository) is in the store where an
    /// option puts it; other parts, functions and helpers' parameters are not.
    #[test]
    fn a_secret_part_of_a_module_argument() {
        let src = r#"{ pkgs, settings, vars, ... }:
let
  yarr = settings.yarr;
in
{
  networking.networkmanager.ensureProfiles.profiles.home.wifi-security.psk = settings.network.wireless.password;
  services.syncthing.settings.gui.password = settings.syncthing.password;
  services.yarr.settings.api-key = yarr.api_key;
}"#;
        let got: Vec<u32> = hits(src, ID).iter().map(|x| x.1).collect();
        assert_eq!(got, [6, 7, 8], "{:?}", hits(src, ID));
        none(
            r#"{ pkgs, settings, vars, utils, user, pkgs-unstable, ... }:
let
  mkUser = cfg: { services.x.password = cfg.password; };
in
{
  programs.git.signing.key = user.gpgKey;
  services.xserver.xkb.layout = settings.keyboardLayout;
  console.keyMap = vars.consoleKeyMap;
  environment.systemPackages = [ pkgs-unstable._1password-gui ];
  clan.core.vars.generators.x.dependencies = [ settings.passphraseSecret ];
  services.matrix.password = utils.mkMatrixPassword;
  services.foo.user = settings.foo.user;
}"#,
        );
    }

    /// A part of an imported secrets file reached through its name is judged by the part's
    /// name (addresses, IDs and networks kept private are no secrets), unless the option holds
    /// a secret; a part chosen at evaluation by the name before it.
    #[test]
    fn parts_of_an_imported_secrets_file_by_their_names() {
        let src = r#"{ config, ... }:
let secrets = import ../../secrets; in
{
  services.nginx.virtualHosts.x.listenAddresses = [ secrets.ips.storig "[${secrets.ips.v6}]" ];
  services.zerotierone.joinNetworks = secrets.zerotierone.joinNetworks;
  fileSystems."/media".device = "${secrets.ips.nas}:/media";
  services.sympa.settings.cookie = secrets.cookie;
  services.collectd.extraConfig = "Password \"${secrets.influx_pass.${config.networking.hostName}}\"";
  services.gitlab.databasePassword = secrets.git.database;
}"#;
        let got: Vec<u32> = hits(src, ID).iter().map(|x| x.1).collect();
        assert_eq!(got, [7, 8, 9], "{:?}", hits(src, ID));
    }

    /// nextcloud's `adminpassFile` holds a secret: a file written into the store for it is
    /// one there (found on three public configurations).
    #[test]
    fn a_pass_file_option_holds_a_secret() {
        let src = r#"{ pkgs, ... }: {
  services.nextcloud.config.adminpassFile = "${pkgs.writeText "adminpass" "0704EFC6-1F2A"}";
  services.nextcloud.config.dbpassFile = pkgs.writeText "dbpass" "s3cr3t-db";
  services.x.bypassFile = pkgs.writeText "list" "a";
}"#;
        let got: Vec<u32> = hits(src, ID).iter().map(|x| x.1).collect();
        assert_eq!(got, [2, 3], "{:?}", hits(src, ID));
    }

    /// A file that sets no NixOS option, only a registry of the repository's secret files
    /// (`secrets.nix` read as a value and handed to modules): nothing is in the store there.
    #[test]
    fn a_registry_of_secret_files_is_no_finding_where_it_reads_them() {
        none(
            r#"{ pkgs, ... }:
{
  backup.pass = import ./secrets/backup-pass.nix;
  backup.sshKey = ./secrets/backup-ssh-key;
  sso.key = builtins.readFile ./secrets/sso-key;
  gh-token = builtins.readFile ./secrets/gh-token;
}"#,
        );
        // A module setting options beside the reads is judged as before (a top-level name
        // is no option).
        let src = r#"{ pkgs, ... }:
{
  backup.pass = import ./secrets/backup-pass.nix;
  sso.key = builtins.readFile ./secrets/sso-key;
  gh-token = builtins.readFile ./secrets/gh-token;
  services.foo.passwordFile = ./secrets/foo-password;
}"#;
        assert_eq!(hits(src, ID).len(), 3, "{:?}", hits(src, ID));
    }

    #[test]
    fn path_literals_for_secret_options_in_every_spelling() {
        assert_eq!(
            hits(r#"{ services.foo.environmentFile = ./app.env; }"#, ID),
            [h("./app.env", 1, High)]
        );
        // Nested sets, snake case, an unquoted absolute path.
        assert_eq!(
            hits(
                r#"{ services = { foo = { settings.tls.private_key = /etc/foo/key.pem; }; }; }"#,
                ID
            ),
            [h("/etc/foo/key.pem", 1, High)]
        );
        // A `let` name (reported at the use site), `with lib;`, `mkForce`, `mkIf`.
        let src = r#"{ config, lib, ... }:
with lib;
let key = ./secrets/wg0.key; in
{
  networking.wireguard.interfaces.wg0.privateKeyFile = mkForce key;
  services.tailscale = mkIf config.site.vpn { authKeyFile = ./tailscale-auth; };
}"#;
        let mut got = hits(src, ID);
        got.sort_by_key(|x| x.1);
        assert_eq!(got, [h("key", 5, High), hc("./tailscale-auth", 6, High)]);
        // The same bound path used by several options: one finding, where it is bound.
        let src = r#"let
  cfKey = ./secrets/cf-key.pem;
in {
  services.nginx.virtualHosts.a.sslCertificateKey = cfKey;
  services.nginx.virtualHosts.b.sslCertificateKey = cfKey;
}"#;
        assert_eq!(hits(src, ID), [h("./secrets/cf-key.pem", 2, High)]);
        // `inherit` of a `let` name.
        assert_eq!(
            hits(
                r#"let passwordFile = ./db-pass; in { services.db = { inherit passwordFile; }; }"#,
                ID
            ),
            [h("passwordFile", 1, High)]
        );
        // boot.initrd.secrets copies a path value into the store (a string is read in place).
        assert_eq!(
            hits(
                r#"{ boot.initrd.secrets."/keyfile.bin" = ./keyfile.bin; boot.initrd.secrets."/k2" = "/etc/k2"; }"#,
                ID
            ),
            [h("./keyfile.bin", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ boot.initrd.network.ssh.hostKeys = [ ./initrd_host_key "/etc/secrets/initrd/ssh_host_ed25519_key" ]; }"#,
                ID
            ),
            [h("./initrd_host_key", 1, High)]
        );
        // A unit or a container names an absolute path in place, but a path of the
        // repository is in the store with it.
        assert_eq!(
            hits(
                r#"{ systemd.services.app.serviceConfig.EnvironmentFile = ./app.env; }"#,
                ID
            ),
            [h("./app.env", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ virtualisation.oci-containers.containers.db.environmentFiles = [ ./db.env ]; }"#,
                ID
            ),
            [h("./db.env", 1, High)]
        );
    }

    /// A container's module written as a function is read as the module it is.
    #[test]
    fn container_modules_written_as_functions() {
        let src = r#"{
  containers.ldap = {
    autoStart = true;
    config = { config, pkgs, ... }: {
      services.openldap.settings.attrs.olcRootPW = builtins.readFile /srv/keys/.secret-ldap-root;
    };
  };
  specialisation.demo.configuration = { lib, ... }: { services.foo.passwordFile = ./secrets/demo-pw; };
}"#;
        assert_eq!(
            hits(src, ID),
            [
                // A specialisation is a variant of the system: conditional.
                hc("./secrets/demo-pw", 8, High),
                // The container is a system of its own (its module is indexed after the file's).
                h("builtins.readFile /srv/keys/.secret-ldap-root", 5, High),
            ]
        );
    }

    /// NixOps and colmena read `deployment.keys.<name>.keyFile` at deploy time (`toString`).
    #[test]
    fn deployment_key_files_are_not_copied() {
        assert_eq!(
            hits(
                r#"{ deployment.keys."app.env".keyFile = /home/deploy/keys/app.env; }"#,
                ID
            ),
            []
        );
    }

    #[test]
    fn interpolation_builtins_path_and_writers() {
        assert_eq!(
            hits(
                r#"{ services.nginx.virtualHosts.x.sslCertificateKey = "${./certs/x.key}"; }"#,
                ID
            ),
            [h(r#""${./certs/x.key}""#, 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ services.foo.credentialsFile = builtins.path { path = ./creds.json; name = "creds"; }; }"#,
                ID
            )
            .len(),
            1
        );
        assert_eq!(
            hits(
                r#"{ pkgs, ... }: { services.foo.passwordFile = pkgs.writeText "pw" "hunter22"; }"#,
                ID
            ),
            [h(r#"pkgs.writeText "pw" "hunter22""#, 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ pkgs, ... }: { services.foo.tokenFile = "${pkgs.writeTextFile { name = "tok"; text = "x"; }}"; }"#,
                ID
            )
            .len(),
            1
        );
        // A file option gets a store file whose name or target looks like a key.
        assert_eq!(
            hits(
                r#"{ pkgs, ... }: { environment.etc."ssl/private/site.key".source = pkgs.writeText "site" "x"; }"#,
                ID
            )
            .len(),
            1
        );
        // `toString` of a written file: written all the same.
        assert_eq!(
            hits(
                r#"{ pkgs, ... }: { disko.devices.disk.main.content.passwordFile = toString (pkgs.writeText "disk-pw" "hunter22"); }"#,
                ID
            )
            .len(),
            1
        );
        // ... but a config file written for a file option is not a secret file.
        none(r#"{ pkgs, ... }: { services.foo.configFile = pkgs.writeText "foo.conf" "x = 1"; }"#);
        // A script named for what it does with keys is a program, not a key.
        none(
            r#"{ pkgs, ... }: { system.activationScripts.initrd-ssh-host-keys = "${pkgs.writeShellScript "generate-initrd-ssh-host-keys" "ssh-keygen -A"}"; }"#,
        );
    }

    /// A key's name with a plain data extension: sops-nix's age `key.txt` copied into an
    /// image's `/etc` by an unquoted path; not a key's public half or an ordinary text.
    #[test]
    fn key_names_with_data_extensions() {
        assert_eq!(
            hit_lines(
                "{\n  environment.etc.\"sops-nix/key.txt\".source = /var/lib/sops-nix/key.txt;\n}"
            ),
            [2]
        );
        assert_eq!(
            hit_lines("{ environment.etc.\"wg/wg-key.b64\".source = ./wg-key.b64; }"),
            [1]
        );
        none("{ environment.etc.\"motd.txt\".source = ./motd.txt; }");
        none("{ environment.etc.\"keys.txt\".source = ./keyboard/keys.txt; }");
        none("{ environment.etc.\"ssh/id_ed25519.pub\".source = ./id_ed25519.pub; }");
    }

    /// A path interpolated in text, named after what it guards; a path built with a host's
    /// name; a path in one branch of an `if`.
    #[test]
    fn paths_in_text_built_per_host_or_in_a_branch() {
        assert_eq!(
            hits(
                "{ services.nginx.virtualHosts.a.locations.\"/\".extraConfig = ''\n  auth_basic_user_file ${../../secrets/tailnet-certs-htpasswd};\n''; }",
                ID
            ),
            [h("''", 1, High)]
        );
        let got = hits(
            "{ config, ... }: { boot.initrd.network.ssh.hostKeys = [ (../secrets + \"/initrd-ssh-host-${config.networking.hostName}\") ]; }",
            ID,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        let got = hits(
            "{ config, ... }: { boot.initrd.network.ssh.hostKeys = [ (if config.boot.loader.supportsInitrdSecrets then \"/run/keys/host\" else ../secrets + \"/host-key\") ]; }",
            ID,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        // The text after an interpolated path is not part of its name.
        let out = crate::rules::testing::findings(
            "{ services.x.extraConfig = \"auth_basic_user_file ${./secrets/htpasswd};\"; }",
            ID,
        );
        assert!(
            out.iter()
                .any(|f| f.finding.message.contains("`./secrets/htpasswd`")),
            "{out:?}"
        );
        // A certificate is public, whatever directory it is in.
        none("{ services.x.extraConfig = \"ssl_certificate ${../secrets/tailnet-cert.pem};\"; }");
        // ... and so is what an option taking a certificate or a CA is given.
        none("{ services.mlflow.ingest.clientCA = ../../modules/step-ca/roots.pem; }");
        none("{ services.nginx.virtualHosts.a.sslCertificate = ./secrets/site.pem; }");
        assert_eq!(
            hits(
                "{ services.nginx.virtualHosts.a.sslCertificateKey = ./secrets/site.pem; }",
                ID
            )
            .len(),
            1
        );
    }

    /// A script's text interpolating a secret file copies that file into the store too,
    /// reported where it is interpolated; an expression a script evaluates is not a secret.
    #[test]
    fn secret_files_a_program_interpolates() {
        let src = "{ pkgs, ... }: let installer = with pkgs; writeShellScriptBin \"installer\" ''\n  cp ${../../secrets/email-salt} secrets/email-salt\n  cp ${../../secrets/unix-password.nix} secrets/\n  cp ${./README.md} /tmp\n''; in { environment.systemPackages = [ installer ]; }";
        let got = hits(src, ID);
        assert_eq!(
            got.iter().map(|h| h.1).collect::<Vec<_>>(),
            [2, 3],
            "{got:?}"
        );
        assert_eq!(
            hits(
                "{ systemd.services.x.script = ''\n  wg set wg0 private-key ${./secrets/wg.key}\n''; }",
                ID
            )
            .len(),
            1
        );
        none("{ systemd.services.x.script = \"nix-instantiate --eval ${./make-secret-config.nix}\"; }");
        none("{ systemd.services.x.script = \"cat ${./motd.txt}\"; }");
    }

    #[test]
    fn file_options_only_for_secret_looking_files() {
        for src in [
            r#"{ services.foo.configFile = ./secrets/foo.conf; }"#,
            r#"{ services.foo.dataPath = ./keys/signing; }"#,
            r#"{ environment.etc."ssh/ssh_host_ed25519_key".source = ./hostkey; }"#,
            r#"{ home.file.".ssh/id_ed25519".source = ./id_ed25519; }"#,
            r#"{ xdg.configFile."app/.env".source = ./app.env; }"#,
            r#"{ services.foo.extraFiles = [ ./README ./private/token.txt ]; }"#,
        ] {
            assert_eq!(hits(src, ID).len(), 1, "{src}");
        }
        // Any option: a path that looks like a secret is copied wherever it is used.
        assert_eq!(
            hits(
                r#"{ pkgs, ... }: { system.activationScripts.deploy-key = ''
  install -m600 ${./secrets/deploy_ed25519} /root/.ssh/id_ed25519
''; }"#,
                ID
            )
            .len(),
            1
        );
        let f = findings(
            r#"{ services.foo.settings.identity_file = "${./private/id}"; }"#,
            ID,
        );
        assert_eq!(
            f[0].finding.message,
            "`services.foo.settings.identity_file` interpolates the path `./private/id` (`\"${…}\"`), so the file is copied into the store"
        );
        none(r#"{ services.dnsmasq.configFile = ./dnsmasq.conf; }"#);
        none(r#"{ environment.etc."nanorc".source = ./nanorc; }"#);
        // 1Password's SSH agent settings: the product's name, not a password.
        none(
            r#"{ config, ... }: { home.file."${config.xdg.configHome}/1Password/ssh/agent.toml".source = ./files/1password-agent.toml; }"#,
        );
        none(r#"{ nix.nixPath = [ "nixos-config=${./configuration.nix}" ]; }"#);
    }

    #[test]
    fn secret_files_read_into_the_configuration() {
        assert_eq!(
            hits(
                r#"{ services.foo.settings.api_key = builtins.readFile ./secrets/api-key; }"#,
                ID
            ),
            [h("builtins.readFile ./secrets/api-key", 1, High)]
        );
        // A file named by a value of another file is read all the same.
        assert_eq!(
            hits(
                r#"let CONFIG = import ../config.nix; in { services.mattermost.settings.GitLabSettings.Secret = builtins.readFile CONFIG.AUTHENTIK_SECRET_FILE; }"#,
                ID
            ),
            [h("builtins.readFile CONFIG.AUTHENTIK_SECRET_FILE", 1, High)]
        );
        // A file named so read into a setting that is no secret is not one.
        assert!(hits(
            r#"{ cfg, ... }: { services.foo.settings.motd = builtins.readFile cfg.motdFile; }"#,
            ID
        )
        .is_empty());
        // An attribute of an imported secrets file, through `let`, given to an option that
        // holds a secret or a program: what the file keeps out of the repository lands in the
        // store. A host name or a port kept there is not the secret part of it.
        let src = r#"let secrets = import ./secrets.nix; in {
  services.grafana.settings.smtp.password = secrets.smtp;
  networking.hostName = secrets.host;
  deployment.targetHost = secrets.ip;
  services.paperless.settings.PAPERLESS_URL = secrets.paperless.url;
  services.paperless.settings.ALLOWED_HOSTS = secrets.paperless.hosts;
  services.oauth2-proxy.clientID = secrets.oauth.id;
  services.postgresql.ensureDatabases = secrets.dbs;
  services.postgresql.ensureUsers = secrets.dbUsers;
  services.oauth2-proxy.clientSecret = secrets.oauth.secret;
}"#;
        // A NixOps machine's setting is reported once, as its module's (not also as the
        // network file's `llitt.environment...`).
        assert_eq!(
            hits(
                "{\n  network.description = \"web\";\n  llitt = {\n    deployment.targetHost = \"1.2.3.4\";\n    environment.etc.cf-key.text = builtins.readFile ../ssl/cf-key.pem;\n  };\n}\n",
                ID
            )
            .len(),
            1
        );
        // A password read through a name for hosts is still a password.
        assert_eq!(
            hits(
                r#"let hosts = import ../secrets/hosts.nix; in {
  services.mosquitto.listeners = [ { users.shelly.password = "${hosts.eos.mqtt.shelly.password}"; } ];
}"#,
                ID
            )
            .len(),
            1
        );
        // Values read through a name that says they are addresses.
        none(
            r#"{ ... }: let emails = import ../secrets/private-mail.nix; hosts = import ../secrets/hosts.nix; in {
  mailserver.forwards."a@example.org" = [ emails.pk_ emails.ln_ ];
  networking.hosts."10.0.0.1" = [ hosts.eos.name ];
  mailserver.loginAccounts."b@example.org".sieveScript = ''
    redirect "${emails.jm_}";
  '';
}"#,
        );
        assert_eq!(
            hits(src, ID),
            [
                h("secrets.smtp", 2, High),
                h("secrets.oauth.secret", 10, High)
            ]
        );
        assert_eq!(
            hits(
                r#"{ lib, ... }: { services.foo.settings = lib.importJSON ./credentials/foo.json; }"#,
                ID
            )
            .len(),
            1
        );
        // Any file read for an option that holds a secret.
        assert_eq!(
            hits(
                r#"{ networking.wireless.networks.home.psk = builtins.readFile ./wifi; }"#,
                ID
            )
            .len(),
            1
        );
        // A file read for an ordinary option.
        none(r#"{ networking.hostName = builtins.readFile ./hostname; }"#);
        none(r#"{ services.foo.motd = builtins.readFile ./motd.txt; }"#);
    }

    /// A secret file read into a name (`builtins.readFile`, `lib.fileContents`, seen through
    /// `lib.removeSuffix` and `lib.trim`) and the name used in strings: a finding at each
    /// use, naming the line the name is bound on; one per file in one value, at the use that
    /// is not commented out.
    #[test]
    fn secret_files_read_into_names_used_in_text() {
        let src = r#"{ lib, ... }:
let
  adminPw = lib.removeSuffix "\n" (builtins.readFile /srv/conf/.secret-admin);
  apiKey = lib.strings.fileContents ./private/api.key;
in {
  services.slapd.seedText = ''
    dn: cn=admin
    userPassword: ${adminPw}
  '';
  services.proxy.extraConfig = ''
    # AuthPass ${adminPw}
    AuthPass ${adminPw}
    ApiKey ${apiKey}
  '';
  services.mail.settings.smtp.password = adminPw;
  services.backup.script = "restic --key ${lib.trim (builtins.readFile /srv/conf/backup-token)}";
}"#;
        assert_eq!(
            hits(src, ID),
            [
                h("${adminPw}", 8, High),
                h("${adminPw}", 12, High),
                h("${apiKey}", 13, High),
                h("adminPw", 15, High),
                h(
                    "${lib.trim (builtins.readFile /srv/conf/backup-token)}",
                    16,
                    High
                ),
            ]
        );
        let f = findings(src, ID);
        assert_eq!(
            f[0].finding.message,
            "`services.slapd.seedText` reads `/srv/conf/.secret-admin` into the configuration with `builtins.readFile` (the name bound at line 3), so its content is written to the store"
        );
        assert!(
            f[1].finding
                .message
                .contains("(the name bound at line 3, used 2 times)"),
            "{}",
            f[1].finding.message
        );
        // A name bound to a part of an imported secrets file and used twice: one finding,
        // where the name is bound, naming both options.
        let src = r#"{ pkgs, ... }: let
  secrets = (import ../secrets) { inherit pkgs; };
  secret = secrets.fastd.gw03.secret;
in {
  services.fastd.a.secret = secret;
  services.fastd.b.secret = secret;
}"#;
        let f = findings(src, ID);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].line, 3);
        assert!(
            f[0].finding.message.starts_with(
                "`services.fastd.a.secret`, `services.fastd.b.secret` read from `../secrets`"
            ),
            "{}",
            f[0].finding.message
        );
        // A flake template's directory is not a system's file.
        assert!(hits(
            r#"{ flake.templates.secrets = { path = ../../templates/nixos-secrets; description = "x"; }; }"#,
            ID
        )
        .is_empty());
        // The attributes of a set in a list.
        let src = r#"let s = builtins.readFile ./secrets/sso; in {
  services.wiki.settings.sso.providers = [ { name = "main"; client_secret = s; } ];
}"#;
        let f = findings(src, ID);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, 2);
        assert_eq!(
            f[0].finding.subject.as_deref(),
            Some("services.wiki.settings.sso.providers (./secrets/sso)")
        );
        // The pieces of `lib.concatStrings` are strings of the value too.
        let src = r#"{ lib, ... }:
let tok = builtins.readFile ./secrets/relay-token; in {
  services.relay.extraConfig = lib.concatStrings [ "a = 1\n" "token = ${tok}\n" ];
}"#;
        assert_eq!(hits(src, ID), [h("${tok}", 3, High)]);
        // A file that does not look like a secret, and a public key, read into text.
        none(
            r#"{ lib, ... }: let motd = builtins.readFile ./motd.txt; in { services.x.extraConfig = "banner ${motd}"; }"#,
        );
        none(
            r#"let k = builtins.readFile ./private/host.pub; in { services.x.extraConfig = "key ${k}"; }"#,
        );
    }

    /// A value imported from a file and interpolated into a path names a file: it is not the
    /// file's content (`"/var/lib/acme/${import ./domain.nix}/key.pem"`). The imported value
    /// itself given to an option still is.
    #[test]
    fn imported_values_inside_paths_are_not_contents() {
        for src in [
            r#"let site = import ./vars/site.nix; in { services.mail.keyFile = "/var/lib/acme/${site}/key.pem"; }"#,
            r#"{ services.ldap.tlsKeyFile = "/var/lib/acme/${import ./vars/site.nix}/key.pem"; }"#,
            r#"let site = import ./vars/site.nix; in { services.mail.keyFile = "/etc/ssl/${site}.key"; }"#,
        ] {
            none(src);
        }
        assert_eq!(
            hits(
                r#"let v = import ./vars.nix; in { networking.wireless.networks.home.psk = v.wifi; }"#,
                ID
            ),
            [h("v.wifi", 1, High)]
        );
    }

    #[test]
    fn false_alarms() {
        for src in [
            // The fix: a string path outside the store.
            r#"{ services.foo.environmentFile = "/run/secrets/app.env"; }"#,
            r#"{ services.foo.passwordFile = config.sops.secrets.foo.path; }"#,
            r#"{ services.foo.passwordFile = "${config.age.secrets.foo.path}"; }"#,
            // `toString` of a path names it in place, it does not copy it.
            r#"{ services.foo.keyFile = toString ./key; }"#,
            // Encrypted on purpose: agenix and sops-nix.
            r#"{ age.secrets.wifi.file = ./secrets/wifi.age; }"#,
            r#"{ age.secrets = { db = { file = ./secrets/db.age; owner = "db"; }; }; }"#,
            r#"{ sops.defaultSopsFile = ./secrets/secrets.yaml; }"#,
            r#"{ age.rekey = { localStorageDir = ./secrets/rekeyed; masterIdentities = [ ./secrets/master.hmac ]; }; }"#,
            r#"{ sops.secrets.db.sopsFile = ./secrets/db.yaml; }"#,
            // Named in place by `toString` (a unit's settings, a container's `--env-file`).
            r#"{ systemd.services.app.serviceConfig.EnvironmentFile = /run/secrets/app.env; }"#,
            r#"{ systemd.user.services.app.serviceConfig.EnvironmentFile = /home/me/.secrets/app.env; }"#,
            r#"{ virtualisation.oci-containers.containers.db.environmentFiles = [ /home/me/containers/db/.env ]; }"#,
            // A module's own `envFile`, handed to `EnvironmentFile`.
            r#"{ services.animus.envFile = /persist/etc/secrets/animus.env; }"#,
            // A program's key bindings in a `keys` directory.
            r#"{ xdg.configFile."inkscape/keys/shortcuts.xml".source = ./shortcuts.xml; }"#,
            // A module's own option given a sops file, and sops files by their names.
            r#"{ features.nixos.headscale.sopsSecretsFile = ./secrets.yaml; }"#,
            r#"{ services.foo.secretsFile = ./secrets.sops.yaml; }"#,
            r#"{ services.foo.passwordFile = ./secrets/db.enc.json; }"#,
            // Any option of sops-nix, and `openssl enc` output named for its cipher.
            r#"{ sops.secrets.githubToken = { file = ./secrets/secrets.yaml; key = "t"; }; }"#,
            r#"{ services.secrets.files.wg.file = ./secrets/wg-privkey.aes-256-cbc.base64; }"#,
            // Users' login keys: public.
            r#"{ local.resources.sshKeys = import ../resources/ssh-keys.nix; }"#,
            r#"{ services.foo.passwordFile = ./secrets/db.age; }"#,
            // Public keys and certificates.
            r#"{ users.users.alice.openssh.authorizedKeys.keyFiles = [ ./keys/alice ]; }"#,
            r#"{ users.users.alice.openssh.authorizedKeys.keys = [ (builtins.readFile ./keys/alice.pub) ]; }"#,
            r#"{ programs.ssh.knownHosts.github.publicKeyFile = ./keys/github; }"#,
            r#"{ services.nginx.virtualHosts.x.sslCertificate = ./certs/x.pem; }"#,
            r#"{ security.pki.certificateFiles = [ ./secrets/ca.pem ]; }"#,
            r#"{ services.foo.tlsKey = ./tls/foo.pub; }"#,
            r#"{ networking.wireless.networks.eduroam.auth = ''
              ca_cert="${./eduroam-cert.pem}"
              password=ext:eduroam
            ''; }"#,
            r#"{ services.foo.settings.ca = ./secrets/ca.pem; }"#,
            "{ services.nginx.virtualHosts.x.extraConfig = ''\n  ssl_client_certificate ${./secrets/origin-pull-ca.pem};\n''; }",
            // NIX-030's.
            r#"{ users.users.bob.password = builtins.readFile ./secrets/pw; }"#,
            // Modules to import are not files copied.
            r#"{ home-manager.users.alice.imports = [ ./secrets.nix ]; }"#,
            r#"{ home-manager.sharedModules = [ ./secrets ]; }"#,
            r#"{ services.foo.settings.module = ./secrets/default.nix; }"#,
            // A search path is not a file of the configuration.
            r#"{ services.foo.keyFile = <secrets/key>; }"#,
        ] {
            none(src);
        }
    }

    #[test]
    fn one_finding_per_file_with_its_subject_and_fix() {
        let f = findings(
            r#"{ services.foo.environmentFiles = [ ./secrets/a.env ./secrets/b.env "/run/secrets/c.env" ]; }"#,
            ID,
        );
        let subjects: Vec<_> = f.iter().map(|f| f.finding.subject.clone()).collect();
        assert_eq!(
            subjects,
            [
                Some("services.foo.environmentFiles (./secrets/a.env)".to_string()),
                Some("services.foo.environmentFiles (./secrets/b.env)".to_string()),
            ]
        );
        let f = findings(r#"{ services.foo.keyFile = /var/lib/foo/key; }"#, ID);
        assert_eq!(
            f[0].finding.subject.as_deref(),
            Some("services.foo.keyFile")
        );
        assert_eq!(
            f[0].finding.message,
            "`services.foo.keyFile` is the unquoted path `/var/lib/foo/key`, so the file is copied into the store (a quoted string is read in place)"
        );
        assert_eq!(
            f[0].finding.remediation.nixos,
            r#"services.foo.keyFile = "/var/lib/foo/key";"#
        );
        let f = findings(r#"{ services.foo.keyFile = ./secrets/foo.key; }"#, ID);
        assert_eq!(
            f[0].finding.remediation.nixos,
            r#"services.foo.keyFile = "/run/secrets/foo.key";"#
        );
    }

    #[test]
    fn a_written_secret_is_never_shown() {
        let src = "{ pkgs, ... }: {\n  services.foo.passwordFile = pkgs.writeText \"pw\" \"Sup3r-S3cret\";\n}\n";
        let f = findings(src, ID);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].value.as_deref(),
            Some(r#"pkgs.writeText "pw" "…[redacted, 12 chars]""#)
        );
        assert_eq!(
            f[0].source_line,
            r#"  services.foo.passwordFile = pkgs.writeText "pw" "************";"#
        );
        let json = serde_json::to_string(&f[0]).expect("json");
        assert!(!json.contains("Sup3r"), "{json}");
    }

    #[test]
    fn home_manager_modules_too() {
        assert_eq!(
            hits(
                r#"{ home.stateVersion = "24.05"; home.file.".ssh/id_rsa".source = ./id_rsa; }"#,
                ID
            )
            .len(),
            1
        );
    }
}
