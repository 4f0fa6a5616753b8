//! NIX-050: a Flatpak app whose effective sandbox has sandbox-breaking permissions.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Severity};
use nixsec_isolation::flatpak::{AppView, Grade};

use crate::engine::Rule;
use crate::isolation::flatpak_scan;

/// Flatpak apps with sandbox-breaking effective permissions.
pub struct FlatpakSandboxBreaking;

crate::host_rule!("NIX-050", FlatpakSandboxBreaking);

/// What breaks one view's sandbox, in words.
fn verdict(a: &AppView) -> String {
    let mut parts = Vec::new();
    let list = |g: Grade| {
        a.breaches
            .iter()
            .filter(|b| b.grade == g)
            .map(|b| b.permission.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let esc = list(Grade::Escape);
    let weak = list(Grade::Weakening);
    if !esc.is_empty() {
        parts.push(format!("ESCAPE {esc}"));
    }
    if !weak.is_empty() {
        parts.push(format!("weakens {weak}"));
    }
    if parts.is_empty() {
        parts.push("confined".into());
    }
    parts.join("; ")
}

/// The table of apps: one evidence row per app view, on the installation's `app` directory,
/// with the app id and the view padded into columns (`ID  VIEW  VERDICT`).
fn table(apps: &[AppView]) -> Vec<Evidence> {
    let view = |a: &AppView| match &a.as_user {
        Some(u) => format!("{} + {u}'s overrides", a.installation),
        None => a.installation.clone(),
    };
    let w_id = apps.iter().map(|a| a.id.chars().count()).max().unwrap_or(0);
    let w_view = apps
        .iter()
        .map(|a| view(a).chars().count())
        .max()
        .unwrap_or(0);
    apps.iter()
        .map(|a| {
            let dir = a
                .app_dir
                .rsplit_once('/')
                .map_or(a.app_dir.as_str(), |(d, _)| d);
            Evidence::value(
                dir,
                format!("{:<w_id$}  {:<w_view$}  {}", a.id, view(a), verdict(a)),
            )
        })
        .collect()
}

impl Rule for FlatpakSandboxBreaking {
    fn check(&self, cx: &HostCx) -> Outcome {
        let scan = flatpak_scan(cx);
        if scan.installations.is_empty() {
            if let Some(e) = scan.errors.first() {
                return Outcome::error(format!("Flatpak installations could not be listed: {e}"));
            }
            return Outcome::skip(
                "no Flatpak installation (/var/lib/flatpak or ~/.local/share/flatpak)",
            );
        }
        let bad: Vec<&AppView> = scan
            .apps
            .iter()
            .filter(|a| !a.breaches.is_empty())
            .collect();
        let errors = if scan.errors.is_empty() {
            String::new()
        } else {
            format!("; not assessed: {}", scan.errors.join("; "))
        };
        if bad.is_empty() {
            if !scan.errors.is_empty() {
                return Outcome::error(scan.errors.join("; ")).with_evidence(table(&scan.apps));
            }
            return Outcome::pass(format!(
                "{} Flatpak app view(s) checked, none with a sandbox-breaking permission",
                scan.apps.len()
            ))
            .with_evidence(table(&scan.apps));
        }
        let escaping: Vec<&&AppView> = bad
            .iter()
            .filter(|a| a.breaches.iter().any(|b| b.grade == Grade::Escape))
            .collect();
        let mut ids: Vec<&str> = bad.iter().map(|a| a.id.as_str()).collect();
        ids.dedup();
        let mut esc_ids: Vec<&str> = escaping.iter().map(|a| a.id.as_str()).collect();
        esc_ids.dedup();
        let msg = format!(
            "{} Flatpak app(s) with sandbox-breaking permissions ({}){}{errors}",
            ids.len(),
            ids.join(", "),
            if esc_ids.is_empty() {
                String::new()
            } else {
                format!(
                    ", {} can run code outside the sandbox ({})",
                    esc_ids.len(),
                    esc_ids.join(", ")
                )
            }
        );
        let out =
            Outcome::fail(nixsec_core::escape(&msg).into_owned()).with_evidence(table(&scan.apps));
        if escaping.is_empty() {
            out
        } else {
            out.with_severity(Severity::High)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::fixtures::{flatpak_root, PASSWD};
    use crate::testing::*;

    #[test]
    fn fixture_apps_fail_high_with_a_row_per_view() {
        let o = run(&FlatpakSandboxBreaking, &flatpak_root());
        let Some(crate::testing::Failed {
            message,
            evidence,
            severity,
            ..
        }) = crate::testing::failed(&o)
        else {
            panic!("{o:?}")
        };
        assert_eq!(severity, Some(Severity::High));
        assert!(message.contains("org.example.SandboxEscape"), "{message}");
        assert!(!message.contains("org.gnome.Calculator"), "{message}");
        let rows: Vec<(String, String)> = evidence
            .iter()
            .map(|e| (e.path.clone(), e.value.clone().unwrap_or_default()))
            .collect();
        let row = |id: &str, view: &str| {
            rows.iter()
                .find(|(_, v)| {
                    let cols: Vec<&str> = v
                        .split("  ")
                        .filter(|c| !c.is_empty())
                        .map(str::trim)
                        .collect();
                    cols[0] == id && cols[1] == view
                })
                .unwrap_or_else(|| panic!("{id} {view}: {rows:#?}"))
        };
        let (path, v) = row("com.spotify.Client", "system");
        assert_eq!(path, "/var/lib/flatpak/app");
        assert!(
            v.ends_with("  ESCAPE filesystems=home sockets=session-bus; weakens sockets=x11"),
            "{v}"
        );
        let (_, v) = row("com.spotify.Client", "system + alice's overrides");
        assert!(
            v.ends_with("  ESCAPE filesystems=home sockets=session-bus"),
            "{v}"
        );
        let (_, v) = row("org.gnome.Calculator", "system");
        assert!(v.ends_with("  confined"), "{v}");
        let (path, v) = row("org.example.SandboxEscape", "user alice");
        assert_eq!(path, "/home/alice/.local/share/flatpak/app");
        assert!(v.contains("filesystems=/run/docker.sock"), "{v}");
        // Columns line up: every verdict starts at the same offset.
        let starts: Vec<usize> = rows
            .iter()
            .filter(|(p, _)| p == "/var/lib/flatpak/app")
            .map(|(_, v)| {
                v.find("ESCAPE")
                    .or_else(|| v.find("confined"))
                    .or_else(|| v.find("weakens"))
                    .unwrap_or(0)
            })
            .collect();
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{rows:#?}");
    }

    #[test]
    fn confined_apps_pass() {
        let b = RootBuilder::new().file("/etc/passwd", PASSWD).tree(
            "/var/lib/flatpak/app/org.gnome.Calculator",
            &crate::isolation::fixtures::dir("flatpak/var-lib-flatpak/app/org.gnome.Calculator"),
        );
        let o = run(&FlatpakSandboxBreaking, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        // Without an installation the rule does not apply.
        let o = run(
            &FlatpakSandboxBreaking,
            &RootBuilder::new().file("/etc/passwd", PASSWD),
        );
        assert_eq!(o.status(), Status::Skip, "{}", message(&o));
    }

    #[test]
    fn garbage_metadata_is_an_error_never_a_pass() {
        let b = RootBuilder::new()
            .file("/etc/passwd", PASSWD)
            .file(
                "/var/lib/flatpak/app/org.example.Bad/x86_64/stable/abc/metadata",
                "{\"not\": \"a keyfile\"}\n",
            )
            .symlink(
                "/var/lib/flatpak/app/org.example.Bad/x86_64/stable/active",
                "abc",
            );
        let o = run(&FlatpakSandboxBreaking, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(
            message(&o)
                .contains("/var/lib/flatpak/app/org.example.Bad/x86_64/stable/active/metadata"),
            "{}",
            message(&o)
        );
        // An override with an invalid policy also stops the app's assessment.
        let b = RootBuilder::new()
            .file("/etc/passwd", PASSWD)
            .tree(
                "/var/lib/flatpak/app/org.gnome.Calculator",
                &crate::isolation::fixtures::dir(
                    "flatpak/var-lib-flatpak/app/org.gnome.Calculator",
                ),
            )
            .file(
                "/var/lib/flatpak/overrides/org.gnome.Calculator",
                "[Session Bus Policy]\norg.freedesktop.Flatpak=yes-please\n",
            );
        let o = run(&FlatpakSandboxBreaking, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(
            message(&o).contains("/var/lib/flatpak/overrides/org.gnome.Calculator"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn symlink_loop_in_an_app_is_an_error() {
        let b = RootBuilder::new().file("/etc/passwd", PASSWD).symlink(
            "/var/lib/flatpak/app/org.example.Loop/x86_64/stable/active",
            "active",
        );
        let o = run(&FlatpakSandboxBreaking, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
    }
}
