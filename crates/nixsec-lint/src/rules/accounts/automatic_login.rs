//! NIX-136: a user logged in automatically (getty, display manager, greetd, macOS).

use nixsec_core::Severity;

use crate::config::{ConfigHit, ConfigView};
use crate::index::{Assignment, ModuleKind};
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct AutomaticLogin;

crate::lint_rule!("NIX-136", AutomaticLogin);

/// Options whose value is the user logged in.
const USER: &[&[&str]] = &[
    &["services", "getty", "autologinUser"],
    &["services", "kmscon", "autologinUser"],
    &["services", "mingetty", "autologinUser"],
    &["system", "defaults", "loginwindow", "autoLoginUser"],
];

/// The display managers' user to log in (the old name is an alias of the new).
const DM_USER: &[&[&str]] = &[
    &["services", "displayManager", "autoLogin", "user"],
    &["services", "xserver", "displayManager", "autoLogin", "user"],
];

/// Their switch: `enable` defaults to `user != null` (nixpkgs'
/// `nixos/modules/services/display-managers/default.nix`).
const DM_ENABLE: &[&[&str]] = &[
    &["services", "displayManager", "autoLogin", "enable"],
    &[
        "services",
        "xserver",
        "displayManager",
        "autoLogin",
        "enable",
    ],
];

/// A greeter program (`tuigreet`, `gtkgreet`, `regreet`, `agreety`, `nwg-hello`, in `cage`
/// or not): what greetd's `default_session` normally runs, as the `greeter` user.
fn greeter(command: &str) -> bool {
    let c = command.to_ascii_lowercase();
    c.contains("greet") || c.contains("nwg-hello") || c.contains("lemurs")
}

/// greetd's `default_session` that runs a user's own session (`{ command = "niri-session";
/// user = "alice"; }`) instead of a greeter: that user is logged in, with no password, at
/// boot and after every logout. The NixOS default runs `agreety` as `greeter`.
fn default_session(a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
    let text = |v: &crate::value::Val| v.v.text().map(str::to_string);
    // A user named by an expression (`config.users.users.alice.name`, `username`).
    let user_of = |v: &crate::value::Val| match &v.v {
        Value::Unknown(t) if crate::value::user_name_expr(t) => Some(t.clone()),
        _ => text(v),
    };
    let (user, command) = match &a.value.v {
        Value::Attrs(_) => (
            a.value.v.attr("user").and_then(user_of),
            a.value.v.attr("command").and_then(text),
        ),
        // `default_session.user = "alice";` beside its `command` in this file (either may be
        // built at evaluation: `user = "${username}"`).
        Value::Str(u) | Value::Interp(u) | Value::Unknown(u)
            if a.path.len() == 5
                && (!matches!(a.value.v, Value::Unknown(_)) || crate::value::user_name_expr(u)) =>
        {
            (
                Some(u.clone()),
                cx.index
                    .find(&[
                        "services",
                        "greetd",
                        "settings",
                        "default_session",
                        "command",
                    ])
                    .find(|c| {
                        c.module == a.module
                            && c.condition.as_deref()
                                == crate::engine::written_condition(a.condition.as_deref())
                    })
                    .and_then(|c| text(&c.value)),
            )
        }
        _ => return,
    };
    let (Some(user), Some(command)) = (user, command) else {
        return;
    };
    // Beside an `initial_session` (the login at boot), a second one: after every logout.
    if user == "greeter" || greeter(&command) {
        return;
    }
    let program = command.split_whitespace().next().unwrap_or(&command);
    let program = program.rsplit('/').next().unwrap_or(program);
    // `default_session = initial_session;` (of a `rec` set): the values are the initial
    // session's, written earlier; the finding is where this session is set.
    let range = same_as_initial(cx.src)
        .filter(|r| r.start() > a.value.range.start())
        .unwrap_or(a.value.range);
    let h = Hit::new(
        range,
        format!(
            "greetd's `default_session` runs `{program}` as `{user}` with no greeter: `{user}` is logged in automatically at boot and after every logout"
        ),
    )
    .subject("services.greetd.settings.default_session")
    .fix("services.greetd.settings.default_session.command = \"${pkgs.greetd.tuigreet}/bin/tuigreet --cmd niri-session\";  # user = \"greeter\" (the default)");
    out.push(as_user(h, Some(user.as_str())));
}

