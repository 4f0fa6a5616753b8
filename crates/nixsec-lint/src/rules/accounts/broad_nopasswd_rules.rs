//! NIX-133: NOPASSWD sudo/doas rules for commands that amount to root.

use nixsec_core::Severity;

use crate::index::{Assignment, ModuleKind};
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::{Val, Value};

struct BroadNopasswdRules;

crate::lint_rule!("NIX-133", BroadNopasswdRules);

/// Root shells whatever their arguments: shells, `su`, editors and pagers (`:!sh`), interpreters,
/// `env` (runs any program).
const ALWAYS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "fish",
    "dash",
    "ksh",
    "csh",
    "tcsh",
    "su",
    "sudo",
    "doas",
    "sudoedit",
    "vi",
    "vim",
    "nvim",
    "nano",
    "emacs",
    "ed",
    "less",
    "more",
    "env",
    "python",
    "python3",
    "perl",
    "nix-shell",
];
/// Root-equivalent with any arguments (no arguments, or a `*` wildcard), and still reported
/// (low) with fixed arguments, as the catalogue's NIX-133 lists them: `nix` builds and runs
/// anything, `nix-daemon` run as root takes any `--option`, `nixos-rebuild` installs any
/// configuration, `systemctl` starts any unit (with fixed arguments that only operate the
/// units named, `systemctl restart app`, nothing: [`nixsec_core::sudo`]).
const COMMANDS: &[&str] = &[
    "nix",
    "nix-env",
    "nix-build",
    "nix-store",
    "nix-daemon",
    "nix-collect-garbage",
    "nix-copy-closure",
    "nixos-rebuild",
    // nix-darwin's: activates any configuration, as root.
    "darwin-rebuild",
    "systemctl",
];
/// Programs that run a command given in their arguments (`flock LOCK nixos-rebuild …`,
/// `nice -n 5 nix …`): the command they run is judged.
const WRAPPERS: &[&str] = &[
    "flock", "nice", "ionice", "timeout", "nohup", "setsid", "stdbuf", "chrt", "taskset", "time",
];
/// Root-equivalent only with any arguments (writing or reading any file).
const ANY_ARGS: &[&str] = &["tee", "cp", "mv", "chmod", "chown", "journalctl", "find"];

