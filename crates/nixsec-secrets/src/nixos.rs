//! The NixOS layer: which option put a secret into a store file (from the file's name, the
//! name of its store path, the kind of secret and the name it is assigned to), and the public
//! test keys and sample values that are not secrets.
//!
//! Store path names NixOS gives the files it generates (nixpkgs' modules): unit files and
//! their scripts (`unit-<name>.service`, `unit-script-<name>-start`), WireGuard's setup units
//! (`wireguard-<iface>`, `wireguard-<iface>-peer-…`) and wg-quick's (`wg-quick-<iface>`),
//! nginx's `<vhost>.htpasswd` / `htpasswd` files, `nix.conf`, `users-groups.json`, Grafana's
//! and Synapse's rendered settings, Home Assistant's `configuration.yaml`, restic's and
//! borgbackup's job units.

/// Public values that are not secrets: documented samples that scanners meet in packages.
/// - the Firebase Android SDK's example API keys (`firebase/firebase-android-sdk`, the list
///   gitleaks' `gcp-api-key` rule allows);
/// - the NuGet documentation's sample passwords (`nuget.config` reference);
/// - Yarn's public Algolia search key (`yarnpkg/berry` issue 6201);
/// - the example credentials and tokens of RFC 6749/6750 (OAuth 2.0: client password
///   `gX1fBat3bV`, access and refresh tokens, codes), RFC 5849 (OAuth 1.0: consumer keys and
///   secrets, tokens) and the OAuth MAC token draft, which OAuth libraries (oauthlib) quote in
///   their sources and documentation.
const PUBLIC_VALUES: &[&str] = &[
    "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs",
    "AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM",
    "AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU",
    "AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0",
    "AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A",
    "AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c",
    "AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4",
    "AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY",
    "AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM",
    "AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ",
    "AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g",
    "AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU",
    "AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw",
    "AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE",
    "AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY",
    "33f!!lloppa",
    "hal+9ooo_da!sY",
    "6fe4476ee5a1832882e326b506d14126",
    "gX1fBat3bV",
    "2YotnFZFEjr1zCsicMWpAA",
    "tGzv3JOkF0XG5Qx2TlKWIA",
    "SplxlOBeZQQYbYS6WxSbIA",
    "mF_9.B5f-4.1JqM",
    "dpf43f3p2l4k3l03",
    "kd94hf93k423kf44",
    "hh5s93j4hdidpola",
    "hdk48Djdsa",
    "nnch734d00sl2jdk",
    "pfkkdhi9sl3r4s00",
    "9djdj82h48djs9d2",
    "kkk9d7dh3k39sjv7",
    "j49sk3j29djd",
    "dh893hdasih9",
    "h480djs93hd8",
];

/// The first body line of private keys published as test keys: nixpkgs'
/// `nixos/tests/ssh-keys.nix` (`snakeOilPrivateKey`, an EC key every NixOS test VM shares).
const PUBLIC_KEY_BODIES: &[&str] =
    &["MHcCAQEEIHQf/khLvYrQ8IOika5yqtWvI0oquHlpRLTZiJy5dRJmoAoGCCqGSM49"];

/// A value published as a sample.
#[must_use]
pub fn public_value(v: &str) -> bool {
    PUBLIC_VALUES.contains(&v)
}

/// A private key body that is a published test key.
#[must_use]
pub fn public_key_body(body: &[u8]) -> bool {
    let head = &body[..body.len().min(512)];
    PUBLIC_KEY_BODIES
        .iter()
        .any(|k| memchr::memmem::find(head, k.as_bytes()).is_some())
}

/// Files NixOS tests ship with public keys (`privkey.snakeoil`).
#[must_use]
pub fn public_test_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.contains("snakeoil")
}

/// `name` without a leading store hash (`abc…-wg0.conf` → `wg0.conf`).
fn strip_hash(c: &str) -> &str {
    match c.split_once('-') {
        Some((h, rest)) if h.len() == 32 && h.bytes().all(|b| b.is_ascii_alphanumeric()) => rest,
        _ => c,
    }
}

/// The unit a store file belongs to: `unit-<u>.service`, `unit-script-<u>-start`,
/// `<u>.service`, `etc/systemd/system/<u>.service`.
fn unit_of(path: &str) -> Option<String> {
    for c in path.split('/').rev() {
        let c = strip_hash(c);
        if let Some(u) = c.strip_prefix("unit-script-") {
            let u = u
                .strip_suffix("-start")
                .or_else(|| u.strip_suffix("-pre-start"))
                .or_else(|| u.strip_suffix("-post-start"))
                .or_else(|| u.strip_suffix("-stop"))
                .unwrap_or(u);
            return Some(u.to_string());
        }
        let c = c.strip_prefix("unit-").unwrap_or(c);
        if let Some(u) = c.strip_suffix(".service") {
            return Some(u.to_string());
        }
    }
    None
}

/// The first `prefix<x>` component of a path (or of a unit name), with `x` up to the next `-`
/// when `to_dash`.
fn named(path: &str, prefix: &str, to_dash: bool) -> Option<String> {
    let unit = unit_of(path).unwrap_or_default();
    let found = path
        .split('/')
        .map(strip_hash)
        .chain([unit.as_str()])
        .find_map(|c| {
            let i = c.find(prefix)?;
            let rest = &c[i + prefix.len()..];
            let rest = rest.strip_prefix("unit-script-").unwrap_or(rest);
            let x = if to_dash {
                rest.split('-').next().unwrap_or(rest)
            } else {
                rest.trim_end_matches("-start").trim_end_matches(".service")
            };
            (!x.is_empty()).then(|| x.to_string())
        });
    found
}

