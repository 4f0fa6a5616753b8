//! `nixsec diff`: two systems compared for security. Each side is audited (its findings) and
//! read for the facts a reviewer asks about: open ports, units and their exposure, wrappers,
//! group members, nix.conf, sshd_config, kernel parameters, sysctl values, the kernel series,
//! the packages of the closure. [`diff`] lists what changed, one [`Change`] per thing; a change
//! that makes NEW worse carries a severity (the deploy gate compares it with `--fail-on`).

use std::collections::{BTreeMap, BTreeSet};

use nixsec_core::{Finding, Severity, Status};

use crate::cx::HostCx;

/// One change between OLD and NEW (JSON schema 1 of `nixsec diff`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Change {
    /// `rule-status`, `problem-added`, `port-opened`, … (see `docs/json-output.md`).
    pub kind: &'static str,
    /// What changed: a rule id, a unit, a port, `group:user`, a setting.
    pub subject: String,
    /// The value on OLD (`null` when it was absent).
    pub old: Option<String>,
    /// The value on NEW.
    pub new: Option<String>,
    /// Set when the change makes NEW worse: how much.
    pub severity: Option<Severity>,
    /// The rule that judges it, when one does.
    pub rule: Option<String>,
}

/// What one side is: its findings and facts.
#[derive(Debug, Default, Clone)]
pub struct Side {
    /// The toplevel (or root) shown.
    pub name: String,
    /// The audit's findings.
    pub findings: Vec<Finding>,
    /// Ports accepted from outside: `tcp/5432` → the admitting rule.
    pub ports: BTreeMap<String, String>,
    /// Service units → (exposure, failing check ids).
    pub units: BTreeMap<String, (f64, BTreeSet<String>)>,
    /// Wrappers of `/run/wrappers/bin` → description.
    pub wrappers: BTreeMap<String, String>,
    /// Groups → members.
    pub groups: BTreeMap<String, BTreeSet<String>>,
    /// nix.conf settings.
    pub nix: BTreeMap<String, String>,
    /// sshd_config settings (the first value of each keyword outside `Match` blocks).
    pub sshd: BTreeMap<String, String>,
    /// Kernel parameters.
    pub kernel_params: BTreeSet<String>,
    /// sysctl values set.
    pub sysctl: BTreeMap<String, String>,
    /// The kernel release.
    pub kernel: Option<String>,
    /// Packages of the closure: pname → versions.
    pub packages: BTreeMap<String, BTreeSet<String>>,
}

