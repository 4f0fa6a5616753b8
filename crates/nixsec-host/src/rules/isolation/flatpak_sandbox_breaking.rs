//! NIX-050: a Flatpak app whose effective sandbox has sandbox-breaking permissions.

use crate::cx::HostCx;
use nixsec_core::{escape, Evidence, Outcome, Problem, Severity};
use nixsec_isolation::flatpak::{AppView, Grade};

use crate::engine::Rule;
use crate::isolation::{flatpak_scan, unread};

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
        let rows = table(&scan.apps);
        let mut ids: Vec<&str> = scan
            .apps
            .iter()
            .filter(|a| !a.breaches.is_empty())
            .map(|a| a.id.as_str())
            .collect();
        ids.dedup();
        if ids.is_empty() {
            if !scan.errors.is_empty() {
                return Outcome::error(scan.errors.join("; ")).with_evidence(rows);
            }
            return Outcome::pass(format!(
                "{} Flatpak app view(s) checked, none with a sandbox-breaking permission",
                scan.apps.len()
            ))
            .with_evidence(rows);
        }
        // One problem per app, with a row per view of it (the columns line up across apps).
        let mut problems: Vec<Problem> = Vec::new();
        for id in ids {
            if problems.iter().any(|p| p.subject.as_deref() == Some(id)) {
                continue;
            }
            let views: Vec<usize> = (0..scan.apps.len())
                .filter(|&i| scan.apps[i].id == id)
                .collect();
            let escapes = views.iter().any(|&i| {
                scan.apps[i]
                    .breaches
                    .iter()
                    .any(|b| b.grade == Grade::Escape)
            });
            let name = escape(id);
            let p = Problem::about(
                name.as_ref(),
                if escapes {
                    format!("Flatpak app `{name}` can run code outside its sandbox")
                } else {
                    format!("Flatpak app `{name}` has sandbox-weakening permissions")
                },
            )
            .with_evidence(views.iter().map(|&i| rows[i].clone()));
            problems.push(if escapes {
                p.with_severity(Severity::High)
            } else {
                p
            });
        }
        problems.extend(scan.errors.iter().map(|e| unread(e)));
        Outcome::Fail { problems }
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
        let p = o.problems();
        let mut subjects: Vec<&str> = p.iter().filter_map(|p| p.subject.as_deref()).collect();
        subjects.sort_unstable();
        // org.gnome.Calculator is confined in every view.
        assert_eq!(
            subjects,
            [
                "com.github.tchx84.Flatseal",
                "com.spotify.Client",
                "com.visualstudio.code",
                "org.example.SandboxEscape"
            ],
            "{o:?}"
        );
        assert!(
            p.iter().all(|p| p.severity == Some(Severity::High)),
            "{p:?}"
        );
        let app = |id: &str| {
            p.iter()
                .find(|p| p.subject.as_deref() == Some(id))
                .unwrap_or_else(|| panic!("{id}: {p:#?}"))
        };
        let rows = |id: &str| -> Vec<(String, String)> {
            app(id)
                .evidence
                .iter()
                .map(|e| (e.path.clone(), e.value.clone().unwrap_or_default()))
                .collect()
        };
        let spotify = rows("com.spotify.Client");
        assert_eq!(
            app("com.spotify.Client").message,
            "Flatpak app `com.spotify.Client` can run code outside its sandbox"
        );
        assert_eq!(spotify.len(), 2, "{spotify:#?}");
        let view = |v: &str| {
            let cols: Vec<String> = v
                .split("  ")
                .filter(|c| !c.is_empty())
                .map(|c| c.trim().to_string())
                .collect();
            (cols[0].clone(), cols[1].clone())
        };
        assert_eq!(spotify[0].0, "/var/lib/flatpak/app");
        assert_eq!(
            view(&spotify[0].1),
            ("com.spotify.Client".to_string(), "system".to_string())
        );
        assert!(
            spotify[0]
                .1
                .ends_with("  ESCAPE filesystems=home sockets=session-bus; weakens sockets=x11"),
            "{spotify:#?}"
        );
        assert_eq!(
            view(&spotify[1].1),
            (
                "com.spotify.Client".to_string(),
                "system + alice's overrides".to_string()
            )
        );
        assert!(
            spotify[1]
                .1
                .ends_with("  ESCAPE filesystems=home sockets=session-bus"),
            "{spotify:#?}"
        );
        let escape = rows("org.example.SandboxEscape");
        assert_eq!(escape.len(), 1);
        assert_eq!(escape[0].0, "/home/alice/.local/share/flatpak/app");
        assert!(
            escape[0].1.contains("filesystems=/run/docker.sock"),
            "{escape:?}"
        );
        // Columns line up across the apps: every verdict starts at the same offset.
        let starts: Vec<usize> = p
            .iter()
            .flat_map(|p| p.evidence.iter())
            .filter(|e| e.path == "/var/lib/flatpak/app")
            .filter_map(|e| e.value.as_deref())
            .map(|v| {
                v.find("ESCAPE")
                    .or_else(|| v.find("confined"))
                    .or_else(|| v.find("weakens"))
                    .unwrap_or(0)
            })
            .collect();
        assert_eq!(starts.len(), 6, "three system apps, two views each");
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{p:#?}");
    }

    #[test]
    fn weakening_only_is_medium_and_a_confined_app_has_a_row_in_the_pass() {
        let calculator = || {
            RootBuilder::new().file("/etc/passwd", PASSWD).tree(
                "/var/lib/flatpak/app/org.gnome.Calculator",
                &crate::isolation::fixtures::dir(
                    "flatpak/var-lib-flatpak/app/org.gnome.Calculator",
                ),
            )
        };
        let o = run(&FlatpakSandboxBreaking, &calculator());
        let Outcome::Pass { evidence, .. } = &o else {
            panic!("{o:?}")
        };
        assert_eq!(evidence.len(), 1, "{evidence:?}");
        assert!(
            evidence[0]
                .value
                .as_deref()
                .is_some_and(|v| v.starts_with("org.gnome.Calculator  system  ")
                    && v.ends_with("  confined")),
            "{evidence:?}"
        );
        // Without an installation the rule does not apply.
        let o = run(
            &FlatpakSandboxBreaking,
            &RootBuilder::new().file("/etc/passwd", PASSWD),
        );
        assert_eq!(o.status(), Status::Skip, "{}", message(&o));
        let b = calculator().file(
            "/var/lib/flatpak/overrides/org.gnome.Calculator",
            "[Context]\ndevices=all;\n",
        );
        let o = run(&FlatpakSandboxBreaking, &b);
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("org.gnome.Calculator"));
        assert_eq!(
            p[0].message,
            "Flatpak app `org.gnome.Calculator` has sandbox-weakening permissions"
        );
        assert_eq!(p[0].severity, None, "the catalogue's medium");
        assert!(
            p[0].evidence[0]
                .value
                .as_deref()
                .is_some_and(|v| v.ends_with("  weakens devices=all")),
            "{p:?}"
        );
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