/// Where `default_session = initial_session` is written in `src`, if it is.
fn same_as_initial(src: &str) -> Option<rnix::TextRange> {
    let mut from = 0;
    while let Some(k) = src.get(from..)?.find("default_session") {
        let at = from + k;
        let rest = &src[at + "default_session".len()..];
        let after = rest.trim_start();
        if let Some(v) = after.strip_prefix('=') {
            if v.trim_start().starts_with("initial_session") {
                let end = src.len() - v.trim_start().len() + "initial_session".len();
                let s = u32::try_from(at).ok()?;
                let e = u32::try_from(end).ok()?;
                return Some(rnix::TextRange::new(s.into(), e.into()));
            }
        }
        from = at + "default_session".len();
    }
    None
}

/// The hit, high when the user logged in is root.
fn as_user(h: Hit, user: Option<&str>) -> Hit {
    if user == Some("root") {
        h.severity(Severity::High)
    } else {
        h
    }
}

impl LintRule for AutomaticLogin {
    fn kinds(&self) -> &'static [ModuleKind] {
        &[ModuleKind::NixOS, ModuleKind::Darwin]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["services", "getty", "autologinUser"],
            &["services", "kmscon", "autologinUser"],
            &["services", "mingetty", "autologinUser"],
            &["system", "defaults", "loginwindow", "autoLoginUser"],
            &["services", "displayManager", "autoLogin", "enable"],
            &[
                "services",
                "xserver",
                "displayManager",
                "autoLogin",
                "enable",
            ],
            &[
                "services",
                "xserver",
                "displayManager",
                "lightdm",
                "autoLogin",
                "enable",
            ],
            &[
                "services",
                "xserver",
                "displayManager",
                "gdm",
                "autoLogin",
                "enable",
            ],
            &[
                "services",
                "xserver",
                "displayManager",
                "sddm",
                "autoLogin",
                "enable",
            ],
            &["services", "greetd", "settings", "initial_session"],
            &["services", "greetd", "settings", "initial_session", "user"],
            &["services", "greetd", "settings", "default_session"],
            &["services", "greetd", "settings", "default_session", "user"],
            // Jovian NixOS (Steam Deck): the Steam session of `jovian.steam.user` at boot.
            &["jovian", "steam", "autoStart"],
            // agetty's login options `-f USER`: login(1) without authentication.
            &["services", "getty", "loginOptions"],
            // SLiM (removed in NixOS 20.03): `autoLogin = true` logs `defaultUser` in.
            &["services", "xserver", "displayManager", "slim", "autoLogin"],
        ]
    }
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[
            &[
                "services",
                "greetd",
                "settings",
                "default_session",
                "command",
            ],
            &["jovian", "steam", "user"],
            &[
                "services",
                "xserver",
                "displayManager",
                "slim",
                "defaultUser",
            ],
            &["services", "displayManager", "autoLogin", "user"],
            &["services", "xserver", "displayManager", "autoLogin", "user"],
            &[
                "services",
                "xserver",
                "displayManager",
                "lightdm",
                "autoLogin",
                "user",
            ],
            &[
                "services",
                "xserver",
                "displayManager",
                "gdm",
                "autoLogin",
                "user",
            ],
            &[
                "services",
                "xserver",
                "displayManager",
                "sddm",
                "autoLogin",
                "user",
            ],
        ]
    }
    /// `autoLogin.user` set where no module of the host sets `autoLogin.enable`: the switch
    /// defaults to `user != null`, so naming the user is turning automatic login on.
    fn check_config(&self, cfg: &ConfigView<'_>, out: &mut Vec<ConfigHit>) {
        if cfg.cfg.kind != ModuleKind::NixOS || cfg.is_set(DM_ENABLE) {
            return;
        }
        // Read by GDM, SDDM and LightDM (the X server's default one); greetd and others take
        // their own settings (a greetd `initial_session` built from it is judged there).
        let dm = [
            &["services", "displayManager", "gdm", "enable"][..],
            &["services", "displayManager", "sddm", "enable"],
            &["services", "xserver", "displayManager", "gdm", "enable"],
            &["services", "xserver", "displayManager", "sddm", "enable"],
            &["services", "xserver", "displayManager", "lightdm", "enable"],
        ]
        .iter()
        .any(|p| cfg.enabled(p).is_some())
            || (cfg.enabled(&["services", "xserver", "enable"]).is_some()
                && cfg.enabled(&["services", "greetd", "enable"]).is_none());
        if !dm {
            return;
        }
        let unless = cfg.unless_set_elsewhere();
        for pat in DM_USER {
            for (file, a) in cfg.find(pat) {
                let who = match &a.value.v {
                    Value::Str(u) | Value::Interp(u) if !u.trim().is_empty() => u.clone(),
                    _ => continue,
                };
                let mut message = format!(
                    "the display manager logs `{who}` in automatically: `autoLogin.enable` is never set and defaults to `autoLogin.user != null`"
                );
                if let Some(u) = &unless {
                    message.push_str(&format!("; {u}"));
                }
                let condition = match (a.condition.clone(), unless.clone()) {
                    (Some(c), Some(u)) => Some(format!("{c} && {u}")),
                    (c, u) => c.or(u),
                };
                out.push(ConfigHit {
                    file,
                    range: a.value.range,
                    message,
                    severity: (who == "root").then_some(Severity::High),
                    fix: Some(
                        "services.displayManager.autoLogin.user = null;  # or autoLogin.enable = false"
                            .into(),
                    ),
                    option: "services.displayManager.autoLogin.enable".into(),
                    value: Some(format!("user = \"{who}\"")),
                    condition,
                    subject: Some(format!("services.displayManager.autoLogin.user: {who}")),
                });
            }
        }
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let option = crate::value::path_string(&a.path);
        if a.path.last().is_some_and(|l| l == "loginOptions") {
            // `-f USER` (or `-f` alone before the name agetty adds): login(1) trusts that the
            // user was authenticated already and asks no password.
            let text = match &a.value.v {
                Value::Str(t) | Value::Interp(t) => t.clone(),
                _ => return,
            };
            let mut words = text.split_whitespace();
            let Some(who) = words.by_ref().position(|w| w == "-f").map(|_| {
                words
                    .next()
                    .filter(|w| !w.starts_with('-') && *w != "\\u")
                    .unwrap_or("the user at the prompt")
                    .to_string()
            }) else {
                return;
            };
            let h = Hit::new(
                a.value.range,
                format!("the console logs `{who}` in without a password (`login -f`)"),
            )
            .subject(format!("{option}: {who}"))
            .fix(format!("# remove `-f` from {option}"));
            out.push(as_user(h, Some(&who)));
            return;
        }
        if USER.iter().any(|p| a.is(p)) {
            let who = match &a.value.v {
                Value::Null => return,
                Value::Str(u) if u.is_empty() => return,
                Value::Str(u) => u.clone(),
                Value::Interp(u) => u.clone(),
                _ => "a user".into(),
            };
            let how = if a.path[0] == "system" {
                "macOS logs"
            } else {
                "the console logs"
            };
            let h = Hit::new(a.value.range, format!("{how} `{who}` in automatically"))
                .subject(format!("{option}: {who}"))
                .fix(format!("{option} = null;"));
            out.push(as_user(h, Some(&who)));
            return;
        }
        if a.path
            .last()
            .is_some_and(|l| l == "enable" || l == "autoStart" || l == "autoLogin")
        {
            if a.value.v.as_bool() != Some(true) {
                return;
            }
            // The user, when the file names it beside the switch.
            let mut user_path: Vec<&str> = a.path.iter().map(String::as_str).collect();
            let slim = user_path.pop() == Some("autoLogin");
            user_path.push(if slim { "defaultUser" } else { "user" });
            let who = cx
                .index
                .find(&user_path)
                .find_map(|u| u.value.v.as_str().map(str::to_string))
                .filter(|u| !u.is_empty());
            let shown = who
                .as_deref()
                .map_or_else(|| "a user".to_string(), |u| format!("`{u}`"));
            let what = if a.path[0] == "jovian" {
                "Jovian's Steam session"
            } else {
                "the display manager"
            };
            let h = Hit::new(
                a.value.range,
                format!("{what} logs {shown} in automatically"),
            )
            .subject(option.clone())
            .fix(format!("{option} = false;"));
            out.push(as_user(h, who.as_deref()));
            return;
        }
        if a.path.get(3).is_some_and(|p| p == "default_session") {
            default_session(a, cx, out);
            return;
        }
        // greetd's `initial_session = { command = ...; user = ...; }`: run once at boot
        // without a login (a set written in place is indexed as `initial_session.user`).
        let who = match &a.value.v {
            Value::Null => return,
            Value::Str(u) => Some(u.clone()),
            Value::Attrs(_) => a
                .value
                .v
                .attr("user")
                .and_then(|u| u.v.as_str().map(str::to_string)),
            _ => None,
        };
        let shown = who
            .as_deref()
            .map_or_else(|| "a user".to_string(), |u| format!("`{u}`"));
        let h = Hit::new(
            a.value.range,
            format!("greetd's `initial_session` logs {shown} in automatically at boot"),
        )
        .subject("services.greetd.settings.initial_session")
        .fix("# remove services.greetd.settings.initial_session");
        out.push(as_user(h, who.as_deref()));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hc, hits};
    use nixsec_core::Severity::{High, Medium};

    const ID: &str = "NIX-136";

    #[test]
    fn the_user_is_named_when_known() {
        let f = crate::rules::testing::findings(
            r#"{ jovian.steam = { autoStart = true; user = "deck"; }; }"#,
            ID,
        );
        assert!(
            f[0].finding
                .message
                .contains("Jovian's Steam session logs `deck` in"),
            "{f:?}"
        );
        // An empty name (an option's unset default) is no name.
        let f = crate::rules::testing::findings(
            r#"{ services.displayManager.autoLogin = { enable = true; user = ""; }; }"#,
            ID,
        );
        assert!(f[0].finding.message.contains("logs a user in"), "{f:?}");
    }

    #[test]
    fn every_spelling() {
        for (src, text, sev) in [
            (
                r#"{ services.getty.autologinUser = "alice"; }"#,
                "\"alice\"",
                Medium,
            ),
            (
                r#"{ services.getty.autologinUser = "root"; }"#,
                "\"root\"",
                High,
            ),
            (
                r#"{ services.getty = { autologinUser = "alice"; helpLine = ""; }; }"#,
                "\"alice\"",
                Medium,
            ),
            (
                r#"let me = "alice"; in { services.getty.autologinUser = me; }"#,
                "me",
                Medium,
            ),
            (
                r#"{ services.displayManager.autoLogin = { enable = true; user = "alice"; }; }"#,
                "true",
                Medium,
            ),
            (
                r#"{ services.displayManager.autoLogin.enable = true; services.displayManager.autoLogin.user = "root"; }"#,
                "true",
                High,
            ),
            (
                r#"{ services.xserver.displayManager.autoLogin.enable = true; }"#,
                "true",
                Medium,
            ),
            (
                r#"{ services.xserver.displayManager.lightdm.autoLogin.enable = true; }"#,
                "true",
                Medium,
            ),
            (
                r#"{ services.greetd.settings.initial_session = { command = "sway"; user = "alice"; }; }"#,
                "\"alice\"",
                Medium,
            ),
            (
                r#"{ services.greetd.settings.initial_session.user = "alice"; }"#,
                "\"alice\"",
                Medium,
            ),
            (
                r#"{ system.defaults.loginwindow.autoLoginUser = "alice"; homebrew.enable = true; }"#,
                "\"alice\"",
                Medium,
            ),
            (
                r#"{ services.getty = { loginOptions = "-f alice"; extraArgs = [ "--skip-login" ]; }; }"#,
                "\"-f alice\"",
                Medium,
            ),
            (
                r#"let user = "root"; in { services.getty.loginOptions = "-p -f ${user}"; }"#,
                "\"-p -f ${user}\"",
                High,
            ),
            (
                r#"{ jovian.steam = { enable = true; autoStart = true; user = "deck"; }; }"#,
                "true",
                Medium,
            ),
        ] {
            assert_eq!(hits(src, ID), [h(text, 1, sev)], "{src}");
        }
        assert_eq!(
            hits(
                r#"{ lib, config, ... }: { services.getty.autologinUser = lib.mkIf config.kiosk "kiosk"; }"#,
                ID
            ),
            [hc("\"kiosk\"", 1, Medium)]
        );
        for ok in [
            r#"{ services.getty.autologinUser = null; }"#,
            r#"{ services.displayManager.autoLogin.enable = false; }"#,
            r#"{ services.displayManager.autoLogin = { enable = false; user = "alice"; }; }"#,
            r#"{ services.greetd.settings.default_session = { command = "tuigreet"; user = "greeter"; }; }"#,
            r#"{ services.getty.loginOptions = "-p -- \\u"; }"#,
            // A greeter run as another user still asks for the login; a session run by the
            // default user `greeter` logs nobody in.
            r#"{ pkgs, ... }: { services.greetd.settings.default_session = { command = "${pkgs.greetd.tuigreet}/bin/tuigreet --cmd niri-session"; user = "alice"; }; }"#,
            r#"{ services.greetd.settings.default_session.command = "cage -s -- regreet"; }"#,
            r#"{ services.greetd.settings.default_session.command = "niri-session"; }"#,
        ] {
            assert!(hits(ok, ID).is_empty(), "{ok}");
        }
        // With an `initial_session`, two findings: the login at boot, and the one after
        // every logout (`default_session = initial_session;` of a `rec` set too).
        assert_eq!(
            hits(
                r#"{ services.greetd.settings = { default_session = { command = "sway"; user = "andi"; }; initial_session = { user = "andi"; command = "sway"; }; }; }"#,
                ID
            )
            .len(),
            2
        );
        assert_eq!(
            crate::rules::testing::hit_lines(
                "{ services.greetd.settings = rec {\n  initial_session = { command = \"sway\"; user = \"ocftv\"; };\n  default_session = initial_session;\n}; }",
                ID
            ),
            [2, 3]
        );
        // The user named by an expression.
        assert_eq!(
            crate::rules::testing::hit_lines(
                "{ config, pkgs, ... }: { services.greetd.settings = rec {\n  initial_session = { command = \"${pkgs.sway}/bin/sway\"; user = config.users.users.jt.name; };\n  default_session = initial_session;\n}; }",
                ID
            ),
            [2, 3]
        );
        // Values known only at evaluation (a greeter's would name it).
        assert_eq!(
            crate::rules::testing::hit_lines(
                "{ lib, u, wm, ... }: {\n  services.greetd.settings = {\n    initial_session = {\n      command = \"${wm.cmd}\";\n      user = \"${u.name}\";\n    };\n    default_session = {\n      command = \"${wm.cmd}\";\n      user = \"${u.name}\";\n    };\n  };\n}",
                ID
            ),
            [5, 9]
        );
        // SLiM's `autoLogin` logs `defaultUser` in.
        assert_eq!(
            hits(
                "{ services.xserver.displayManager.slim = { enable = true; defaultUser = \"htpc\"; autoLogin = true; }; }",
                ID
            ),
            [h("true", 1, Medium)]
        );
        // greetd's `default_session` running a user's own session, no greeter: an automatic
        // login at every boot (the set written in place, or its attributes one by one).
        for (src, user, sev) in [
            (
                r#"{ services.greetd = { enable = true; settings.default_session = { command = "niri-session"; user = "phaedrus"; }; }; }"#,
                "\"phaedrus\"",
                Medium,
            ),
            (
                r#"{ pkgs, ... }: { services.greetd.settings.default_session.command = "${pkgs.sway}/bin/sway"; services.greetd.settings.default_session.user = "root"; }"#,
                "\"root\"",
                High,
            ),
        ] {
            assert_eq!(hits(src, ID), [h(user, 1, sev)], "{src}");
        }
    }
}