/// `/nix/store/<hash>-name` → `/nix/store/…-name`: a store path's hash changes with any input,
/// so problems are matched by their path without it.
#[must_use]
pub fn unhash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("/nix/store/") {
        let (head, tail) = rest.split_at(i + "/nix/store/".len());
        out.push_str(head);
        let b = tail.as_bytes();
        if b.len() > 32 && b[32] == b'-' && b[..32].iter().all(u8::is_ascii_alphanumeric) {
            out.push('…');
            rest = &tail[32..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Groups whose members are root-equivalent or administrators.
pub const PRIVILEGED_GROUPS: &[&str] = &[
    "wheel",
    "docker",
    "libvirtd",
    "podman",
    "lxd",
    "incus-admin",
    "kvm",
    "disk",
    "root",
];

/// `name-1.2.3` → (`name`, `1.2.3`), as Nix's `parseDrvName` splits at the first `-` before a
/// digit.
#[must_use]
pub fn parse_name(name: &str) -> (String, String) {
    let b = name.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return (name[..i].to_string(), name[i + 1..].to_string());
        }
    }
    (name.to_string(), String::new())
}

fn conf_lines(text: &str, sep: Option<char>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for l in text.lines() {
        let l = l.split('#').next().unwrap_or("").trim();
        if l.is_empty() {
            continue;
        }
        let (k, v) = match sep {
            Some(c) => match l.split_once(c) {
                Some((k, v)) => (k.trim(), v.trim()),
                None => continue,
            },
            None => match l.split_once(char::is_whitespace) {
                Some((k, v)) => (k.trim(), v.trim()),
                None => (l, ""),
            },
        };
        if sep.is_none() && k.eq_ignore_ascii_case("match") {
            break;
        }
        let key = if sep.is_none() {
            k.to_ascii_lowercase()
        } else {
            k.to_string()
        };
        out.entry(key).or_insert_with(|| v.to_string());
    }
    out
}

impl Side {
    /// Read a side from an audited context and its findings.
    #[must_use]
    pub fn read(cx: &HostCx, name: String, findings: Vec<Finding>) -> Side {
        let mut side = Side {
            name,
            findings,
            ..Side::default()
        };
        let root = cx.root();
        if let Ok(rs) = crate::firewall::firewall(cx).ruleset() {
            for p in rs.open_ports(None) {
                let range = if p.lo == p.hi {
                    p.lo.to_string()
                } else {
                    format!("{}-{}", p.lo, p.hi)
                };
                side.ports
                    .entry(format!("{}/{range}", p.l4.as_str()))
                    .or_insert(p.admitted_by.clone());
            }
        }
        if let Ok((_, names)) = root.read_dir("/etc/systemd/system") {
            let loader = nixsec_systemd::Loader::new(root);
            for n in names {
                let n = n.to_string_lossy().into_owned();
                if !n.ends_with(".service") || n.ends_with("@.service") {
                    continue;
                }
                if let Ok(u) = loader.load(&n) {
                    let s = nixsec_systemd::assess(&u);
                    let failing = s
                        .checks
                        .iter()
                        .filter(|c| c.badness.is_some_and(|b| b > 0))
                        .map(|c| c.row.id.to_string())
                        .collect();
                    side.units.insert(n, (s.exposure, failing));
                }
            }
        }
        if let Some(sys) = cx.built_system() {
            if let Ok(w) = &sys.wrappers {
                for w in &w.wrappers {
                    let caps = if w.capabilities.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", w.capabilities)
                    };
                    side.wrappers.insert(
                        w.name.clone(),
                        format!(
                            "{}:{} {:04o}{caps} {}",
                            w.owner,
                            w.group,
                            w.mode,
                            w.source.as_deref().unwrap_or(&w.wrapper)
                        ),
                    );
                }
            }
            if let Ok(Some(p)) = &sys.kernel_params {
                side.kernel_params = p.iter().cloned().collect();
            }
            if let Ok(s) = &sys.sysctl {
                side.sysctl = s
                    .effective()
                    .into_iter()
                    .map(|(k, s)| (k, s.value))
                    .collect();
            }
            side.kernel.clone_from(&sys.kernel_release);
            if let Ok(db) = nixsec_store::db::Database::load(root.store_root()) {
                let (paths, _) = db.closure(std::slice::from_ref(&sys.toplevel));
                for p in paths {
                    let base = p.trim_start_matches("/nix/store/");
                    let name = base.split_once('-').map_or(base, |(_, n)| n);
                    let (pname, version) = parse_name(name);
                    if !version.is_empty() {
                        side.packages.entry(pname).or_default().insert(version);
                    }
                }
            }
        }
        if let Ok((_, text)) = root.read_to_string("/etc/group") {
            for l in text.lines() {
                let f: Vec<&str> = l.split(':').collect();
                if f.len() >= 4 {
                    side.groups.insert(
                        f[0].to_string(),
                        f[3].split(',')
                            .filter(|m| !m.is_empty())
                            .map(str::to_string)
                            .collect(),
                    );
                }
            }
        }
        if let Ok((_, t)) = root.read_to_string("/etc/nix/nix.conf") {
            side.nix = conf_lines(&t, Some('='));
        }
        if let Ok((_, t)) = root.read_to_string("/etc/ssh/sshd_config") {
            side.sshd = conf_lines(&t, None);
        }
        side
    }
}

