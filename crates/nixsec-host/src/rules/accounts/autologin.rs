//! NIX-136: a console or display manager logs a user in automatically.

use crate::cx::HostCx;
use crate::engine::Rule;
use crate::kernel::not_checked;
use nixsec_core::{Evidence, Outcome, Problem, Severity};

/// getty `--autologin`, GDM `AutomaticLoginEnable`, SDDM `[Autologin] User=`, LightDM
/// `autologin-user=`.
pub struct Autologin;

crate::host_rule!("NIX-136", Autologin);

fn getty_user(text: &str) -> Option<String> {
    for l in text.lines() {
        let w: Vec<&str> = l.split_whitespace().collect();
        for (i, x) in w.iter().enumerate() {
            if let Some(u) = x.strip_prefix("--autologin=") {
                return Some(u.to_string());
            }
            if *x == "--autologin" || *x == "-a" {
                return w
                    .get(i + 1)
                    .map(|u| u.trim_matches(['\'', '"']).to_string());
            }
        }
    }
    None
}

fn ini_value(text: &str, section: Option<&str>, key: &str) -> Option<(u32, String)> {
    let mut cur = String::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.starts_with('[') && l.ends_with(']') {
            cur = l[1..l.len() - 1].to_string();
            continue;
        }
        if let Some((k, v)) = l.split_once('=') {
            if k.trim() == key && section.is_none_or(|s| s.eq_ignore_ascii_case(&cur)) {
                return Some((
                    u32::try_from(i + 1).unwrap_or(u32::MAX),
                    v.trim().to_string(),
                ));
            }
        }
    }
    None
}