/// Why a command is root-equivalent, and whether only with the arguments given (low). In
/// sudoers a command without arguments allows any arguments; `*` matches any. `setenv`: the
/// rule lets the caller set the environment (`SETENV`: `LD_PRELOAD` and the like reach the
/// command), so no command is safe for its fixed arguments alone.
fn rootish(cmd: &str, setenv: bool) -> Option<(String, bool)> {
    let cmd = cmd.trim();
    if cmd.is_empty() || cmd == "ALL" {
        return Some(("any command".into(), false));
    }
    let mut words = cmd.split_whitespace();
    let prog = words.next().unwrap_or("");
    let base = prog.rsplit('/').next().unwrap_or(prog);
    let args: Vec<&str> = words.collect();
    let any = args.is_empty() || args.iter().any(|a| a.contains('*'));
    if ALWAYS.contains(&base) {
        return Some((format!("`{base}`"), false));
    }
    // A wildcard in the program's path (`/nix/store/*/bin/switch-to-configuration`): any
    // program of that name, and anyone may add one to the store (`nix build`, a derivation of
    // their own), so any code runs as root.
    if prog.starts_with('/') && prog.contains(['*', '?', '[']) {
        return Some((format!("any program matching `{prog}`"), false));
    }
    // A value interpolated from Nix (`systemctl restart ${unit}`, shown `${…}`) is a word fixed
    // when the configuration is built, not a sudoers wildcard.
    if base == "systemctl" && !any && !setenv {
        let words: Vec<String> = args.iter().map(|a| a.replace("${…}", "x")).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        if nixsec_core::sudo::systemctl_fixed_operation(&words) {
            return None;
        }
    }
    if COMMANDS.contains(&base) {
        return Some(if any {
            (format!("`{base}` with any arguments"), false)
        } else {
            (
                format!(
                    "`{}`",
                    cmd.split_whitespace()
                        .map(|w| w.rsplit('/').next().unwrap_or(w))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                true,
            )
        });
    }
    if ANY_ARGS.contains(&base) && any {
        return Some((format!("`{base}` with any arguments"), false));
    }
    if WRAPPERS.contains(&base) {
        // The wrapped command: the first argument naming a program judged here.
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let at = words.iter().skip(1).position(|w| {
            let b = w.rsplit('/').next().unwrap_or(w);
            ALWAYS.contains(&b) || COMMANDS.contains(&b) || ANY_ARGS.contains(&b)
        })?;
        let (what, fixed) = rootish(&words[at + 1..].join(" "), setenv)?;
        return Some((format!("{what} (run by `{base}`)"), fixed));
    }
    None
}

/// What a doas.conf(5) `permit nopass` line to root lets run, as [`rootish`]; `None` for any
/// other line (`deny`, a password asked, another target, a harmless command).
fn doas_line(line: &str) -> Option<(String, bool)> {
    let mut words = line.split_whitespace().peekable();
    if words.next()? != "permit" {
        return None;
    }
    let (mut nopass, mut env) = (false, false);
    // Options, then the identity.
    loop {
        let w = words.next()?;
        match w {
            "nopass" => nopass = true,
            "keepenv" => env = true,
            "nolog" | "persist" | "insult" => {}
            w if w.starts_with("setenv") => {
                env = true;
                // `setenv { A=1 B }`: up to the closing brace.
                if !w.contains('}') {
                    while !words.next()?.contains('}') {}
                }
            }
            _ => break,
        }
    }
    if !nopass {
        return None;
    }
    let mut cmd: Option<String> = None;
    while let Some(w) = words.next() {
        match w {
            "as" if words.next()? != "root" => return None,
            "cmd" => {
                let prog = words.next()?.to_string();
                let rest: Vec<&str> = words.by_ref().collect();
                // `args` with nothing after it: the command without arguments; no `args`:
                // any arguments.
                cmd = Some(match rest.split_first() {
                    Some((&"args", [])) => format!("{prog} --"),
                    Some((&"args", fixed)) => format!("{prog} {}", fixed.join(" ")),
                    _ => prog,
                });
                break;
            }
            _ => {}
        }
    }
    match cmd {
        None => Some(("any command".to_string(), false)),
        Some(c) => rootish(&c, env),
    }
}

/// `SETENV: NOEXEC: cmd` -> `cmd`.
fn strip_tags(mut c: &str) -> &str {
    c = c.trim();
    while let Some((tag, rest)) = c.split_once(':') {
        if tag.is_empty() || !tag.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_') {
            break;
        }
        c = rest.trim();
    }
    c
}

fn has_nopasswd(v: Option<&Val>) -> bool {
    match v.map(|v| &v.v) {
        Some(Value::List(items)) => items.iter().any(|i| i.v.as_str() == Some("NOPASSWD")),
        Some(Value::Str(s)) => s == "NOPASSWD",
        _ => false,
    }
}