fn ch(
    kind: &'static str,
    subject: impl Into<String>,
    old: Option<String>,
    new: Option<String>,
    severity: Option<Severity>,
    rule: Option<&str>,
) -> Change {
    Change {
        kind,
        subject: subject.into(),
        old,
        new,
        severity,
        rule: rule.map(str::to_string),
    }
}

/// Settings of `nix.conf` and `sshd_config` that matter for security (others are not listed).
const NIX_KEYS: &[&str] = &[
    "trusted-users",
    "allowed-users",
    "substituters",
    "trusted-substituters",
    "trusted-public-keys",
    "extra-substituters",
    "extra-trusted-public-keys",
    "require-sigs",
    "sandbox",
    "sandbox-fallback",
    "build-users-group",
    "accept-flake-config",
    "extra-sandbox-paths",
    "builders",
    "experimental-features",
];
const SSHD_KEYS: &[&str] = &[
    "permitrootlogin",
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "challengeresponseauthentication",
    "permitemptypasswords",
    "pubkeyauthentication",
    "x11forwarding",
    "allowtcpforwarding",
    "allowagentforwarding",
    "allowstreamlocalforwarding",
    "gatewayports",
    "permittunnel",
    "maxauthtries",
    "authorizedkeysfile",
    "usepam",
    "port",
    "listenaddress",
    "allowusers",
    "allowgroups",
    "ciphers",
    "macs",
    "kexalgorithms",
];

/// How much worse a nix.conf change makes NEW: widened trust (a user, substituter or key
/// added), signatures or the sandbox turned off; `None` when it narrows or hardens; `Low` when
/// the direction is not known.
fn nix_worse(key: &str, old: Option<&String>, new: Option<&String>) -> Option<Severity> {
    let words = |v: Option<&String>| -> BTreeSet<String> {
        v.map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    };
    let is = |v: Option<&String>, x: &str| v.is_some_and(|v| v.trim() == x);
    match key {
        "trusted-users"
        | "allowed-users"
        | "substituters"
        | "trusted-substituters"
        | "extra-substituters"
        | "trusted-public-keys"
        | "extra-trusted-public-keys"
        | "extra-sandbox-paths" => {
            let (a, b) = (words(old), words(new));
            (!b.is_subset(&a)).then_some(Severity::Medium)
        }
        "require-sigs" => is(new, "false").then_some(Severity::High),
        "sandbox" => (is(new, "false") || is(new, "relaxed")).then_some(Severity::Medium),
        "sandbox-fallback" | "accept-flake-config" => is(new, "true").then_some(Severity::Medium),
        _ => Some(Severity::Low),
    }
}

/// How much worse an sshd_config change makes NEW: root login widened, a `yes`/`no` feature
/// turned on, more authentication tries; `None` when it narrows; `Low` when not known.
fn sshd_worse(key: &str, old: Option<&String>, new: Option<&String>) -> Option<Severity> {
    let low = |v: Option<&String>| v.map(|v| v.trim().to_ascii_lowercase());
    let (a, b) = (low(old), low(new));
    match key {
        "permitrootlogin" => {
            // OpenSSH's default is prohibit-password.
            let rank = |v: Option<&str>| match v.unwrap_or("prohibit-password") {
                "no" => 0,
                "forced-commands-only" => 1,
                "prohibit-password" | "without-password" => 2,
                _ => 3,
            };
            (rank(b.as_deref()) > rank(a.as_deref())).then_some(Severity::High)
        }
        "passwordauthentication"
        | "kbdinteractiveauthentication"
        | "challengeresponseauthentication"
        | "permitemptypasswords"
        | "x11forwarding"
        | "allowtcpforwarding"
        | "allowagentforwarding"
        | "allowstreamlocalforwarding"
        | "gatewayports"
        | "permittunnel" => match b.as_deref() {
            Some("no") => None,
            Some(_) => Some(Severity::Medium),
            None => Some(Severity::Low),
        },
        "maxauthtries" => {
            let n = |v: Option<&String>| v.and_then(|v| v.parse::<u32>().ok()).unwrap_or(6);
            (n(b.as_ref()) > n(a.as_ref())).then_some(Severity::Low)
        }
        _ => Some(Severity::Low),
    }
}