/// The NixOS option that most likely wrote this secret into this file: `path` is the file's
/// path inside its store path (with the store path's name in front when known), `kind` the
/// secret's kind and `key` the name it is assigned to.
#[must_use]
pub fn option_for(path: &str, kind: &str, key: Option<&str>) -> Option<String> {
    let name = strip_hash(path.rsplit('/').next().unwrap_or(path));
    let lower = path.to_ascii_lowercase();
    let key_l = key.map(str::to_ascii_lowercase).unwrap_or_default();
    // By kind, where the kind says it all.
    match kind {
        "age-secret-key" => {
            return Some(
                "age.identityPaths / sops.age.keyFile (an age identity copied into the store)"
                    .into(),
            )
        }
        "tailscale-key" => {
            return Some(
                "services.tailscale.authKeyFile (its contents copied into the store)".into(),
            )
        }
        "k3s-token" => {
            let svc = if lower.contains("rke2") {
                "rke2"
            } else {
                "k3s"
            };
            return Some(format!("services.{svc}.token"));
        }
        "wireguard-private-key" => {
            let field = "privateKey";
            if let Some(i) = named(path, "wg-quick-", true) {
                return Some(format!("networking.wg-quick.interfaces.{i}.{field}"));
            }
            if let Some(i) = named(path, "wireguard-", true) {
                return Some(format!("networking.wireguard.interfaces.{i}.{field}"));
            }
            if let Some(i) = name.strip_suffix(".conf") {
                return Some(format!("networking.wg-quick.interfaces.{i}.configFile"));
            }
            return Some("networking.wireguard.interfaces.<name>.privateKey".into());
        }
        "htpasswd" => {
            let vhost = name.strip_suffix(".htpasswd").filter(|v| !v.is_empty());
            return Some(match vhost {
                Some(v) => format!("services.nginx.virtualHosts.\"{v}\".basicAuth"),
                None => "services.nginx.virtualHosts.<name>.basicAuth / basicAuthFile".into(),
            });
        }
        "netrc" if lower.contains("netrc") => return Some("nix.settings.netrc-file".into()),
        "nix-access-tokens" => return Some("nix.settings.access-tokens".into()),
        _ => {}
    }
    if name == "cachix.dhall" || key_l.contains("cachix") {
        return Some("the Cachix auth token (services.cachix-agent.credentialsFile)".into());
    }
    if key_l.starts_with("restic") || lower.contains("restic-backups-") {
        let job = named(path, "restic-backups-", false).unwrap_or_else(|| "<name>".into());
        return Some(format!(
            "services.restic.backups.{job}.passwordFile / environmentFile"
        ));
    }
    if key_l.starts_with("borg") || lower.contains("borgbackup-job-") {
        let job = named(path, "borgbackup-job-", false).unwrap_or_else(|| "<name>".into());
        return Some(format!(
            "services.borgbackup.jobs.{job}.encryption.passphrase"
        ));
    }
    if lower.contains("k3s") && key_l.contains("token") {
        return Some("services.k3s.token".into());
    }
    if lower.contains("grafana") {
        return Some(match key {
            Some(k) => format!("services.grafana.settings.<section>.{k}"),
            None => "services.grafana.settings".into(),
        });
    }
    if name == "homeserver.yaml" || lower.contains("synapse") {
        return Some(match key {
            Some(k) => format!("services.matrix-synapse.settings.{k}"),
            None => "services.matrix-synapse.settings".into(),
        });
    }
    if let Some(unit) = unit_of(path) {
        return Some(match key {
            Some(k) if k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                format!("systemd.services.{unit}.environment.{k}")
            }
            _ if path.contains("unit-script-") => format!("systemd.services.{unit}.script"),
            _ => format!("systemd.services.{unit}.environment / serviceConfig"),
        });
    }
    let o = match name {
        "wpa_supplicant.conf" => "networking.wireless.networks.<ssid>.psk",
        "nix.conf" => "nix.settings / nix.extraOptions",
        "users-groups.json" => "users.users.<name>",
        "configuration.yaml" => "services.home-assistant.config",
        "smb.conf" => "services.samba.settings",
        "rclone.conf" => "environment.etc.\"rclone.conf\".text",
        n if n.ends_with(".env") || n.ends_with("-env") || n.ends_with("EnvironmentFile") => {
            "systemd.services.<name>.environment (or serviceConfig.EnvironmentFile)"
        }
        _ => return None,
    };
    Some(o.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_from_store_names() {
        assert_eq!(
            option_for(
                "unit-script-wireguard-wg0-start/bin/wireguard-wg0-start",
                "wireguard-private-key",
                None
            )
            .as_deref(),
            Some("networking.wireguard.interfaces.wg0.privateKey")
        );
        assert_eq!(
            option_for(
                "wg-quick-wg1/bin/wg-quick-wg1",
                "wireguard-private-key",
                None
            )
            .as_deref(),
            Some("networking.wg-quick.interfaces.wg1.privateKey")
        );
        assert_eq!(
            option_for(
                "unit-foo.service/foo.service",
                "secret-assignment",
                Some("API_TOKEN")
            )
            .as_deref(),
            Some("systemd.services.foo.environment.API_TOKEN")
        );
        assert_eq!(
            option_for("example.org.htpasswd", "htpasswd", None).as_deref(),
            Some("services.nginx.virtualHosts.\"example.org\".basicAuth")
        );
        assert_eq!(
            option_for(
                "unit-restic-backups-daily.service/x",
                "password-assignment",
                Some("RESTIC_PASSWORD")
            )
            .as_deref(),
            Some("services.restic.backups.daily.passwordFile / environmentFile")
        );
    }
}