impl LintRule for BroadNopasswdRules {
    /// nix-darwin writes `security.sudo.extraConfig` into macOS's sudoers too.
    fn kinds(&self) -> &'static [ModuleKind] {
        &[ModuleKind::NixOS, ModuleKind::Darwin]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["security", "sudo", "extraRules"],
            &["security", "sudo-rs", "extraRules"],
            &["security", "doas", "extraRules"],
            &["security", "doas", "extraConfig"],
            &["security", "sudo", "extraConfig"],
            &["security", "sudo-rs", "extraConfig"],
            // The whole sudoers file, written in place of NixOS's.
            &["security", "sudo", "configFile"],
            &["security", "sudo-rs", "configFile"],
            // A sudoers file of its own (`environment.etc."sudoers.d/darwin-rebuild".text`).
            &["environment", "etc", "*", "text"],
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let tool = a.path[1].as_str();
        if a.path[0] == "environment" {
            let name = a.path[2].trim_start_matches('/');
            if name == "sudoers" || name.starts_with("sudoers.d/") {
                self.check_text(a, cx, out);
            }
            return;
        }
        if tool == "doas" && a.path[2] == "extraConfig" {
            self.check_doas_text(a, cx, out);
            return;
        }
        if a.path[2] == "extraConfig" || a.path[2] == "configFile" {
            self.check_text(a, cx, out);
            return;
        }
        let Value::List(rules) = &a.value.v else {
            return;
        };
        for rule in rules {
            if tool == "doas" {
                if rule.v.attr("noPass").and_then(|v| v.v.as_bool()) != Some(true) {
                    continue;
                }
                let why = match rule.v.attr("cmd").map(|c| &c.v) {
                    None => Some(("any command".to_string(), false)),
                    Some(Value::Str(c) | Value::Interp(c)) => {
                        // `args = [ ... ]` fixes the arguments (none given: any).
                        let args: Vec<String> = match rule.v.attr("args").map(|a| &a.v) {
                            Some(Value::List(xs)) => xs
                                .iter()
                                .map(|x| x.v.as_str().unwrap_or("*").to_string())
                                .collect(),
                            _ => Vec::new(),
                        };
                        let keep_env = rule.v.attr("keepEnv").and_then(|v| v.v.as_bool())
                            == Some(true)
                            || rule.v.attr("setEnv").is_some();
                        rootish(&format!("{c} {}", args.join(" ")), keep_env)
                    }
                    Some(_) => None,
                };
                if let Some((why, fixed)) = why {
                    out.push(
                        self.hit(
                            rule.range,
                            format!("doas runs {why} as root without a password"),
                            fixed,
                        )
                        .when(rule.cond.as_deref()),
                    );
                }
                continue;
            }
            let Some(Value::List(cmds)) = rule.v.attr("commands").map(|c| &c.v) else {
                continue;
            };
            for c in cmds {
                let (cmd, opts) = match &c.v {
                    Value::Str(s) | Value::Interp(s) => (Some(s.as_str()), None),
                    Value::Attrs(_) => (
                        // `"${pkgs.nix}/bin/nix"`: the program is what follows the store path.
                        c.v.attr("command").and_then(|x| x.v.text()),
                        c.v.attr("options"),
                    ),
                    _ => continue,
                };
                if !has_nopasswd(opts) {
                    continue;
                }
                let setenv = match opts.map(|o| &o.v) {
                    Some(Value::List(items)) => {
                        items.iter().any(|i| i.v.as_str() == Some("SETENV"))
                    }
                    _ => false,
                };
                if let Some((why, fixed)) = cmd.and_then(|c| rootish(c, setenv)) {
                    let cond = match (&rule.cond, &c.cond) {
                        (Some(a), Some(b)) => Some(format!("{a} && {b}")),
                        (a, b) => a.as_deref().or(b.as_deref()).map(str::to_string),
                    };
                    // A command written elsewhere (`map (cmd: { command = cmd; … }) commands`
                    // over a list of the file): reported at the command, where it is written.
                    let place =
                        c.v.attr("command")
                            .map(|x| x.range)
                            .filter(|r| !c.range.contains_range(*r))
                            .unwrap_or(c.range);
                    out.push(
                        self.hit(
                            place,
                            format!("{tool} runs {why} as root without a password"),
                            fixed,
                        )
                        .when(cond.as_deref()),
                    );
                }
            }
        }
    }
}

/// The value's text as written in the file (empty when the rule has no text of it).
fn written<'a>(a: &Assignment, cx: &FileCx<'a>) -> &'a str {
    cx.src
        .get(usize::from(a.value.range.start())..usize::from(a.value.range.end()))
        .unwrap_or("")
}

/// Where a line found at `found` (offset in [`written`], length) is; the whole value when it
/// was not found as written (an interpolated line).
fn place(a: &Assignment, found: Option<(usize, usize)>) -> rnix::TextRange {
    let start = usize::from(a.value.range.start());
    match found {
        Some((q, n)) => {
            let s = u32::try_from(start + q).unwrap_or(u32::MAX);
            let e = u32::try_from(start + q + n).unwrap_or(u32::MAX);
            rnix::TextRange::new(s.into(), e.into())
        }
        None => a.value.range,
    }
}