fn map_diff(
    out: &mut Vec<Change>,
    kind: &'static str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    keys: Option<&[&str]>,
    severity: fn(&str, Option<&String>, Option<&String>) -> Option<Severity>,
    rule: Option<&str>,
) {
    let all: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for k in all {
        if keys.is_some_and(|ks| !ks.contains(&k.as_str())) {
            continue;
        }
        let (a, b) = (old.get(k), new.get(k));
        if a != b {
            out.push(ch(
                kind,
                k.clone(),
                a.cloned(),
                b.cloned(),
                severity(k, a, b),
                rule,
            ));
        }
    }
}

/// The rule whose problems are the CVEs of the closure, one per `<name-version> <CVE>`.
const CVE_RULE: &str = "NIX-150";

/// The CVEs of NIX-150's failures by (package name without version, CVE id) → (name-version,
/// finding): a version change that keeps a CVE is not a change of that CVE.
fn cve_map(fs: &[Finding]) -> BTreeMap<(String, String), (String, &Finding)> {
    fs.iter()
        .filter(|f| f.status == Status::Fail)
        .filter_map(|f| {
            let (name, id) = f.subject.as_deref()?.rsplit_once(' ')?;
            if !id.starts_with("CVE-") && !id.starts_with("GHSA-") {
                return None;
            }
            let (pname, _) = parse_name(name);
            Some(((pname, id.to_string()), (name.to_string(), f)))
        })
        .collect()
}

/// `cve-introduced` and `cve-fixed`, subject `<package> <CVE>`, old and new the package's
/// versions on each side (`null` where it is not in the closure).
fn cves(out: &mut Vec<Change>, old: &Side, new: &Side) {
    let by_rule = |s: &Side| -> Vec<Finding> {
        s.findings
            .iter()
            .filter(|f| f.rule == CVE_RULE)
            .cloned()
            .collect()
    };
    let (fa, fb) = (by_rule(old), by_rule(new));
    let (a, b) = (cve_map(&fa), cve_map(&fb));
    let versions = |s: &Side, p: &str| {
        s.packages
            .get(p)
            .map(|v| v.iter().cloned().collect::<Vec<_>>().join(", "))
    };
    for ((pname, id), (name, f)) in &b {
        if !a.contains_key(&(pname.clone(), id.clone())) {
            out.push(ch(
                "cve-introduced",
                format!("{pname} {id}"),
                versions(old, pname),
                Some(parse_name(name).1),
                Some(f.severity),
                Some(CVE_RULE),
            ));
        }
    }
    for ((pname, id), (name, _)) in &a {
        if !b.contains_key(&(pname.clone(), id.clone())) {
            out.push(ch(
                "cve-fixed",
                format!("{pname} {id}"),
                Some(parse_name(name).1),
                versions(new, pname),
                None,
                Some(CVE_RULE),
            ));
        }
    }
}