impl Rule for Autologin {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let mut found: Vec<(String, Evidence)> = Vec::new();
        let mut errors = Vec::new();
        let mut read = |p: &str| -> Option<String> {
            match root.read_to_string(p) {
                Ok((_, t)) => Some(t),
                Err(e) if e.is_not_found() => None,
                Err(e) => {
                    errors.push(e.to_string());
                    None
                }
            }
        };
        let mut files: Vec<String> = Vec::new();
        for unit in ["getty@", "autovt@", "serial-getty@", "console-getty"] {
            files.push(format!("/etc/systemd/system/{unit}.service"));
            if let Ok((_, names)) = root.read_dir(format!("/etc/systemd/system/{unit}.service.d")) {
                files.extend(names.iter().map(|n| {
                    format!(
                        "/etc/systemd/system/{unit}.service.d/{}",
                        n.to_string_lossy()
                    )
                }));
            }
        }
        for f in &files {
            if let Some(t) = read(f) {
                if let Some(u) = getty_user(&t) {
                    found.push((u.clone(), Evidence::value(f, format!("--autologin {u}"))));
                }
            }
        }
        if let Some(t) = read("/etc/gdm/custom.conf") {
            if ini_value(&t, Some("daemon"), "AutomaticLoginEnable")
                .is_some_and(|(_, v)| v.eq_ignore_ascii_case("true"))
            {
                let (line, u) =
                    ini_value(&t, Some("daemon"), "AutomaticLogin").unwrap_or((0, "?".into()));
                found.push((
                    u.clone(),
                    Evidence::line("/etc/gdm/custom.conf", line, format!("AutomaticLogin={u}")),
                ));
            }
        }
        let mut sddm = vec!["/etc/sddm.conf".to_string()];
        if let Ok((_, names)) = root.read_dir("/etc/sddm.conf.d") {
            sddm.extend(
                names
                    .iter()
                    .map(|n| format!("/etc/sddm.conf.d/{}", n.to_string_lossy())),
            );
        }
        for f in &sddm {
            if let Some(t) = read(f) {
                if let Some((line, u)) =
                    ini_value(&t, Some("Autologin"), "User").filter(|(_, u)| !u.is_empty())
                {
                    found.push((u.clone(), Evidence::line(f, line, format!("User={u}"))));
                }
            }
        }
        if let Some(t) = read("/etc/lightdm/lightdm.conf") {
            if let Some((line, u)) =
                ini_value(&t, None, "autologin-user").filter(|(_, u)| !u.is_empty())
            {
                found.push((
                    u.clone(),
                    Evidence::line(
                        "/etc/lightdm/lightdm.conf",
                        line,
                        format!("autologin-user={u}"),
                    ),
                ));
            }
        }
        if !found.is_empty() {
            // One problem per user, with every place that logs them in.
            let mut problems: Vec<Problem> = Vec::new();
            for (u, ev) in found {
                let name = nixsec_core::escape(&u).into_owned();
                match problems
                    .iter_mut()
                    .find(|p| p.subject.as_deref() == Some(name.as_str()))
                {
                    Some(p) => p.evidence.push(ev),
                    None => problems.push(
                        Problem::about(name.as_str(), format!("automatic login as `{name}`"))
                            .with_evidence([ev])
                            .with_severity_opt((u == "root").then_some(Severity::High)),
                    ),
                }
            }
            problems.extend(errors.iter().map(|e| not_checked(e)));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        Outcome::pass("no getty or display manager logs in automatically")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{pairs, problems};
    use crate::testing::*;

    #[test]
    fn getty_autologin_root_is_high() {
        // As NixOS writes services.getty.autologinUser = "root".
        let b = RootBuilder::new().file(
            "/etc/systemd/system/getty@.service.d/overrides.conf",
            "[Service]\nExecStart=\nExecStart=@/nix/store/x-util-linux/sbin/agetty agetty --login-program /nix/store/y-shadow/bin/login --autologin root --noclear --keep-baud %I 115200,38400,9600 $TERM\n",
        );
        let o = run(&Autologin, &b);
        assert_eq!(
            problems(&o),
            [(
                "root".into(),
                "automatic login as `root`".into(),
                Some(Severity::High)
            )]
        );
    }

    #[test]
    fn each_user_is_its_own_problem() {
        // As the weak fixture root: getty logs root in, SDDM alice; GDM alice again.
        let b = RootBuilder::new()
            .file(
                "/etc/systemd/system/getty@.service.d/overrides.conf",
                "[Service]\nExecStart=\nExecStart=@agetty agetty --autologin root --noclear %I $TERM\n",
            )
            .file("/etc/sddm.conf", "[Autologin]\nUser=alice\n")
            .file(
                "/etc/gdm/custom.conf",
                "[daemon]\nAutomaticLoginEnable=true\nAutomaticLogin=alice\n",
            );
        let o = run(&Autologin, &b);
        assert_eq!(
            problems(&o),
            [
                (
                    "root".into(),
                    "automatic login as `root`".into(),
                    Some(Severity::High)
                ),
                ("alice".into(), "automatic login as `alice`".into(), None)
            ]
        );
        assert_eq!(
            o.problems()[1].evidence,
            [
                Evidence::line("/etc/gdm/custom.conf", 3, "AutomaticLogin=alice"),
                Evidence::line("/etc/sddm.conf", 2, "User=alice")
            ]
        );
    }

    #[test]
    fn display_managers() {
        let b = RootBuilder::new().file(
            "/etc/sddm.conf",
            "[Autologin]\nRelogin=false\nSession=plasma\nUser=alice\n",
        );
        let o = run(&Autologin, &b);
        assert_eq!(
            problems(&o),
            [("alice".into(), "automatic login as `alice`".into(), None)]
        );
        let b = RootBuilder::new().file(
            "/etc/gdm/custom.conf",
            "[daemon]\nAutomaticLoginEnable=True\nAutomaticLogin=bob\n",
        );
        assert_eq!(
            pairs(&run(&Autologin, &b)),
            [("bob".into(), "automatic login as `bob`".into())]
        );
        let b = RootBuilder::new().file(
            "/etc/gdm/custom.conf",
            "[daemon]\nAutomaticLoginEnable=false\nAutomaticLogin=bob\n",
        );
        assert_eq!(run(&Autologin, &b).status(), Status::Pass);
    }

    #[test]
    fn nothing_passes_and_unreadable_is_an_error() {
        let b = RootBuilder::new().file(
            "/etc/systemd/system/getty@.service",
            "[Service]\nExecStart=-/sbin/agetty -o '-p -- \\\\u' --noclear - $TERM\n",
        );
        assert_eq!(run(&Autologin, &b).status(), Status::Pass);
        let b = RootBuilder::new().dir("/etc/sddm.conf", 0o700);
        assert_eq!(run(&Autologin, &b).status(), Status::Error);
    }
}