impl BroadNopasswdRules {
    /// `... NOPASSWD: cmd, cmd` lines of a literal sudoers text.
    fn check_text(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let Some(text) = a.value.v.text() else { return };
        let raw = written(a, cx);
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            let Some(p) = line.find("NOPASSWD:") else {
                continue;
            };
            let cmds = &line[p + "NOPASSWD:".len()..];
            let setenv = line.contains("SETENV:") && !line.contains("NOSETENV:");
            let why = cmds.split(',').find_map(|c| rootish(strip_tags(c), setenv));
            let Some((why, fixed)) = why else { continue };
            // The line as written; with an interpolated user (`${user.name} ALL=…`), from
            // its `NOPASSWD:`.
            let found = raw
                .find(line)
                .map(|q| (q, line.len()))
                .or_else(|| raw.find(&line[p..]).map(|q| (q, line.len() - p)));
            let range = place(a, found);
            out.push(self.hit(
                range,
                format!("sudoers line runs {why} as root without a password"),
                fixed,
            ));
        }
    }

    /// `security.doas.extraConfig`, doas.conf(5) lines: `permit [options] identity [as target]
    /// [cmd command [args ...]]`. A `permit nopass` rule to root (no `as`, or `as root`) for any
    /// command, or for one that amounts to root.
    fn check_doas_text(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let Some(text) = a.value.v.text() else { return };
        let raw = written(a, cx);
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((why, fixed)) = doas_line(line) else {
                continue;
            };
            let range = place(a, raw.find(line).map(|q| (q, line.len())));
            out.push(self.hit(
                range,
                format!("doas rule runs {why} as root without a password"),
                fixed,
            ));
        }
    }

    /// A hit; low when only fixed arguments of a Nix or systemd command are allowed.
    fn hit(&self, range: rnix::TextRange, message: String, fixed: bool) -> Hit {
        if fixed {
            Hit::new(range, format!("{message} (with these arguments only)"))
                .severity(Severity::Low)
        } else {
            Hit::new(range, message)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::{Low, Medium};

    const ID: &str = "NIX-133";

    /// doas.conf(5) lines in `security.doas.extraConfig`: `nopass` to root for any command or a
    /// root-equivalent one; a password, another target or a fixed harmless command are fine.
    #[test]
    fn doas_extra_config_lines() {
        let src = r#"{ ... }: {
  security.doas.enable = true;
  security.doas.extraConfig = ''
    permit nopass :wheel
    permit persist keepenv alice as root
    permit nopass bob as www cmd sh
    permit nopass setenv { PATH } carol cmd nixos-rebuild
    permit nopass dave as root cmd nix-collect-garbage args -d
    # permit nopass eve
    permit nopass frank cmd reboot
    deny nopass mallory
  '';
}"#;
        let got = hits(src, ID);
        assert_eq!(
            got,
            vec![
                h("permit nopass :wheel", 4, Medium),
                h(
                    "permit nopass setenv { PATH } carol cmd nixos-rebuild",
                    7,
                    Medium
                ),
                h(
                    "permit nopass dave as root cmd nix-collect-garbage args -d",
                    8,
                    Low
                ),
            ]
        );
    }

    #[test]
    fn nix_daemon_with_any_arguments() {
        let src = r#"{ pkgs, ... }: {
  security.sudo.extraRules = [ { users = [ "builder" ]; commands = [
    { command = "${pkgs.nix}/bin/nix-daemon"; options = [ "NOPASSWD" ]; }
  ]; } ];
}"#;
        assert_eq!(hits(src, ID).len(), 1);
    }

    /// sudo-rs's rules, with the command named by `lib.getExe'` (the program in a package).
    #[test]
    fn sudo_rs_commands_named_by_get_exe() {
        let src = r#"{ lib, pkgs, config, ... }: let inherit (lib) getExe'; in {
  security.sudo-rs.extraRules = [ { groups = [ "wheel" ]; commands = [
    { command = getExe' config.system.build.nixos-rebuild "nixos-rebuild"; options = [ "NOPASSWD" ]; }
    { command = lib.getExe' pkgs.systemd "systemctl"; options = [ "NOPASSWD" ]; }
    { command = getExe' pkgs.systemd "reboot"; options = [ "NOPASSWD" ]; }
  ]; } ];
}"#;
        let got = hits(src, ID);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!((got[0].1, got[1].1), (3, 4));
    }

    #[test]
    fn extra_rules() {
        let src = r#"{
  security.sudo.extraRules = [
    { users = [ "deploy" ]; commands = [
      { command = "ALL"; options = [ "NOPASSWD" ]; }
      { command = "/run/current-system/sw/bin/systemctl"; options = [ "NOPASSWD" ]; }
      { command = "/run/current-system/sw/bin/systemctl restart app.service"; options = [ "NOPASSWD" ]; }
      { command = "/run/current-system/sw/bin/systemctl restart *"; options = [ "NOPASSWD" ]; }
      { command = "/run/current-system/sw/bin/vim /etc/hosts"; options = [ "NOPASSWD" ]; }
      { command = "/run/current-system/sw/bin/reboot"; options = [ "NOPASSWD" ]; }
      { command = "/run/current-system/sw/bin/systemctl edit app.service"; options = [ "NOPASSWD" ]; }
      { command = "/run/current-system/sw/bin/systemctl suspend"; options = [ "NOPASSWD" "SETENV" ]; }
      { command = "/run/current-system/sw/bin/systemctl restart ${unit}"; options = [ "NOPASSWD" ]; }
      { command = "/nix/store/*/bin/switch-to-configuration"; options = [ "NOPASSWD" ]; }
      { command = "ALL"; options = [ "SETENV" ]; }
    ]; }
  ];
}"#;
        assert_eq!(
            hits(src, ID),
            [
                h(
                    r#"{ command = "ALL"; options = [ "NOPASSWD" ]; }"#,
                    4,
                    Medium
                ),
                h(
                    r#"{ command = "/run/current-system/sw/bin/systemctl"; options = [ "NOPASSWD" ]; }"#,
                    5,
                    Medium
                ),
                h(
                    r#"{ command = "/run/current-system/sw/bin/systemctl restart *"; options = [ "NOPASSWD" ]; }"#,
                    7,
                    Medium
                ),
                h(
                    r#"{ command = "/run/current-system/sw/bin/vim /etc/hosts"; options = [ "NOPASSWD" ]; }"#,
                    8,
                    Medium
                ),
                h(
                    r#"{ command = "/run/current-system/sw/bin/systemctl edit app.service"; options = [ "NOPASSWD" ]; }"#,
                    10,
                    Low
                ),
                h(
                    r#"{ command = "/run/current-system/sw/bin/systemctl suspend"; options = [ "NOPASSWD" "SETENV" ]; }"#,
                    11,
                    Low
                ),
                h(
                    r#"{ command = "/nix/store/*/bin/switch-to-configuration"; options = [ "NOPASSWD" ]; }"#,
                    13,
                    Medium
                ),
            ]
        );
        let doas = r#"{ security.doas.extraRules = [ { groups = [ "wheel" ]; noPass = true; } { users = [ "a" ]; noPass = true; cmd = "reboot"; } ]; }"#;
        assert_eq!(
            hits(doas, ID),
            [h(r#"{ groups = [ "wheel" ]; noPass = true; }"#, 1, Medium)]
        );
    }

    /// Commands made by `map` over a list of the file: each reported where it is written.
    #[test]
    fn commands_mapped_from_a_list() {
        let src = "let\n  cmds = [\n    \"/run/current-system/sw/bin/reboot\"\n    \"/run/current-system/sw/bin/nixos-rebuild *\"\n  ];\nin {\n  security.sudo.extraRules = [ {\n    groups = [ \"wheel\" ];\n    commands = map (cmd: { command = cmd; options = [ \"NOPASSWD\" ]; }) cmds;\n  } ];\n}\n";
        let got = hits(src, ID);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, 4, "{got:?}");
    }

    /// Rules made by functions bound in the file (a public configuration's spelling): `map`
    /// and `concatMap` of named functions, a named function applied in a string.
    #[test]
    fn commands_made_by_functions_bound_in_the_file() {
        let src = r#"{ lib, ... }:
let
  nopasswd = command: { inherit command; options = [ "NOPASSWD" ]; };
  actions = [ "boot" "switch" ];
  switchCommand = action: "/run/current-system/bin/switch-to-configuration ${action}";
  envs = [ "/run/current-system/sw/bin/env" ];
in {
  security.sudo.extraRules = [ {
    users = [ "alice" ];
    commands = map nopasswd (
      (map switchCommand actions)
      ++ (lib.concatMap (env: map (action: "${env} * ${switchCommand action}") actions) envs)
    );
  } ];
}"#;
        let got = hits(src, ID);
        // `env *` runs anything (reported once for its two uses, at the string that makes it);
        // fixed switch-to-configuration actions are the catalogue's own fix.
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, 12, "{got:?}");
        // Applied directly.
        let src = r#"let nopasswd = command: { inherit command; options = [ "NOPASSWD" ]; }; in { security.sudo.extraRules = [ { users = [ "bob" ]; commands = [ (nopasswd "/run/current-system/sw/bin/bash") ]; } ]; }"#;
        assert_eq!(hits(src, ID).len(), 1);
    }

    #[test]
    fn extra_config() {
        let src = "{\n  security.sudo.extraConfig = ''\n    Defaults lecture = never\n    %wheel ALL=(ALL) NOPASSWD: ALL\n    bob ALL=(root) NOPASSWD: /run/current-system/sw/bin/reboot\n  '';\n}";
        assert_eq!(
            hits(src, ID),
            [h("%wheel ALL=(ALL) NOPASSWD: ALL", 4, Medium)]
        );
        // A sudoers file of its own, through `environment.etc` (nix-darwin's `sudoers.d`).
        let etc = "{ user, ... }: {\n  environment.etc.\"sudoers.d/darwin-rebuild\".text = ''\n    ${user.name} ALL=(ALL) NOPASSWD: /run/current-system/sw/bin/darwin-rebuild\n  '';\n  environment.etc.\"motd\".text = \"NOPASSWD: ALL\";\n}";
        assert_eq!(crate::rules::testing::hit_lines(etc, ID), [3], "{etc}");
        let commented = "{ security.sudo.extraConfig = \"# %wheel ALL=(ALL) NOPASSWD: ALL\"; }";
        assert!(hits(commented, ID).is_empty());
        // nix-darwin's sudoers too.
        let darwin = "{ lib, ... }: {\n  system.defaults.dock.autohide = true;\n  security.sudo.extraConfig = lib.mkDefault ''\n    %admin ALL=(ALL) NOPASSWD: ALL\n  '';\n}";
        assert_eq!(hits(darwin, ID).len(), 1);
        // The whole sudoers file written in place of NixOS's.
        let file =
            "{\n  security.sudo.configFile = ''\n    ves ALL=(ALL:ALL) NOPASSWD: ALL\n  '';\n}";
        assert_eq!(
            hits(file, ID),
            [h("ves ALL=(ALL:ALL) NOPASSWD: ALL", 3, Medium)]
        );
    }

    #[test]
    fn nix_copy_closure() {
        let src = r#"{ security.sudo.extraRules = [ { users = [ "ci" ]; commands = [ { command = "/run/current-system/sw/bin/nix-copy-closure"; options = [ "NOPASSWD" ]; } ]; } ]; }"#;
        assert_eq!(hits(src, ID).len(), 1);
    }

    #[test]
    fn commands_run_by_a_wrapper() {
        // `flock LOCK nixos-rebuild …` with a wildcard flake path installs any configuration.
        let src = "{ config, ... }: {\n  security.sudo.extraConfig = ''\n    raab ALL=(root) NOPASSWD:/run/current-system/sw/bin/flock -w 60 /dev/shm/lock nixos-rebuild switch --flake /nix/store/[a-zA-Z0-9]*-source\\#${config.networking.hostName}\n  '';\n}";
        let got = hits(src, ID);
        assert_eq!(got.len(), 1, "{got:?}");
        let f = crate::rules::testing::findings(src, ID);
        assert!(
            f[0].finding.message.contains("(run by `flock`)"),
            "{}",
            f[0].finding.message
        );
        for fine in [
            "{ security.sudo.extraConfig = \"bob ALL=(root) NOPASSWD: /run/current-system/sw/bin/nice -n 5 /run/current-system/sw/bin/reboot\"; }",
            "{ security.sudo.extraConfig = \"bob ALL=(root) NOPASSWD: /run/current-system/sw/bin/flock /run/lock/x /srv/backup.sh\"; }",
        ] {
            assert!(hits(fine, ID).is_empty(), "{fine}");
        }
    }
}