/// Every change from `old` to `new`.
#[must_use]
pub fn diff(old: &Side, new: &Side) -> Vec<Change> {
    let mut out = Vec::new();
    // Rules: status changes, then problems by subject within a rule failing on both sides.
    let by_rule = |s: &Side| {
        let mut m: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
        for f in &s.findings {
            m.entry(f.rule.clone()).or_default().push(f.clone());
        }
        m
    };
    let (a, b) = (by_rule(old), by_rule(new));
    let status = |fs: Option<&Vec<Finding>>| -> Option<Status> {
        let fs = fs?;
        [Status::Fail, Status::Error, Status::Pass, Status::Skip]
            .into_iter()
            .find(|s| fs.iter().any(|f| f.status == *s))
    };
    let rules: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for r in rules {
        let (fa, fb) = (a.get(r), b.get(r));
        let (sa, sb) = (status(fa), status(fb));
        if r == CVE_RULE {
            cves(&mut out, old, new);
            // Pass and fail are told by the CVEs; a skip or error is a status change of its own.
            let told = |s: Option<Status>| matches!(s, Some(Status::Pass | Status::Fail));
            if sa != sb && !(told(sa) && told(sb)) {
                out.push(ch(
                    "rule-status",
                    r.clone(),
                    sa.map(|s| s.as_str().to_string()),
                    sb.map(|s| s.as_str().to_string()),
                    None,
                    Some(r),
                ));
            }
            continue;
        }
        let subjects = |fs: Option<&Vec<Finding>>| -> BTreeMap<String, Finding> {
            fs.into_iter()
                .flatten()
                .filter(|f| f.status == Status::Fail)
                .map(|f| {
                    (
                        unhash(&f.subject.clone().unwrap_or_else(|| f.rule.clone())),
                        f.clone(),
                    )
                })
                .collect()
        };
        if sa != sb {
            let worst = fb
                .into_iter()
                .flatten()
                .filter(|f| f.status == Status::Fail)
                .map(|f| f.severity)
                .max();
            let shown = |s: Option<Status>, fs: Option<&Vec<Finding>>| {
                s.map(|s| {
                    let subj: Vec<String> = subjects(fs).into_keys().collect();
                    if s == Status::Fail && !subj.is_empty() {
                        format!("fail: {}", subj.join(", "))
                    } else {
                        s.as_str().to_string()
                    }
                })
            };
            out.push(ch(
                "rule-status",
                r.clone(),
                shown(sa, fa),
                shown(sb, fb),
                if sb == Some(Status::Fail) {
                    worst
                } else {
                    None
                },
                Some(r),
            ));
            continue;
        }
        if sa == Some(Status::Fail) {
            let (pa, pb) = (subjects(fa), subjects(fb));
            for (s, f) in &pb {
                if !pa.contains_key(s) {
                    out.push(ch(
                        "problem-added",
                        s.clone(),
                        None,
                        Some(f.message.clone()),
                        Some(f.severity),
                        Some(r),
                    ));
                }
            }
            for (s, f) in &pa {
                if !pb.contains_key(s) {
                    out.push(ch(
                        "problem-removed",
                        s.clone(),
                        Some(f.message.clone()),
                        None,
                        None,
                        Some(r),
                    ));
                }
            }
        }
    }
    for (p, by) in &new.ports {
        if !old.ports.contains_key(p) {
            out.push(ch(
                "port-opened",
                p.clone(),
                None,
                Some(by.clone()),
                Some(Severity::Medium),
                Some("NIX-071"),
            ));
        }
    }
    for (p, by) in &old.ports {
        if !new.ports.contains_key(p) {
            out.push(ch(
                "port-closed",
                p.clone(),
                Some(by.clone()),
                None,
                None,
                Some("NIX-071"),
            ));
        }
    }
    for (u, (e, failing)) in &new.units {
        match old.units.get(u) {
            None => out.push(ch(
                "unit-added",
                u.clone(),
                None,
                Some(format!("{e:.1}")),
                None,
                Some("NIX-061"),
            )),
            Some((oe, ofail)) if (oe - e).abs() > 0.05 => {
                let weaker: Vec<&String> = failing.difference(ofail).collect();
                let stronger: Vec<&String> = ofail.difference(failing).collect();
                let mut what = Vec::new();
                if !weaker.is_empty() {
                    what.push(format!(
                        "now failing: {}",
                        weaker
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if !stronger.is_empty() {
                    what.push(format!(
                        "now passing: {}",
                        stronger
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                out.push(ch(
                    "unit-exposure",
                    u.clone(),
                    Some(format!("{oe:.1}")),
                    Some(format!("{e:.1} ({})", what.join("; "))),
                    (e > oe).then_some(Severity::Medium),
                    Some("NIX-061"),
                ));
            }
            Some(_) => {}
        }
    }
    for (u, (e, _)) in &old.units {
        if !new.units.contains_key(u) {
            out.push(ch(
                "unit-removed",
                u.clone(),
                Some(format!("{e:.1}")),
                None,
                None,
                Some("NIX-061"),
            ));
        }
    }
    for (w, d) in &new.wrappers {
        if old.wrappers.get(w) != Some(d) {
            out.push(ch(
                "wrapper-added",
                format!("/run/wrappers/bin/{w}"),
                old.wrappers.get(w).cloned(),
                Some(d.clone()),
                Some(Severity::High),
                Some("NIX-007"),
            ));
        }
    }
    for (w, d) in &old.wrappers {
        if !new.wrappers.contains_key(w) {
            out.push(ch(
                "wrapper-removed",
                format!("/run/wrappers/bin/{w}"),
                Some(d.clone()),
                None,
                None,
                Some("NIX-007"),
            ));
        }
    }
    for (g, members) in &new.groups {
        let before = old.groups.get(g);
        for m in members {
            if before.is_none_or(|b| !b.contains(m)) {
                let privileged = PRIVILEGED_GROUPS.contains(&g.as_str());
                out.push(ch(
                    "group-member-added",
                    format!("{g}:{m}"),
                    None,
                    Some(m.clone()),
                    Some(if privileged {
                        Severity::High
                    } else {
                        Severity::Info
                    }),
                    privileged.then_some("NIX-056"),
                ));
            }
        }
    }
    map_diff(
        &mut out,
        "nix-setting",
        &old.nix,
        &new.nix,
        Some(NIX_KEYS),
        nix_worse,
        None,
    );
    map_diff(
        &mut out,
        "sshd-setting",
        &old.sshd,
        &new.sshd,
        Some(SSHD_KEYS),
        sshd_worse,
        None,
    );
    for p in new.kernel_params.difference(&old.kernel_params) {
        out.push(ch(
            "kernel-param",
            p.clone(),
            None,
            Some(p.clone()),
            Some(Severity::Low),
            None,
        ));
    }
    for p in old.kernel_params.difference(&new.kernel_params) {
        out.push(ch(
            "kernel-param",
            p.clone(),
            Some(p.clone()),
            None,
            None,
            None,
        ));
    }
    map_diff(
        &mut out,
        "sysctl",
        &old.sysctl,
        &new.sysctl,
        None,
        |_, _, _| Some(Severity::Low),
        None,
    );
    if old.kernel != new.kernel {
        out.push(ch(
            "kernel",
            "kernel",
            old.kernel.clone(),
            new.kernel.clone(),
            None,
            Some("NIX-152"),
        ));
    }
    let pk: BTreeSet<&String> = old.packages.keys().chain(new.packages.keys()).collect();
    for p in pk {
        let (a, b) = (old.packages.get(p), new.packages.get(p));
        if a != b {
            let j = |v: Option<&BTreeSet<String>>| {
                v.map(|s| s.iter().cloned().collect::<Vec<_>>().join(", "))
            };
            out.push(ch("package", p.clone(), j(a), j(b), None, Some("NIX-150")));
        }
    }
    // Secrets newly in the closure: NIX-030/031/034/035 problems.
    for c in &mut out {
        if c.kind == "problem-added"
            && matches!(
                c.rule.as_deref(),
                Some("NIX-030" | "NIX-031" | "NIX-034" | "NIX-035")
            )
        {
            c.kind = "secret-added";
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_like_parse_drv_name() {
        assert_eq!(
            parse_name("openssl-3.0.6"),
            ("openssl".into(), "3.0.6".into())
        );
        assert_eq!(
            parse_name("linux-6.6.63-modules"),
            ("linux".into(), "6.6.63-modules".into())
        );
        assert_eq!(parse_name("etc"), ("etc".into(), String::new()));
    }

    #[test]
    fn settings_are_worse_only_in_one_direction() {
        let v = |x: &str| Some(x.to_string());
        let (root, wheel) = (v("root"), v("root @wheel"));
        assert_eq!(
            nix_worse("trusted-users", root.as_ref(), wheel.as_ref()),
            Some(Severity::Medium)
        );
        assert_eq!(
            nix_worse("trusted-users", wheel.as_ref(), root.as_ref()),
            None
        );
        assert_eq!(
            nix_worse("sandbox", v("true").as_ref(), v("relaxed").as_ref()),
            Some(Severity::Medium)
        );
        assert_eq!(
            nix_worse("sandbox", v("false").as_ref(), v("true").as_ref()),
            None
        );
        let (no, yes) = (v("no"), v("yes"));
        assert_eq!(
            sshd_worse("permitrootlogin", no.as_ref(), yes.as_ref()),
            Some(Severity::High)
        );
        assert_eq!(
            sshd_worse("permitrootlogin", yes.as_ref(), no.as_ref()),
            None
        );
        // Absent is OpenSSH's default, prohibit-password.
        assert_eq!(
            sshd_worse("permitrootlogin", None, v("without-password").as_ref()),
            None
        );
        assert_eq!(
            sshd_worse("passwordauthentication", no.as_ref(), yes.as_ref()),
            Some(Severity::Medium)
        );
        assert_eq!(sshd_worse("x11forwarding", yes.as_ref(), no.as_ref()), None);
    }

    fn fail(rule: &str, subject: &str, severity: Severity) -> Finding {
        Finding {
            rule: rule.into(),
            title: String::new(),
            section: String::new(),
            subject: Some(subject.into()),
            severity,
            status: Status::Fail,
            message: format!("{subject} found"),
            evidence: Vec::new(),
            remediation: nixsec_core::Remediation {
                text: String::new(),
                nixos: String::new(),
            },
            ignored: None,
        }
    }

    #[test]
    fn cves_by_package_and_secrets_by_subject() {
        let side = |findings: Vec<Finding>, openssl: &str| Side {
            findings,
            packages: [(
                "openssl".to_string(),
                [openssl.to_string()].into_iter().collect(),
            )]
            .into_iter()
            .collect(),
            ..Side::default()
        };
        let old = side(
            vec![
                fail("NIX-150", "openssl-3.0.13 CVE-2024-0727", Severity::Medium),
                fail(
                    "NIX-150",
                    "openssl-3.0.13 CVE-2024-5535",
                    Severity::Critical,
                ),
                fail(
                    "NIX-030",
                    "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a/token",
                    Severity::High,
                ),
            ],
            "3.0.13",
        );
        let new = side(
            vec![
                // kept across the version change: not a change of that CVE
                fail(
                    "NIX-150",
                    "openssl-3.0.14 CVE-2024-5535",
                    Severity::Critical,
                ),
                fail("NIX-150", "openssl-3.0.14 CVE-2024-6119", Severity::High),
                // the same secret under another hash, and a new one
                fail(
                    "NIX-030",
                    "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-a/token",
                    Severity::High,
                ),
                fail(
                    "NIX-030",
                    "/nix/store/cccccccccccccccccccccccccccccccc-b/.env",
                    Severity::High,
                ),
            ],
            "3.0.14",
        );
        type Row = (
            &'static str,
            String,
            Option<String>,
            Option<String>,
            Option<Severity>,
        );
        let got: Vec<Row> = diff(&old, &new)
            .into_iter()
            .filter(|c| c.kind != "package")
            .map(|c| (c.kind, c.subject, c.old, c.new, c.severity))
            .collect();
        let v = |s: &str| Some(s.to_string());
        assert_eq!(
            got,
            [
                (
                    "secret-added",
                    "/nix/store/…-b/.env".to_string(),
                    None,
                    v("/nix/store/cccccccccccccccccccccccccccccccc-b/.env found"),
                    Some(Severity::High)
                ),
                (
                    "cve-introduced",
                    "openssl CVE-2024-6119".to_string(),
                    v("3.0.13"),
                    v("3.0.14"),
                    Some(Severity::High)
                ),
                (
                    "cve-fixed",
                    "openssl CVE-2024-0727".to_string(),
                    v("3.0.13"),
                    v("3.0.14"),
                    None
                ),
            ]
        );
    }
}
