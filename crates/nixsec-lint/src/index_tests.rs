//! The index on every spelling of an option. Expected paths and values are written by hand
//! from the Nix semantics of each snippet.

use super::*;
use crate::value::path_string;

/// `(path, value, condition, priority)` of every assignment, in order.
fn opts(src: &str) -> Vec<(String, String, Option<String>, i32)> {
    let idx = FileIndex::build(src);
    assert!(idx.errors.is_empty(), "parse errors: {:?}", idx.errors);
    idx.assignments
        .iter()
        .map(|a| {
            (
                path_string(&a.path),
                a.value.v.to_string(),
                a.condition.clone(),
                a.priority,
            )
        })
        .collect()
}

/// The value of the one assignment to `path` (a test failure when there is not exactly one).
fn one(src: &str, path: &str) -> String {
    let all = opts(src);
    let hits: Vec<_> = all.iter().filter(|(p, ..)| p == path).collect();
    assert_eq!(hits.len(), 1, "{path} in {all:?}");
    hits[0].1.clone()
}

fn plain(p: &str, v: &str) -> (String, String, Option<String>, i32) {
    (p.to_string(), v.to_string(), None, 100)
}

#[test]
fn dotted_path() {
    assert_eq!(
        opts("{ networking.firewall.enable = false; }"),
        [plain("networking.firewall.enable", "false")]
    );
}

#[test]
fn nested_sets_any_depth() {
    let src =
        r#"{ services = { openssh = { settings.PermitRootLogin = "yes"; enable = true; }; }; }"#;
    assert_eq!(
        opts(src),
        [
            plain("services.openssh.settings.PermitRootLogin", "\"yes\""),
            plain("services.openssh.enable", "true"),
        ]
    );
}

#[test]
fn function_form_and_config_form() {
    let f = r#"{ config, lib, pkgs, ... }: { services.openssh.enable = true; }"#;
    assert_eq!(opts(f), [plain("services.openssh.enable", "true")]);
    // A module that declares options keeps its settings under `config`.
    let m = r#"{ config, lib, ... }: {
      options.my.enable = lib.mkEnableOption "x";
      config = { networking.firewall.enable = false; };
    }"#;
    assert_eq!(opts(m), [plain("networking.firewall.enable", "false")]);
    let idx = FileIndex::build(m);
    assert!(idx.modules[0].declares_options);
    // `config.x = ...` dotted.
    assert_eq!(
        opts("{ config.networking.firewall.enable = false; }"),
        [plain("networking.firewall.enable", "false")]
    );
}

#[test]
fn config_under_mkif_is_conditional() {
    let m = r#"{ config, lib, ... }: let cfg = config.my; in {
      options.my.enable = lib.mkEnableOption "x";
      config = lib.mkIf cfg.enable { services.openssh.settings.PasswordAuthentication = true; };
    }"#;
    assert_eq!(
        opts(m),
        [(
            "services.openssh.settings.PasswordAuthentication".into(),
            "true".into(),
            Some("cfg.enable".into()),
            100
        )]
    );
}

#[test]
fn rec_sets_bind_their_names() {
    let src = r#"rec { off = false; networking.firewall.enable = off; }"#;
    assert_eq!(one(src, "networking.firewall.enable"), "false");
}

#[test]
fn let_in_and_inherit() {
    let src = r#"{ ... }: let
      root = "yes";
      enable = false;
    in {
      services.openssh.settings.PermitRootLogin = root;
      networking.firewall = { inherit enable; };
    }"#;
    assert_eq!(
        opts(src),
        [
            plain("services.openssh.settings.PermitRootLogin", "\"yes\""),
            plain("networking.firewall.enable", "false"),
        ]
    );
    // The use site is where the finding points.
    let idx = FileIndex::build(src);
    let a = &idx.assignments[0];
    assert_eq!(&src[a.value.range], "root");
}

#[test]
fn let_chains_and_shadowing() {
    let src = r#"let a = b; b = "yes"; in let b = "no"; in {
      x.one = a;
      x.two = b;
    }"#;
    assert_eq!(one(src, "x.one"), "\"yes\"");
    assert_eq!(one(src, "x.two"), "\"no\"");
    // A cycle is not followed forever.
    let cyc = "let a = b; b = a; in { x = a; }";
    assert!(matches!(one(cyc, "x").as_str(), "a" | "b"));
}

#[test]
fn with_lib_names_are_unknown_but_let_wins() {
    let src = r#"{ lib, ... }: with lib; let p = "yes"; in {
      services.openssh.settings.PermitRootLogin = p;
      services.openssh.settings.X11Forwarding = someFlag;
      networking.firewall.enable = mkForce false;
    }"#;
    assert_eq!(
        opts(src),
        [
            plain("services.openssh.settings.PermitRootLogin", "\"yes\""),
            plain("services.openssh.settings.X11Forwarding", "someFlag"),
            (
                "networking.firewall.enable".into(),
                "false".into(),
                None,
                50
            ),
        ]
    );
    // `true` is in Nix's base scope, which `with` cannot override
    // (`nix-instantiate --eval -E 'with { true = 1; }; true'` gives `true`).
    let w = "with lib; { x = true; }";
    assert_eq!(one(w, "x"), "true");
}

#[test]
fn lists_and_concat() {
    let src = r#"let extra = [ "@wheel" ]; in {
      nix.settings.trusted-users = [ "root" ] ++ extra ++ [ "alice" ];
      networking.firewall.allowedTCPPorts = [ 22 80 ] ++ cfg.ports;
    }"#;
    assert_eq!(
        one(src, "nix.settings.trusted-users"),
        r#"[ "root" "@wheel" "alice" ]"#
    );
    assert_eq!(
        one(src, "networking.firewall.allowedTCPPorts"),
        "[ 22 80 cfg.ports ]"
    );
}

#[test]
fn strings_indented_and_interpolated() {
    let src = r#"let host = "cache.example"; in {
      a = ''
        %wheel ALL=(ALL) NOPASSWD: ALL
          indented
      '';
      b = "http://${host}/";
      c = "http://${config.x}/";
      d = "tab\there";
      e = ''a ''${b} c''''';
    }"#;
    assert_eq!(
        one(src, "a"),
        r#""%wheel ALL=(ALL) NOPASSWD: ALL\n  indented\n""#
    );
    assert_eq!(one(src, "b"), r#""http://cache.example/""#);
    assert_eq!(one(src, "c"), r#""http://${…}/""#);
    assert_eq!(one(src, "d"), r#""tab\there""#);
    assert_eq!(one(src, "e"), r#""a ${b} c''""#);
}

#[test]
fn quoted_and_dynamic_attribute_names() {
    let src = r#"let k = "net.ipv4.ip_forward"; in {
      boot.kernel.sysctl."net.ipv4.conf.all.rp_filter" = 0;
      boot.kernel.sysctl.${k} = 1;
      users.users.${name}.password = "x";
    }"#;
    assert_eq!(
        opts(src),
        [
            plain(r#"boot.kernel.sysctl."net.ipv4.conf.all.rp_filter""#, "0"),
            plain(r#"boot.kernel.sysctl."net.ipv4.ip_forward""#, "1"),
            plain(r#"users.users."${name}".password"#, "\"x\""),
        ]
    );
}

#[test]
fn priority_wrappers() {
    let src = r#"{ lib, ... }: {
      a = lib.mkForce false;
      b = lib.mkDefault false;
      c = lib.mkOverride 10 false;
      d = lib.mkBefore [ "x" ];
      e = lib.mkAfter [ "y" ];
      f = lib.mkOrder 500 [ "z" ];
      g = lib.modules.mkForce (lib.mkDefault true);
    }"#;
    assert_eq!(
        opts(src),
        [
            ("a".into(), "false".into(), None, 50),
            ("b".into(), "false".into(), None, 1000),
            ("c".into(), "false".into(), None, 10),
            ("d".into(), r#"[ "x" ]"#.into(), None, 100),
            ("e".into(), r#"[ "y" ]"#.into(), None, 100),
            ("f".into(), r#"[ "z" ]"#.into(), None, 100),
            ("g".into(), "true".into(), None, 1000),
        ]
    );
}

#[test]
fn mkif_mkmerge_and_if_then_else() {
    let src = r#"{ config, lib, ... }: {
      config = lib.mkMerge [
        { networking.firewall.enable = true; }
        (lib.mkIf config.services.foo.enable {
          networking.firewall.allowedTCPPorts = [ 5432 ];
        })
      ];
      services.x = if config.y then { enable = true; } else { enable = false; };
    }"#;
    // `services.x` is outside `config` in a module that has `config`: NixOS rejects it, and
    // the index ignores it.
    assert_eq!(
        opts(src),
        [
            plain("networking.firewall.enable", "true"),
            (
                "networking.firewall.allowedTCPPorts".into(),
                "[ 5432 ]".into(),
                Some("config.services.foo.enable".into()),
                100
            ),
        ]
    );
    let ite = r#"{ config, ... }: {
      networking.firewall = if config.y then { enable = true; } else { enable = false; };
    }"#;
    assert_eq!(
        opts(ite),
        [
            (
                "networking.firewall.enable".into(),
                "true".into(),
                Some("config.y".into()),
                100
            ),
            (
                "networking.firewall.enable".into(),
                "false".into(),
                Some("!(config.y)".into()),
                100
            ),
        ]
    );
}

#[test]
fn a_wrapper_applied_in_parentheses() {
    // `((mkIf c) { … })`: the partial application in parentheses, then its last argument.
    let src = r#"{ config, lib, ... }: with lib; {
      config = mkMerge [
        ((mkIf (config.a.enable)) { networking.firewall.allowedTCPPorts = [ 5432 ]; })
        ((mkForce) { services.x.enable = true; })
      ];
    }"#;
    assert_eq!(
        opts(src),
        [
            (
                "networking.firewall.allowedTCPPorts".into(),
                "[ 5432 ]".into(),
                Some("(config.a.enable)".into()),
                100
            ),
            ("services.x.enable".into(), "true".into(), None, 50),
        ]
    );
}

#[test]
fn nested_conditions_join() {
    // A module whose whole body is under `mkIf`: the module system pushes the condition down.
    let src = r#"{ lib, ... }: lib.mkIf a { x = lib.mkIf b (lib.mkForce 1); }"#;
    assert_eq!(
        opts(src),
        [("x".into(), "1".into(), Some("a && b".into()), 50)]
    );
    let src = r#"{ lib, ... }: { config = lib.mkIf a { x = lib.mkIf b (lib.mkForce 1); }; }"#;
    assert_eq!(
        opts(src),
        [("x".into(), "1".into(), Some("a && b".into()), 50)]
    );
}

#[test]
fn update_operator_and_names_bound_to_sets() {
    let src = r#"let ssh = { enable = true; settings.PermitRootLogin = "yes"; }; in {
      services.openssh = ssh // { settings.X11Forwarding = true; };
    }"#;
    // `//` is shallow: the right side's `settings` replaces the left one whole
    // (`nix-instantiate --eval` agrees, see tests/nix_oracle.rs).
    assert_eq!(
        opts(src),
        [
            plain("services.openssh.enable", "true"),
            plain("services.openssh.settings.X11Forwarding", "true"),
        ]
    );
}

#[test]
fn attrsets_inside_lists() {
    let src = r#"{
      security.sudo.extraRules = [
        { users = [ "alice" ]; commands = [ { command = "ALL"; options = [ "NOPASSWD" ]; } ]; }
      ];
    }"#;
    assert_eq!(
        one(src, "security.sudo.extraRules"),
        r#"[ { users = [ "alice" ]; commands = [ { command = "ALL"; options = [ "NOPASSWD" ]; } ]; } ]"#
    );
}

#[test]
fn comments_are_not_assignments() {
    let src = "{\n  # networking.firewall.enable = false;\n  /* services.openssh.enable = true; */\n  x = 1;\n}";
    assert_eq!(opts(src), [plain("x", "1")]);
}

#[test]
fn imports_are_recorded() {
    let src = r#"{ modulesPath, inputs, ... }: {
      imports = [
        ./hardware-configuration.nix
        ../common
        (import ./x.nix)
        (modulesPath + "/profiles/hardened.nix")
        inputs.sops.nixosModules.sops
        { networking.firewall.enable = false; }
      ];
    }"#;
    let idx = FileIndex::build(src);
    let m = &idx.modules[0];
    let kinds: Vec<String> = m
        .imports
        .iter()
        .map(|r| match r {
            ModuleRef::Path(p, _) => format!("path {p}"),
            ModuleRef::External(t, _) => format!("ext {t}"),
            ModuleRef::Inline(i) => format!("inline {i}"),
            ModuleRef::Template(t, _) => format!("template {t}"),
            ModuleRef::Dir(t, _) => format!("dir {t}"),
            ModuleRef::Rooted(t, _) => format!("rooted {t}"),
            ModuleRef::Flake(t, _) => format!("flake {t}"),
            ModuleRef::Entry(f, n, _) => format!("entry {n} of {f}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "path ./hardware-configuration.nix",
            "path ../common",
            "path ./x.nix",
            r#"ext modulesPath + "/profiles/hardened.nix""#,
            "ext inputs.sops.nixosModules.sops",
        ]
    );
    assert!(m.hardened_profile);
    // The inline module's settings are indexed with the file's module.
    assert_eq!(
        idx.assignments
            .iter()
            .map(|a| path_string(&a.path))
            .collect::<Vec<_>>(),
        ["networking.firewall.enable"]
    );
}

/// `require = [ ./ssh.nix ];`: the module system's older name of `imports`.
#[test]
fn require_is_imports() {
    let idx = FileIndex::build(
        "{ config, ... }: { require = [ ./ssh.nix ]; networking.hostName = \"a\"; }",
    );
    assert!(
        matches!(idx.modules[0].imports.as_slice(), [ModuleRef::Path(p, _)] if p == "./ssh.nix"),
        "{:?}",
        idx.modules[0].imports
    );
}

/// A directory's entries read with `readDir` and made into paths (`map (fn: ./${fn}) (filter
/// (fn: fn != "default.nix") (attrNames (readDir ./.)))`): every module of the directory.
#[test]
fn modules_listed_by_read_dir() {
    for (src, dir) in [
        (
            r#"{ imports = with builtins; map (fn: ./${fn}) (filter (fn: fn != "default.nix") (attrNames (readDir ./.))); }"#,
            "./.",
        ),
        (
            r#"{ lib, ... }: { imports = map (n: ./services + "/${n}") (builtins.attrNames (builtins.readDir ./services)); }"#,
            "./services",
        ),
        (
            r#"{ lib, ... }: { imports = map (x: ./. + "/${x}") (lib.attrNames (lib.filterAttrs (n: t: n != "default.nix" && (t == "directory" || lib.hasSuffix ".nix" n)) (builtins.readDir ./.))); }"#,
            "./.",
        ),
    ] {
        let idx = FileIndex::build(src);
        let dirs: Vec<&str> = idx.modules[0]
            .imports
            .iter()
            .filter_map(|r| match r {
                ModuleRef::Dir(d, _) => Some(d.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(dirs, [dir], "{src}");
    }
    // A list read from elsewhere stays unfollowed.
    let idx = FileIndex::build(r#"{ imports = map (fn: ./${fn}) (attrNames (f ./.)); }"#);
    assert!(matches!(
        idx.modules[0].imports.as_slice(),
        [ModuleRef::External(..)]
    ));
}

#[test]
fn flake_systems_and_inline_modules() {
    let src = r#"{
      inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
      outputs = { self, nixpkgs, ... }@inputs: let common = ./common.nix; in {
        nixosConfigurations.laptop = nixpkgs.lib.nixosSystem {
          system = "x86_64-linux";
          modules = [
            ./hosts/laptop/configuration.nix
            common
            { services.openssh.settings.PermitRootLogin = "yes"; }
            inputs.home-manager.nixosModules.home-manager
          ];
        };
        darwinConfigurations.mac = darwin.lib.darwinSystem { modules = [ ./mac.nix ]; };
      };
    }"#;
    let idx = FileIndex::build(src);
    assert_eq!(idx.systems.len(), 2);
    let s = &idx.systems[0];
    assert_eq!(s.name, "nixosConfigurations.laptop");
    assert_eq!(s.kind, ModuleKind::NixOS);
    assert!(
        matches!(&s.modules[0], ModuleRef::Path(p, _) if p == "./hosts/laptop/configuration.nix")
    );
    assert!(matches!(&s.modules[1], ModuleRef::Path(p, _) if p == "./common.nix"));
    assert!(matches!(&s.modules[2], ModuleRef::Inline(1)));
    assert!(matches!(&s.modules[3], ModuleRef::External(..)));
    let inline: Vec<_> = idx.assignments.iter().filter(|a| a.module == 1).collect();
    assert_eq!(inline.len(), 1);
    assert_eq!(
        path_string(&inline[0].path),
        "services.openssh.settings.PermitRootLogin"
    );
    assert_eq!(idx.systems[1].kind, ModuleKind::Darwin);
    assert_eq!(idx.systems[1].name, "darwinConfigurations.mac");
}

#[test]
fn not_a_module() {
    let src = r#"{ stdenv, fetchurl }: stdenv.mkDerivation { pname = "x"; version = "1"; }"#;
    let idx = FileIndex::build(src);
    assert!(!idx.modules[0].is_module);
    assert!(idx.assignments.is_empty());
}

#[test]
fn parse_errors_are_kept_with_a_place() {
    let src = "{ a = 1;\n  b = ;\n}";
    let idx = FileIndex::build(src);
    assert!(!idx.errors.is_empty());
    let (r, msg) = &idx.errors[0];
    assert!(u32::from(r.start()) >= 11, "{r:?} {msg}");
    let eof = FileIndex::build("{ a = 1;");
    assert!(
        eof.errors.iter().any(|(_, m)| m.contains("end of file")),
        "{:?}",
        eof.errors
    );
}

#[test]
fn suppression_comments() {
    let src = "{\n  # nixsec: ignore NIX-070 -- lab box\n  networking.firewall.enable = false; # nixsec: ignore nix-071, NIX-073\n}";
    let idx = FileIndex::build(src);
    assert_eq!(idx.suppressions.len(), 2);
    assert_eq!(idx.suppressions[0].ids, ["NIX-070"]);
    assert_eq!(idx.suppressions[0].reason.as_deref(), Some("lab box"));
    assert_eq!(idx.suppressions[1].ids, ["NIX-071", "NIX-073"]);
    assert_eq!(idx.suppressions[1].reason, None);
    assert_eq!(idx.suppressions[1].subjects, [None, None]);
}

#[test]
fn suppression_comments_may_name_a_subject() {
    let src = "{\n  # nixsec: ignore nix-079[PasswordAuthentication (settings)], NIX-073[services.a, b] NIX-070 -- lab\n}";
    let idx = FileIndex::build(src);
    let s = &idx.suppressions[0];
    assert_eq!(s.ids, ["NIX-079", "NIX-073", "NIX-070"]);
    assert_eq!(
        s.subjects,
        [
            Some("PasswordAuthentication (settings)".to_string()),
            Some("services.a, b".to_string()),
            None
        ]
    );
    assert_eq!(s.reason.as_deref(), Some("lab"));
}

#[test]
fn hostile_input_never_panics() {
    for src in [
        "",
        "{",
        "}}}}",
        "{ a.${",
        "''",
        "\"\\",
        "let in",
        "{ x = ''${''${''${",
        "{ a = mkIf; b = mkForce; c = mkOverride x; }",
        "rec { a = a; b = a; }",
        "{ imports = imports; }",
        "\u{0}\u{feff}{ a = 1; }",
    ] {
        let _ = FileIndex::build(src);
    }
    // Deep nesting.
    let deep = format!("{}1{}", "[".repeat(3000), "]".repeat(3000));
    let _ = FileIndex::build(&deep);
    let deep = format!("{{ x = {}1{}; }}", "(".repeat(3000), ")".repeat(3000));
    let _ = FileIndex::build(&deep);
}

/// `(path, origins rendered)` of every assignment that has origins.
fn origins(src: &str) -> Vec<(String, Vec<String>)> {
    let idx = FileIndex::build(src);
    assert!(idx.errors.is_empty(), "parse errors: {:?}", idx.errors);
    idx.assignments
        .iter()
        .filter(|a| !a.origins.is_empty())
        .map(|a| {
            let os = a
                .origins
                .iter()
                .map(|o| {
                    let at = &src[usize::from(o.range.start())..usize::from(o.range.end())];
                    let what = match &o.kind {
                        OriginKind::Path(p) => format!("path {p}"),
                        OriginKind::Interpolated(p) => format!("interpolated {p}"),
                        OriginKind::Copied { func, path } => format!("{func} {path}"),
                        OriginKind::Written {
                            func, name, text, ..
                        } => format!(
                            "{func} {} {}",
                            name.as_deref().unwrap_or("?"),
                            text.as_ref().map_or("?".to_string(), |t| t.v.to_string())
                        ),
                        OriginKind::Read { func, path } => format!("{func} {path}"),
                    };
                    format!("{what} @ {at}")
                })
                .collect();
            (path_string(&a.path), os)
        })
        .collect()
}

#[test]
fn origins_of_values_from_files() {
    let src = r#"{ pkgs, lib, ... }:
let
  dir = ./secrets;
  s = import ./secrets.nix;
  t = (import ../secrets) { inherit pkgs; };
  keys = [ ./a.key ];
in
{
  a = ./x;
  b = "${./y}/z";
  c = dir + "/k";
  d = builtins.path { path = ./p; name = "p"; };
  e = pkgs.writeText "n" "text";
  f = builtins.readFile ./r;
  g = s.db;
  h = builtins.fromJSON (builtins.readFile ./j.json);
  i = lib.mkForce (lib.cleanSource ./src);
  j = keys ++ [ "/str" ./b.key ];
  k = "/run/secrets/x";
  l = toString ./t;
  m = pkgs.writeTextFile { name = "w"; text = "t2"; };
  n = builtins.toFile "tf" "t3";
  o = "${pkgs.writeShellScript "sh" "echo"}";
  q = t.fastd.key;
}"#;
    let got = origins(src);
    let want: Vec<(String, Vec<String>)> = [
        ("a", vec!["path ./x @ ./x"]),
        ("b", vec![r#"interpolated ./y/z @ "${./y}/z""#]),
        ("c", vec![r#"path ./secrets/k @ dir + "/k""#]),
        (
            "d",
            vec![r#"path ./p @ builtins.path { path = ./p; name = "p"; }"#],
        ),
        (
            "e",
            vec![r#"writeText n "text" @ pkgs.writeText "n" "text""#],
        ),
        ("f", vec!["readFile ./r @ builtins.readFile ./r"]),
        ("g", vec!["import ./secrets.nix @ s.db"]),
        (
            "h",
            vec!["readFile ./j.json @ builtins.fromJSON (builtins.readFile ./j.json)"],
        ),
        ("i", vec!["cleanSource ./src @ lib.cleanSource ./src"]),
        (
            "j",
            vec!["path ./a.key @ ./a.key", "path ./b.key @ ./b.key"],
        ),
        (
            "m",
            vec![r#"writeTextFile w "t2" @ pkgs.writeTextFile { name = "w"; text = "t2"; }"#],
        ),
        ("n", vec![r#"toFile tf "t3" @ builtins.toFile "tf" "t3""#]),
        (
            "o",
            vec![r#"writeShellScript sh "echo" @ "${pkgs.writeShellScript "sh" "echo"}""#],
        ),
        // A file that is a function, called with its arguments.
        ("q", vec!["import ../secrets @ t.fastd.key"]),
    ]
    .into_iter()
    .map(|(p, os)| (p.to_string(), os.into_iter().map(str::to_string).collect()))
    .collect();
    assert_eq!(got, want);
}

/// The green-tree reading of a function's parameters binds the same names as the syntax one.
#[test]
fn green_parameters_are_the_syntax_ones() {
    let src = "[ (x: x) ({ a, b ? 1, ... }: a) ({ c, ... }@args: c) (args@{ d }: d) ({ }: 1) \
               (or: 1) ({ or ? 2 }: 2) ]";
    let root = rnix::Root::parse(src).tree();
    let mut seen = 0;
    for node in root.syntax().descendants() {
        let Some(l) = ast::Lambda::cast(node) else {
            continue;
        };
        seen += 1;
        for name in ["x", "a", "b", "c", "args", "d", "e", "or", ""] {
            assert_eq!(
                binds_param(&l, name),
                binds_param_ast(&l, name),
                "{name} in {}",
                l.syntax()
            );
        }
    }
    assert!(seen >= 5, "{seen} functions");
}

/// The green-tree reading of an application's head names the head the syntax tree does, and
/// the green walk of `scan` materialises the very syntax node it stands on.
#[test]
fn green_heads_are_the_syntax_ones() {
    let src = "[ (f a) (f a b) (lib.nixosSystem { }) ((mkHost \"a\") { }) (((g)) x) \
               ((x: x) 1) ({ a = 1; }.a 2) (a.b or c d) (a.${b} c) (a.\"b\" c) (import ./x { }) \
               (inputs.nixpkgs.lib.nixosSystem { modules = [ ]; }) ((f a).b c) (or 1) ]";
    let root = rnix::Root::parse(src).tree();
    let mut seen = 0;
    for node in root.syntax().descendants() {
        let Some(apply) = ast::Apply::cast(node.clone()) else {
            continue;
        };
        seen += 1;
        let syntax = apply_head_token(&apply);
        match green_head_text(node.green()) {
            Some("") => assert!(syntax.is_none(), "{node}: {syntax:?}"),
            Some(t) => assert_eq!(syntax.as_ref().map(|t| t.text()), Some(t), "{node}"),
            None => {}
        }
    }
    assert!(seen >= 14, "{seen} applications");
    // Every node the green walk passes is materialised as itself.
    let mut made = 0;
    green_walk(root.syntax(), |frames, _, reds| {
        let Some(f) = frames.last() else { return };
        let red = materialize(frames, reds).expect("materialised");
        assert!(std::ptr::eq(red.green(), f.node), "{red}");
        assert_eq!(red.text_range(), f.range());
        made += 1;
    });
    assert_eq!(made, root.syntax().descendants().count() - 1);
}

/// Names bound by `let`, `rec` and `inherit`, found on the green tree.
#[test]
fn let_bindings_are_found_on_the_green_tree() {
    let v = one(
        "let a.b = 1; inherit (x) c; d = \"d\"; \"e\" = 2; inherit d; f = d; in { x.y = f; }",
        "x.y",
    );
    assert_eq!(v, "\"d\"");
}

/// `(path, value, condition, module)` of an assignment.
type InModule = (String, String, Option<String>, usize);

/// `(path, value, condition, module)` of every assignment, and the file's index.
fn in_modules(src: &str) -> (Vec<InModule>, FileIndex) {
    let idx = FileIndex::build(src);
    assert!(idx.errors.is_empty(), "parse errors: {:?}", idx.errors);
    let rows = idx
        .assignments
        .iter()
        .map(|a| {
            (
                path_string(&a.path),
                a.value.v.to_string(),
                a.condition.clone(),
                a.module,
            )
        })
        .collect();
    (rows, idx)
}

/// The module exported as `name`, written in place.
fn exported(idx: &FileIndex, name: &str) -> usize {
    let found: Vec<usize> = idx
        .exports
        .iter()
        .filter(|(n, _)| n == name)
        .filter_map(|(_, r)| match r {
            ModuleRef::Inline(m) => Some(*m),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "{name} in {:?}", idx.exports);
    found[0]
}

/// flake-parts' `flake.modules.<class>.NAME`, `flake.nixosModules.NAME` and a flake's
/// `nixosModules.NAME`: the module's settings are the NixOS options they set, in a module of
/// their own, in every spelling.
#[test]
fn modules_defined_as_attribute_values() {
    for src in [
        "{ flake.modules.nixos.core = { security.sudo.wheelNeedsPassword = false; }; }",
        "{ flake.modules.nixos.core = { config, lib, pkgs, ... }: { security.sudo.wheelNeedsPassword = false; }; }",
        "{ flake.modules.nixos.core.security.sudo.wheelNeedsPassword = false; }",
        "{ flake.modules.nixos = { core.security.sudo = { wheelNeedsPassword = false; }; }; }",
        "{ flake = { modules = { nixos = { core = { security = { sudo.wheelNeedsPassword = false; }; }; }; }; }; }",
        "{ config, ... }: { config.flake.modules.nixos.core = { security.sudo.wheelNeedsPassword = false; }; }",
        "{ inputs, ... }: let x = 1; in { flake.modules.nixos.core = { lib, ... }: let y = 2; in { security.sudo.wheelNeedsPassword = lib.mkForce false; }; }",
        "{ flake.nixosModules.core = { security.sudo.wheelNeedsPassword = false; }; }",
        "{ flake.nixosModules.core.security.sudo.wheelNeedsPassword = false; }",
        "{ outputs = { self, nixpkgs }: { nixosModules.core = { pkgs, ... }: { security.sudo.wheelNeedsPassword = false; }; }; }",
        "{ outputs = inputs: { nixosModules = { core = { security.sudo.wheelNeedsPassword = false; }; }; }; }",
        "{ flake.modules.nixos.core = { config = { security.sudo.wheelNeedsPassword = false; }; }; }",
        "{ flake.modules.nixos.core.config.security.sudo.wheelNeedsPassword = false; }",
        "{ flake.modules.nixos.\"core\" = { security.sudo.wheelNeedsPassword = false; }; }",
        "{ flake.modules = { nixos = { \"core\".security.sudo.wheelNeedsPassword = false; }; }; }",
        "{ inputs, ... }: inputs.flake-parts.lib.mkFlake { inherit inputs; } { flake.modules.nixos.core = { security.sudo.wheelNeedsPassword = false; }; }",
        "{ inputs, ... }: inputs.flake-parts.lib.mkFlake { inherit inputs; } ({ config, ... }: { flake.nixosModules.core.security.sudo.wheelNeedsPassword = false; })",
    ] {
        let (mut rows, idx) = in_modules(src);
        // A flake's `outputs` is a function: not a module's option (as before).
        rows.retain(|r| r.0 != "outputs");
        let m = exported(&idx, "core");
        assert_ne!(m, 0, "{src}");
        assert_eq!(
            rows,
            [(
                "security.sudo.wheelNeedsPassword".to_string(),
                "false".to_string(),
                None,
                m
            )],
            "{src}"
        );
        assert!(idx.modules[m].is_module, "{src}");
        assert_eq!(idx.modules[m].class, None, "{src}");
    }
}

/// A module function under a repository's own option sets NixOS options; under a home
/// module's name (hjem's `modules.home.<n>`, `hjem`, `homeManager`) it sets the user's.
#[test]
fn modules_under_custom_options_and_home_modules() {
    let unit = |src: &str| {
        FileIndex::build(src)
            .assignments
            .iter()
            .any(|a| a.path.join(".") == "systemd.services.x.script")
    };
    assert!(unit(
        "{ config.my.features.base = { lib, pkgs, ... }: { systemd.services.x.script = \"run\"; }; }"
    ));
    for v in [
        "modules.home.ghostty",
        "hjem.extraModules.x",
        "my.homeManager.x",
    ] {
        let src = format!(
            "{{ config.{v} = {{ lib, pkgs, ... }}: {{ systemd.services.x.script = \"run\"; }}; }}"
        );
        assert!(!unit(&src), "{src}");
    }
}

/// unify's modules (`unify.nixos`, every host's; `unify.modules.<name>.nixos`, a feature's):
/// NixOS modules of their own, a `let` around the value included.
#[test]
fn unify_modules_hold_modules_of_their_class() {
    for (src, name) in [
        (
            "{ unify.nixos = let users = [ \"@wheel\" ]; in { nix.settings.trusted-users = users; }; }",
            "unify",
        ),
        (
            "{ unify.modules.laptop.nixos = { pkgs, ... }: { nix.settings.trusted-users = [ \"@wheel\" ]; }; }",
            "unify.laptop",
        ),
        (
            "{ unify.modules.laptop.nixos.nix.settings.trusted-users = [ \"@wheel\" ]; }",
            "unify.laptop",
        ),
    ] {
        let (mut rows, idx) = in_modules(src);
        let m = exported(&idx, name);
        assert_ne!(m, 0, "{src}");
        rows.retain(|r| r.3 == m);
        assert_eq!(rows.len(), 1, "{src}: {rows:?}");
        assert_eq!(rows[0].0, "nix.settings.trusted-users", "{src}");
    }
}

/// den's aspects (`den.default.nixos`, `den.aspects.<name>.nixos`): the attribute named for
/// the NixOS class is a NixOS module of its own, in every spelling; `darwin` likewise.
#[test]
fn den_aspects_hold_modules_of_their_class() {
    for (src, name) in [
        ("{ den.default.nixos = { security.sudo.wheelNeedsPassword = false; }; }", "den.default"),
        ("{ den.default = { includes = [ ]; nixos = { security.sudo.wheelNeedsPassword = false; }; }; }", "den.default"),
        ("{ den, ... }: { den.aspects.boot.plymouth = { nixos = { pkgs, ... }: { security.sudo.wheelNeedsPassword = false; }; }; }", "den.aspects.boot.plymouth"),
        ("{ den.aspects.core.nixos.security.sudo.wheelNeedsPassword = false; }", "den.aspects.core"),
    ] {
        let (mut rows, idx) = in_modules(src);
        let m = exported(&idx, name);
        assert_ne!(m, 0, "{src}");
        // The aspect's own attributes (`includes`) are the file's.
        rows.retain(|r| r.3 == m);
        assert_eq!(
            rows,
            [(
                "security.sudo.wheelNeedsPassword".to_string(),
                "false".to_string(),
                None,
                m
            )],
            "{src}"
        );
    }
    let (_, idx) = in_modules(
        "{ den.aspects.mac.darwin = { security.pam.services.sudo_local.touchIdAuth = true; }; }",
    );
    exported(&idx, "darwin:den.aspects.mac");
    // A path named `nixos` elsewhere is no aspect.
    let (rows, idx) = in_modules("{ my.nixos.enable = true; }");
    assert!(idx.exports.is_empty(), "{:?}", idx.exports);
    assert_eq!(rows.len(), 1);
    // An aspect made by a function bound in a `let` and included by `den.lib.parametric`: its
    // `nixos` module (here of `imports` and `config`) is indexed as a module of its own.
    let src = "{ den, ... }: let osContext = { OS, host }: { nixos = { config, lib, ... }: { imports = [ ]; config = { security.sudo.wheelNeedsPassword = false; }; }; }; in { df.base = den.lib.parametric { includes = [ (den.lib.take.exactly osContext) ]; }; }";
    let (rows, idx) = in_modules(src);
    assert_eq!(idx.exports.len(), 1, "{:?}", idx.exports);
    assert!(
        rows.iter()
            .any(|r| r.0 == "security.sudo.wheelNeedsPassword" && r.3 != 0),
        "{rows:?}"
    );
    // ... not in a file that does not use den.
    let (_, idx) = in_modules(
        "let f = x: { nixos = { config, ... }: { security.sudo.wheelNeedsPassword = false; }; }; in { }",
    );
    assert!(idx.exports.is_empty(), "{:?}", idx.exports);
}

#[test]
fn several_definitions_of_one_exported_module_are_one_module() {
    let src = r#"{
      flake.modules.nixos.base.nix.settings.trusted-users = [ "@wheel" ];
      flake.modules.nixos.base.networking.firewall.enable = false;
      flake.modules.nixos.base = { systemd.services.x.serviceConfig.User = "root"; };
      flake.modules.nixos.other = { users.users.u.extraGroups = [ "wheel" ]; };
    }"#;
    let (rows, idx) = in_modules(src);
    let base = exported(&idx, "base");
    let other = exported(&idx, "other");
    assert_ne!(base, other);
    let paths: Vec<(&str, usize)> = rows.iter().map(|r| (r.0.as_str(), r.3)).collect();
    assert_eq!(
        paths,
        [
            ("nix.settings.trusted-users", base),
            ("networking.firewall.enable", base),
            ("systemd.services.x.serviceConfig.User", base),
            ("users.users.u.extraGroups", other),
        ]
    );
}

/// `imports`, `options` with `config = mkIf ...`, and `mkMerge` bodies, as for a file's own
/// module.
#[test]
fn exported_module_shapes() {
    let src = r#"{ config, lib, ... }: {
      flake.modules.nixos.srv = { lib, config, ... }: {
        imports = [ ./hw.nix config.flake.modules.nixos.core ];
        options.my.srv.enable = lib.mkEnableOption "srv";
        config = lib.mkIf config.my.srv.enable { services.openssh.enable = true; };
      };
      flake.modules.nixos.merged = lib.mkMerge [
        (lib.mkIf config.x { networking.firewall.enable = false; })
        { boot.loader.systemd-boot.enable = true; }
      ];
      flake.modules.nixos.dotted.imports = [ inputs.self.modules.nixos.base ];
    }"#;
    let (rows, idx) = in_modules(src);
    let srv = exported(&idx, "srv");
    let merged = exported(&idx, "merged");
    let dotted = exported(&idx, "dotted");
    assert!(idx.modules[srv].declares_options);
    assert!(
        matches!(&idx.modules[srv].imports[..], [ModuleRef::Path(p, _), ModuleRef::Flake(n, _)] if p == "./hw.nix" && n == "core")
    );
    assert!(
        matches!(&idx.modules[dotted].imports[..], [ModuleRef::Flake(n, _)] if n == "base"),
        "{:?}",
        idx.modules[dotted].imports
    );
    assert_eq!(
        rows,
        [
            (
                "services.openssh.enable".to_string(),
                "true".to_string(),
                Some("config.my.srv.enable".to_string()),
                srv
            ),
            (
                "networking.firewall.enable".to_string(),
                "false".to_string(),
                Some("config.x".to_string()),
                merged
            ),
            (
                "boot.loader.systemd-boot.enable".to_string(),
                "true".to_string(),
                None,
                merged
            ),
        ]
    );
}

/// nix-darwin's modules are nix-darwin's; home-manager's and generic ones are not NixOS
/// modules and are not indexed.
#[test]
fn exported_module_classes() {
    let (rows, idx) = in_modules(
        "{ flake.modules.darwin.mac = { security.pam.enableSudoTouchIdAuth = true; }; flake.darwinModules.m2.system.defaults.dock.autohide = true; }",
    );
    let mac = exported(&idx, "darwin:mac");
    let m2 = exported(&idx, "darwin:m2");
    assert_eq!(idx.modules[mac].class, Some(ModuleKind::Darwin));
    assert_eq!(idx.modules[m2].class, Some(ModuleKind::Darwin));
    assert_eq!(rows.len(), 2);
    for src in [
        "{ flake.modules.homeManager.me = { programs.git.enable = true; }; }",
        "{ flake.modules.generic.g.nix.settings.trusted-users = [ \"me\" ]; }",
    ] {
        let (rows, idx) = in_modules(src);
        assert!(rows.is_empty(), "{src}: {rows:?}");
        assert!(idx.exports.is_empty(), "{src}");
    }
}

/// A host made of the flake's modules: `with config.flake.modules.nixos; [ core base ]`.
#[test]
fn hosts_import_exported_modules() {
    let src = r#"{ config, inputs, ... }: {
      flake.modules.nixos.host = {
        imports = with config.flake.modules.nixos; [ core base ];
      };
      flake.nixosConfigurations.h = inputs.nixpkgs.lib.nixosSystem {
        modules = with inputs.self.modules.nixos; [ host ./hw.nix ];
      };
      flake.modules.nixos.mac-host.imports = with config.flake.modules.darwin; [ mac ];
      flake.modules.nixos.other.imports = with lib; [ core ];
    }"#;
    let (_, idx) = in_modules(src);
    let host = exported(&idx, "host");
    let flake = |m: &[ModuleRef]| -> Vec<String> {
        m.iter()
            .map(|r| match r {
                ModuleRef::Flake(n, _) => format!("flake {n}"),
                ModuleRef::Path(p, _) => format!("path {p}"),
                other => format!("{other:?}").chars().take(12).collect(),
            })
            .collect()
    };
    assert_eq!(
        flake(&idx.modules[host].imports),
        ["flake core", "flake base"]
    );
    assert_eq!(idx.systems.len(), 1);
    assert_eq!(
        flake(&idx.systems[0].modules),
        ["flake host", "path ./hw.nix"]
    );
    let mac = exported(&idx, "mac-host");
    assert_eq!(flake(&idx.modules[mac].imports), ["flake darwin:mac"]);
    let other = exported(&idx, "other");
    assert_eq!(flake(&idx.modules[other].imports), ["External(\"co"]);
}

#[test]
fn services_built_by_list_to_attrs_and_map_attrs_prime() {
    // The generated service's settings, under the name as far as it is known.
    for src in [
        "let mk = n: { name = \"check-${n}\"; value = { script = \"run\"; }; }; in { systemd.services = builtins.listToAttrs (map mk disks); }",
        "{ lib, ... }: { systemd.services = lib.listToAttrs (lib.forEach nets (n: lib.nameValuePair \"net-${n}\" { script = \"run\"; })); }",
        "{ lib, cfg, ... }: { systemd.services = lib.mapAttrs' (n: v: lib.nameValuePair \"pod-${n}\" (let x = 1; in { script = \"run\"; })) cfg.pods; }",
        "{ lib, ... }: let mk = n: lib.nameValuePair \"a-${n}\" { script = \"run\"; }; in { systemd.services = lib.mkMerge [ (lib.listToAttrs (map mk names)) ]; }",
        // `flip mapAttrs'`, the value made by a helper whose body is under `with`.
        "{ lib, cfg, ... }: with lib; { systemd.services = let mk = name: data: with data; { script = \"run\"; }; in flip mapAttrs' cfg.backups (name: data: nameValuePair (\"backup-${name}\") (mk name data)); }",
        // Bound to a name in a `let` whose body is that name, the value made by a helper.
        "{ lib, cfg, ... }: let mkService = name: { dest, ... }: { script = \"run\"; }; in { systemd.services = let units = lib.mapAttrs' (name: info: { name = \"key-${name}\"; value = (mkService name info); }) cfg; in units; }",
    ] {
        let all = opts(src);
        assert_eq!(
            all.iter()
                .filter(|(p, v, ..)| p.starts_with("systemd.services.") && p.ends_with("${…}\".script") && v == "\"run\"")
                .count(),
            1,
            "{src}: {all:?}"
        );
    }
    // Not a name/value pair: nothing is made up.
    let all = opts("{ systemd.services = builtins.listToAttrs (map (n: n) xs); }");
    assert!(all.iter().all(|(p, ..)| !p.ends_with(".script")), "{all:?}");
}

#[test]
fn map_attrs_prime_over_a_set_written_in_place() {
    // Each entry under its own name, its value where it is written (`v`, `toString v`), or
    // computed from it.
    let src = "{ lib, ... }: {\n  systemd.services.p.environment = lib.mapAttrs' (n: v: lib.nameValuePair \"APP_${n}\" (toString v)) {\n    DEBUG = 1;\n    ADMIN_PASSWORD = \"admin\";\n  };\n  x.env = lib.mapAttrs' (n: v: lib.nameValuePair \"B_${n}\" \"<${v}>\") { A = \"a\"; };\n}\n";
    let all = opts(src);
    let find = |path: &str| {
        all.iter()
            .find(|(p, ..)| p == path)
            .map(|(_, v, ..)| v.clone())
    };
    assert_eq!(
        find("systemd.services.p.environment.APP_ADMIN_PASSWORD").as_deref(),
        Some("\"admin\""),
        "{all:?}"
    );
    assert_eq!(
        find("systemd.services.p.environment.APP_DEBUG").as_deref(),
        Some("1"),
        "{all:?}"
    );
    assert_eq!(find("x.env.B_A").as_deref(), Some("\"<a>\""), "{all:?}");
    let idx = FileIndex::build(src);
    let pw = idx
        .assignments
        .iter()
        .find(|a| a.path.last().is_some_and(|l| l == "APP_ADMIN_PASSWORD"))
        .expect("the password's assignment");
    assert_eq!(&src[pw.value.range], "\"admin\"");
}

#[test]
fn services_built_by_folds_and_lists_of_modules() {
    // Pairs from `mapAttrsToList`, from a fold that appends them, from `concatMap`; sets
    // merged by `foldr (//)` over a `let`-bound `forEach`; modules of `mkMerge` built by
    // `mapAttrsToList` with a function of the file.
    for src in [
        "{ lib, cfg, ... }: let mk = n: s: { name = \"trig-${n}\"; value = { script = \"run\"; }; }; in { systemd.services = lib.listToAttrs (lib.mapAttrsToList mk cfg.subs); }",
        "{ lib, cfg, ... }: let mk = acc: n: c: let w = n; in acc ++ [ { name = \"renew-${w}\"; value = { script = \"run\"; }; } ]; in { systemd.services = builtins.listToAttrs (lib.foldlAttrs mk [ ] cfg.instances); }",
        "{ lib, cfg, ... }: { systemd.services = lib.listToAttrs (lib.concatMap (n: [ (lib.nameValuePair \"c-${n}\" { script = \"run\"; }) ]) cfg.names); }",
        "{ lib, vms, ... }: let services = lib.forEach vms (vm: { \"vm-${vm.name}\" = { script = \"run\"; }; }); in { systemd.services = lib.foldr (a: b: a // b) { } services; }",
        "{ lib, vars, ... }: let mk = name: c: let f = 1; in { systemd.services.\"w-${name}\".script = \"run\"; }; in lib.mkMerge ([ { environment.etc.a.text = \"x\"; } ] ++ (lib.mapAttrsToList mk vars.instances))",
        "{ lib, xs, ... }: { systemd.services = lib.mergeAttrsList (map (x: { \"m-${x}\".script = \"run\"; }) xs); }",
        "{ lib, config, ... }: with lib; { systemd.services = mkMerge [ (flip mapAttrs' config.keys (n: k: nameValuePair \"key-${n}\" { script = \"run\"; })) ]; }",
        "{ lib, cfg, ... }: with lib; let mapSegments = f: mapAttrs' (n: v: f n v) cfg.segments; in { systemd.services = fold (a: b: a // b) { } (mapSegments (name: scfg: { \"bat-${name}\".script = \"run\"; })); }",
        "{ lib, templates, ... }: { systemd.services = lib.concatMapAttrs (name: t: { \"tpl-${name}\" = { script = \"run\"; }; }) templates; }",
    ] {
        let all = opts(src);
        assert_eq!(
            all.iter()
                .filter(|(p, v, ..)| p.starts_with("systemd.services.") && p.ends_with("${…}\".script") && v == "\"run\"")
                .count(),
            1,
            "{src}: {all:?}"
        );
    }
    // `optional(s)` of a list of modules: under its condition; never when it is `false`.
    let src = "{ lib, cfg, ... }: lib.mkMerge ([ ] ++ lib.optionals cfg.on (map (n: { systemd.services.\"o-${n}\".script = \"run\"; }) cfg.xs) ++ lib.optional false { systemd.services.never.script = \"run\"; })";
    let all = opts(src);
    assert!(all.iter().all(|(p, ..)| !p.contains("never")), "{all:?}");
    assert_eq!(
        all.iter()
            .filter(|(p, ..)| p.ends_with("${…}\".script"))
            .count(),
        1,
        "{all:?}"
    );
    // A fold that sums numbers is not a set of services.
    let all =
        opts("{ lib, xs, ... }: { systemd.services.a.port = lib.foldl' (a: b: a + b) 0 xs; }");
    assert_eq!(all.len(), 1, "{all:?}");
}

#[test]
fn a_value_built_by_a_let_bound_function() {
    let src = "let mk = disk: { description = \"backup ${disk}\"; script = \"run\"; }; in { systemd.services.backup0 = mk \"sda\"; systemd.services.port = add 1 2; }";
    assert_eq!(one(src, "systemd.services.backup0.script"), "\"run\"");
    // A function whose body is not a set: its value, as Nix gives it (`nix-instantiate
    // --eval` of the same expression: 2).
    let src = "let f = x: x + 1; in { services.a.port = f 1; }";
    assert_eq!(one(src, "services.a.port"), "2");
    // The parameter unknown where the body needs it: the call stays the value.
    let src = "{ y, ... }: let f = x: x + y; in { services.a.port = f 1; }";
    assert_eq!(one(src, "services.a.port"), "f 1");
}

#[test]
fn a_vm_built_from_one_module() {
    for src in [
        "let buildVM = m: (import <nixpkgs/nixos> { configuration = m; }).vm; in buildVM { services.openssh.enable = true; }",
        "{ mkMicroVM }: mkMicroVM ({ pkgs, ... }: { services.openssh.enable = true; })",
    ] {
        let idx = FileIndex::build(src);
        assert_eq!(idx.systems.len(), 1, "{src}: {:?}", idx.systems);
    }
    // A VM helper given a `modules` list is a system builder like any other.
    let idx = FileIndex::build("{ makeVm }: makeVm { ram = 4; }");
    assert!(idx.systems.is_empty(), "{:?}", idx.systems);
}

#[test]
fn a_clan_service_module() {
    let src = "{ roles.default.perInstance = { settings, ... }: { nixosModule = { config, ... }: { users.users.t.extraGroups = [ \"docker\" ]; }; }; }";
    let idx = FileIndex::build(src);
    let a: Vec<_> = idx
        .assignments
        .iter()
        .filter(|a| a.path.join(".") == "users.users.t.extraGroups")
        .collect();
    assert_eq!(a.len(), 1, "{:?}", idx.assignments);
    assert_ne!(a[0].module, 0, "a module of its own");
}

#[test]
fn a_module_given_to_a_custom_option() {
    // `local.desktops.NAME = { config, pkgs, ... }: { ... }` in a flake-parts module: a module
    // of its own; home-manager modules and flake-parts' perSystem are not.
    // And a framework's NixOS part under a path naming NixOS, whatever its parameters.
    for (src, option) in [
        (
            "{ self, ... }: { local.desktops.ruan = { config, pkgs, ... }: { services.transmission.openPeerPorts = true; }; }",
            "services.transmission.openPeerPorts",
        ),
        (
            "{ mods.nixos.tailscale.conf = { cfg, ... }: { services.tailscale.enable = true; services.tailscale.openFirewall = true; }; }",
            "services.tailscale.openFirewall",
        ),
    ] {
        let idx = FileIndex::build(src);
        let a: Vec<_> = idx
            .assignments
            .iter()
            .filter(|a| a.path.join(".") == option)
            .collect();
        assert_eq!(a.len(), 1, "{src}: {:?}", idx.assignments);
        assert_ne!(a[0].module, 0, "{src}");
    }
    for src in [
        "{ ... }: { my.users.alice = { pkgs, ... }: { home.packages = [ ]; services.x.enable = true; }; }",
        "{ ... }: { perSystem = { pkgs, ... }: { services.x.enable = true; }; }",
    ] {
        let idx = FileIndex::build(src);
        assert!(
            idx.assignments.iter().all(|a| !a.path.join(".").starts_with("services.")),
            "{src}: {:?}",
            idx.assignments
        );
    }
}

#[test]
fn a_flake_frameworks_nixpkgs_config() {
    for src in [
        "{ outputs = inputs: inputs.snowfall-lib.mkFlake { inherit inputs; channels-config = { permittedInsecurePackages = [ \"a-1\" ]; }; }; }",
        "{ outputs = inputs: inputs.flake-utils-plus.lib.mkFlake { channelsConfig.permittedInsecurePackages = [ \"a-1\" ]; }; }",
        // numtide blueprint, in each spelling of the set.
        "{ outputs = inputs: inputs.blueprint { inherit inputs; nixpkgs.config = { allowUnfree = true; permittedInsecurePackages = [ \"a-1\" ]; }; }; }",
        "{ outputs = inputs: inputs.blueprint { inherit inputs; nixpkgs.config.permittedInsecurePackages = [ \"a-1\" ]; }; }",
        "{ outputs = inputs: let x = 1; in inputs.blueprint { inherit inputs; nixpkgs = { config = { permittedInsecurePackages = [ \"a-1\" ]; }; }; }; }",
    ] {
        assert_eq!(one(src, "nixpkgs.config.permittedInsecurePackages"), "[ \"a-1\" ]", "{src}");
    }
}

/// The file's declared option defaults, as `(path, value)` texts.
fn declared(idx: &FileIndex) -> Vec<(String, String)> {
    idx.option_defaults
        .iter()
        .map(|(p, v)| (p.join("."), v.v.to_string()))
        .collect()
}

#[test]
fn options_declared_with_a_default_and_values_that_name_options() {
    // The file's declared defaults, and the option each value names (through `cfg`, or
    // `config.…` written out), for the run to fill in (`engine::option_defaults`).
    let src = "{ config, lib, ... }: with lib; let cfg = config.services.torrents; in { options.services.torrents = { enable = mkEnableOption \"t\"; openFirewall = mkOption { type = types.bool; default = true; }; quiet = mkEnableOption \"q\"; port = mkOption { type = types.port; }; }; config = mkIf cfg.enable { services.transmission.openPeerPorts = cfg.openFirewall; services.transmission.openRPCPort = config.services.torrents.quiet; }; }";
    let idx = FileIndex::build(src);
    let defaults = declared(&idx);
    assert_eq!(
        defaults,
        [
            ("services.torrents.enable".to_string(), "false".to_string()),
            (
                "services.torrents.openFirewall".to_string(),
                "true".to_string()
            ),
            ("services.torrents.quiet".to_string(), "false".to_string()),
        ]
    );
    let reads = |path: &str| {
        idx.assignments
            .iter()
            .find(|a| path_string(&a.path) == path)
            .and_then(|a| a.reads.as_ref())
            .map(|r| r.join("."))
    };
    assert_eq!(
        reads("services.transmission.openPeerPorts").as_deref(),
        Some("services.torrents.openFirewall")
    );
    assert_eq!(
        reads("services.transmission.openRPCPort").as_deref(),
        Some("services.torrents.quiet")
    );
    // The declarations written under `with lib;` or a `let` of their own.
    for src in [
        "{ lib, ... }: { options.my.ssh = with lib; { server = mkEnableOption \"s\"; port = mkOption { default = 22; }; }; }",
        "{ lib, ... }: { options.my.ssh = let t = lib.types; in { server = lib.mkEnableOption \"s\"; port = lib.mkOption { type = t.port; default = 22; }; }; }",
        "{ lib, ... }: { options = with lib; { my.ssh = let x = 1; in { server = mkEnableOption \"s\"; port = mkOption { default = 22; }; }; }; }",
    ] {
        let idx = FileIndex::build(src);
        let defaults = declared(&idx);
        assert_eq!(
            defaults,
            [
                ("my.ssh.server".to_string(), "false".to_string()),
                ("my.ssh.port".to_string(), "22".to_string())
            ],
            "{src}"
        );
    }
    // `config` that is not the module's argument names no option.
    let src = "let config = { a.b = 1; }; cfg = config.a; in { options.a.b = lib.mkOption { default = true; }; config.services.x.openFirewall = cfg.b; }";
    let idx = FileIndex::build(src);
    assert!(idx.assignments.iter().all(|a| a.reads.is_none()));
}

#[test]
fn a_colmena_hive_made_under_any_name() {
    // `hive = inputs.colmena.lib.makeHive { … }` in a flake-parts module's `let`: one system per
    // node, each with the defaults.
    let src = "{ inputs, ... }: let hive = inputs.colmena.lib.makeHive { meta.nixpkgs = import inputs.nixpkgs { }; defaults = { name, ... }: { imports = [ ./base.nix ]; }; web = { ... }: { imports = [ ./web.nix ]; }; db = { deployment.targetHost = \"db\"; }; }; in { flake.colmenaHive = hive; }";
    let idx = FileIndex::build(src);
    let names: Vec<&str> = idx.systems.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["hive.web", "hive.db"], "{:?}", idx.systems);
    assert!(
        idx.systems.iter().all(|s| s.modules.len() >= 2),
        "{:?}",
        idx.systems
    );
    // `makeHive` of something else than a set written here is not read as a hive.
    let idx = FileIndex::build(
        "{ inputs, self, ... }: let hive = inputs.colmena.lib.makeHive self.colmena; in { }",
    );
    assert!(idx.systems.is_empty(), "{:?}", idx.systems);
}

#[test]
fn split_string_of_a_known_string() {
    let src = "{ lib, ... }: { boot.kernelParams = lib.splitString \" \" ''\n  nopti  mitigations=off\n''; }";
    assert_eq!(
        one(src, "boot.kernelParams"),
        "[ \"nopti\" \"mitigations=off\" ]"
    );
    // An unknown string or separator stays unknown.
    let src = "{ lib, x, ... }: { boot.kernelParams = lib.splitString \" \" x; }";
    assert_eq!(one(src, "boot.kernelParams"), "lib.splitString \" \" x");
}

#[test]
fn generated_sets_whose_names_are_not_known_and_alternatives() {
    // `genAttrs` / `mapAttrs` over names set elsewhere: the body once, under `${…}`.
    for src in [
        "{ config, ... }: { users.users = builtins.genAttrs config.my.users (name: { initialPassword = \"temp\"; }); }",
        "{ lib, keys, ... }: { users.users = lib.mapAttrs (name: key: let k = key; in { initialPassword = \"temp\"; }) keys; }",
    ] {
        assert_eq!(
            one(src, "users.users.\"${…}\".initialPassword"),
            "\"temp\"",
            "{src}"
        );
    }
    // A helper nixsec cannot follow given sets to choose from: each, under that condition.
    let src = "{ self, pkgs, ... }: { users.users.a = { home = \"/home/a\"; } // (self.lib.systemTernary pkgs { initialPassword = \"temp\"; } { }); }";
    let all = opts(src);
    let hit = all
        .iter()
        .find(|(p, ..)| p == "users.users.a.initialPassword")
        .expect("initialPassword");
    assert_eq!(hit.2.as_deref(), Some("`self.lib.systemTernary` picks it"));
    // One set is an argument, not a choice.
    let all = opts("{ pkgs, ... }: { services.x = pkgs.callPackage ./x.nix { enable = true; }; }");
    assert!(
        all.iter().all(|(p, ..)| p != "services.x.enable"),
        "{all:?}"
    );
}

#[test]
fn images_built_with_a_configuration_and_hive_files() {
    // `image.override { configuration = MODULE; }`: a system of that module.
    let src = "{ rpi, ... }: let m = { pkgs, ... }: { networking.firewall.enable = false; }; in { images.netboot-1 = rpi.packages.aarch64-linux.net_image.override { configuration = m; }; }";
    let idx = FileIndex::build(src);
    assert_eq!(idx.systems.len(), 1, "{:?}", idx.systems);
    // A colmena hive file: `meta.nixpkgs` beside `defaults`, nodes as paths.
    let src = "{ nixpkgs, ... }@inputs: { defaults = { documentation.enable = false; }; meta = { nixpkgs = nixpkgs.legacyPackages.x86_64-linux; }; router = ./router.nix; nas = ./nas.nix; }";
    let idx = FileIndex::build(src);
    let names: Vec<&str> = idx.systems.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["colmena.router", "colmena.nas"],
        "{:?}",
        idx.systems
    );
    // `meta = { inherit nixpkgs; }` (a let-bound nixpkgs), a node written as an empty set.
    let src = "let nixpkgs = import <nixpkgs> { }; in { meta = { inherit nixpkgs; nodeNixpkgs = { }; }; defaults = { name, ... }: { imports = [ ./presets/all.nix ]; }; aubergine = { }; }";
    let idx = FileIndex::build(src);
    let names: Vec<&str> = idx.systems.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["colmena.aubergine"], "{:?}", idx.systems);
    // A flake input named colmena is no hive.
    let src = "{ inputs = { colmena = { url = \"github:zhaofengli/colmena\"; inputs.nixpkgs.follows = \"nixpkgs\"; }; }; outputs = { self, ... }: { }; }";
    assert!(FileIndex::build(src).systems.is_empty());
}

#[test]
fn strings_made_by_map() {
    // Over a known list: each string.
    let src = "let hosts = [ \"a\" \"b\" ]; in { nix.settings.substituters = map (h: \"http://${h}.lan\") hosts; }";
    assert_eq!(
        one(src, "nix.settings.substituters"),
        "[ \"http://a.lan\" \"http://b.lan\" ]"
    );
    // Over a list not known here: the one string it makes of any element, under a condition.
    let src = "{ others, ... }: { nix.settings.substituters = map (h: \"http://${h}.vpn:5349\") others; }";
    let all = opts(src);
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(all[0].1.contains("http://${…}.vpn:5349"), "{all:?}");
    // A function that makes no string: the call stays unknown.
    let src = "{ users, ... }: { nix.settings.trusted-users = map (u: u.name) users; }";
    assert_eq!(
        one(src, "nix.settings.trusted-users"),
        "map (u: u.name) users"
    );
}

#[test]
fn a_network_whose_machine_names_are_quoted() {
    // morph and NixOps networks name machines as strings.
    let src = "{ network = { pkgs = import <nixpkgs> { }; }; \"core\" = { deployment.targetHost = \"1.2.3.4\"; imports = [ ../modules ./machines/core.nix ]; }; \"evaluator-0\" = { deployment.targetHost = \"5.6.7.8\"; imports = [ ../modules ]; }; }";
    let idx = FileIndex::build(src);
    let names: Vec<&str> = idx.systems.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["nixops.core", "nixops.evaluator-0"],
        "{:?}",
        idx.systems
    );
}

/// A file of host variables with a `network` entry (`_: { hostName = "x"; network.lanIp = …; }`)
/// is no NixOps network: its values are no modules.
#[test]
fn host_variables_with_a_network_entry_are_no_network() {
    let src = "_: {\n  hostName = \"nixos-server\";\n  hostId = \"8425e349\";\n  disks = { system = \"/dev/sda\"; };\n  network.lanIp = \"10.42.0.42\";\n  smartDevices = [ { device = \"/dev/sda\"; } ];\n}\n";
    let idx = FileIndex::build(src);
    assert!(idx.systems.is_empty(), "{:?}", idx.systems);
}

/// A network's machines are its own settings, not options of the network file; a module whose
/// comments speak of `deployment.keys` is no network, and its settings stay its own.
#[test]
fn a_network_file_and_a_module_that_mentions_deployment() {
    let src = "{\n  network.description = \"web\";\n  llitt = {\n    deployment.targetHost = \"1.2.3.4\";\n    services.nginx.enable = true;\n  };\n}\n";
    let idx = FileIndex::build(src);
    assert_eq!(idx.systems.len(), 1, "{:?}", idx.systems);
    assert!(
        idx.assignments
            .iter()
            .all(|a| a.module != 0 || a.path.first().is_none_or(|p| p != "llitt")),
        "{:?}",
        idx.assignments
            .iter()
            .map(|a| a.path.join("."))
            .collect::<Vec<_>>()
    );
    let src = "{ config, ... }: {\n  # aclFile = config.deployment.keys.acl.path;\n  services.dokuwiki.sites.x = {\n    enable = true;\n    # usersFile = config.deployment.keys.users.path;\n  };\n}\n";
    let idx = FileIndex::build(src);
    assert!(idx.systems.is_empty(), "{:?}", idx.systems);
    assert!(
        idx.assignments
            .iter()
            .any(|a| a.path.join(".") == "services.dokuwiki.sites.x.enable"),
        "{:?}",
        idx.assignments
            .iter()
            .map(|a| a.path.join("."))
            .collect::<Vec<_>>()
    );
    // A machine's module with its own deployment settings (morph's `deployment.secrets`).
    let src = "{ pkgs, ... }: {\n  deployment.secrets.m = { source = \"../m.env\"; destination = \"/var/m.env\"; };\n  services.nginx.virtualHosts.a.locations.\"/\".extraConfig = \"x\";\n}\n";
    let idx = FileIndex::build(src);
    assert!(idx.systems.is_empty(), "{:?}", idx.systems);
    let paths: Vec<String> = idx.assignments.iter().map(|a| a.path.join(".")).collect();
    assert!(
        paths
            .iter()
            .all(|p| !p.starts_with("virtualHosts") && !p.starts_with("nginx")),
        "{paths:?}"
    );
}

/// A module wrapper the repository hands its modules (toodeluna's easy-hosts `specialArgs`):
/// `mkNixosModule { ... }` is a module; `mkModule { shared = ...; nixos = ...; darwin = ...; }`
/// is one whose `shared` and `nixos` parts are NixOS settings and whose `darwin` part is not.
#[test]
fn module_wrappers_given_as_arguments() {
    assert_eq!(
        opts("{ mkNixosModule, ... }:\nmkNixosModule {\n  services.avahi = {\n    enable = true;\n    openFirewall = true;\n  };\n}\n"),
        [
            plain("services.avahi.enable", "true"),
            plain("services.avahi.openFirewall", "true"),
        ]
    );
    assert_eq!(
        opts("{ mkModule, ... }:\nmkModule {\n  shared.services.openssh = {\n    enable = true;\n  };\n  nixos.services.openssh.settings = {\n    PasswordAuthentication = false;\n  };\n  darwin.services.openssh.extraConfig = \"x\";\n  nixos = {\n    imports = [ ./a.nix ];\n  };\n}\n"),
        [
            plain("services.openssh.enable", "true"),
            plain("services.openssh.settings.PasswordAuthentication", "false"),
        ]
    );
    let idx =
        FileIndex::build("{ mkModule, ... }:\nmkModule {\n  nixos.imports = [ ./a.nix ];\n}\n");
    assert!(
        matches!(&idx.modules[0].imports[..], [ModuleRef::Path(p, _)] if p == "./a.nix"),
        "{:?}",
        idx.modules[0].imports
    );
    // nix-darwin's and home-manager's wrappers, and a call of another name: not NixOS modules.
    for src in [
        "{ mkDarwinModule, ... }: mkDarwinModule { services.openssh.enable = true; }",
        "{ mkHomeModule, ... }: mkHomeModule { services.openssh.enable = true; }",
        "{ mkService, ... }: mkService { services.openssh.enable = true; }",
    ] {
        assert!(opts(src).is_empty(), "{src}");
    }
}

/// Units made by `concatMapAttrs` and by a `let`-bound function of the file that makes a set
/// of entries from a function it is given (rcambrj's `perNetworkIFB`): the entries the
/// function returns, their names unknown where they use its parameters.
#[test]
fn entries_made_by_a_function() {
    for src in [
        "{ lib, config, ... }: {\n  systemd.services = lib.concatMapAttrs (name: net: {\n    \"sqm-${name}\" = { script = \"tc\"; };\n  }) config.router.networks;\n}\n",
        "{ lib, config, ... }: {\n  systemd.services = let\n    perNetwork = fn: lib.concatMapAttrs (n: net: fn n net) config.router.networks;\n  in perNetwork (name: net: let ifb = \"x\"; in {\n    \"sqm-${name}\" = { script = \"tc\"; };\n  });\n}\n",
    ] {
        assert_eq!(
            opts(src),
            [plain("systemd.services.\"sqm-${…}\".script", "\"tc\"")],
            "{src}"
        );
    }
}

#[test]
fn a_value_that_is_its_own_condition_is_true() {
    let src = "{ config, lib, ... }: let cfg = config.x; in { services.displayManager.autoLogin = lib.mkIf cfg.autoLogin.enable { enable = cfg.autoLogin.enable; user = \"bob\"; }; }";
    assert_eq!(one(src, "services.displayManager.autoLogin.enable"), "true");
    // Another condition says nothing of the value; neither does the negated branch.
    let other = "{ config, lib, ... }: { services.displayManager.autoLogin = lib.mkIf config.x.on { enable = config.x.autoLogin; }; }";
    assert_ne!(
        one(other, "services.displayManager.autoLogin.enable"),
        "true"
    );
    let negated =
        "{ config, ... }: { services.x = if config.a.b then { } else { enable = config.a.b; }; }";
    assert_ne!(one(negated, "services.x.enable"), "true");
}

#[test]
fn an_inherited_set_bound_in_the_file_is_walked() {
    let src = "{ nixpkgs = let config = { permittedInsecurePackages = [ \"olm-3.2.16\" ]; allowUnfree = true; }; in { inherit config; }; }";
    assert_eq!(
        one(src, "nixpkgs.config.permittedInsecurePackages"),
        "[ \"olm-3.2.16\" ]"
    );
    assert_eq!(one(src, "nixpkgs.config.allowUnfree"), "true");
    // A name bound to anything else is the value itself.
    let src = "{ services.x = let port = 8080; in { inherit port; }; }";
    assert_eq!(one(src, "services.x.port"), "8080");
}

#[test]
fn an_imported_value_in_a_string_is_not_its_path() {
    assert_eq!(
        one("{ x = \"BY '${import ../keys/private/pw.nix}';\"; }", "x"),
        "\"BY '${…}';\""
    );
    assert_eq!(one("{ x = \"cp ${./pw} /etc\"; }", "x"), "\"cp ./pw /etc\"");
}

#[test]
fn a_generating_function_whose_body_is_under_with() {
    let src = "{ config, ... }: let users = { jl = { id = 1000; }; }; in { users.users = builtins.mapAttrs (username: groups: with users.${username}; { uid = id; isNormalUser = true; }) config.users.predefinedUsers; }";
    assert_eq!(one(src, "users.users.\"${…}\".isNormalUser"), "true");
}

#[test]
fn a_module_written_as_a_set_under_a_path_naming_nixos_modules() {
    // The dendritic pattern's own options: `my.modules.nixos.NAME = { … }`,
    // `configurations.nixos.HOST.module = { imports = [ … ]; }`.
    for (src, path) in [
        (
            "{ my.modules.nixos.network = { networking.firewall.enable = false; }; }",
            "networking.firewall.enable",
        ),
        (
            "{ ... }: let m = { pkgs, ... }: { networking.firewall.enable = false; }; in { configurations.nixos.\"x\".module = { imports = [ m ]; }; }",
            "imports",
        ),
    ] {
        let idx = FileIndex::build(src);
        assert!(idx.modules.len() >= 2, "{src}: {:?}", idx.modules);
        if path != "imports" {
            let a: Vec<_> = idx
                .assignments
                .iter()
                .filter(|a| a.path.join(".") == path)
                .collect();
            assert_eq!(a.len(), 1, "{src}: {:?}", idx.assignments);
            assert_ne!(a[0].module, 0);
        }
    }
    // A set of the repository's own settings under such a name is none.
    let idx = FileIndex::build("{ my.nixos = { enable = true; theme = \"dark\"; }; }");
    assert_eq!(idx.modules.len(), 1);
}

/// flake-utils-plus: `hostDefaults.modules` shared by every `hosts.NAME.modules`, in both
/// spellings (dotted and nested), and a host of nix-darwin by its `output`.
#[test]
fn flake_utils_plus_hosts() {
    let src = r#"{
  inputs.flake-utils-plus.url = "github:gytis-ivaskevicius/flake-utils-plus";
  outputs = inputs@{ self, nixpkgs, flake-utils-plus, ... }:
    flake-utils-plus.lib.mkFlake {
      inherit self inputs;
      hostDefaults.modules = [ ./modules/common.nix ];
      hosts.desktop.modules = [ ./hosts/desktop ];
      hosts = {
        server = { system = "x86_64-linux"; modules = [ ./hosts/server { services.openssh.enable = true; } ]; };
        mac = { output = "darwinConfigurations"; modules = [ ./hosts/mac.nix ]; };
      };
    };
}"#;
    let idx = FileIndex::build(src);
    let got: Vec<(String, ModuleKind, usize)> = idx
        .systems
        .iter()
        .map(|s| (s.name.clone(), s.kind, s.modules.len()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "nixosConfigurations.desktop".to_string(),
                ModuleKind::NixOS,
                2
            ),
            (
                "nixosConfigurations.server".to_string(),
                ModuleKind::NixOS,
                3
            ),
            (
                "darwinConfigurations.mac".to_string(),
                ModuleKind::Darwin,
                2
            ),
        ]
    );
    assert!(
        matches!(&idx.systems[1].modules[0], ModuleRef::Path(p, _) if p == "./modules/common.nix")
    );
    assert!(matches!(&idx.systems[1].modules[2], ModuleRef::Inline(_)));
    // flake-parts' `mkFlake` (two arguments) builds no host by itself.
    let parts = "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } { hosts.a.modules = [ ./a.nix ]; }; }";
    assert!(FileIndex::build(parts).systems.is_empty());
}

/// `null` in a module list (`(if c then ./x.nix else null)`, a list element written `null`)
/// imports nothing.
#[test]
fn null_in_imports_is_no_module() {
    let idx = FileIndex::build(
        "{ config, ... }: { imports = [ ./a.nix (if config.x then ./b.nix else null) null ]; }",
    );
    let got: Vec<String> = idx.modules[0]
        .imports
        .iter()
        .map(|r| match r {
            ModuleRef::Path(p, _) => p.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(got, ["./a.nix", "./b.nix"]);
}

/// `nixosSystem { extraModules = [ … ]; modules = [ … ]; }`: the system's modules are its
/// `modules` list (read before `extraModules`, whichever is written first).
#[test]
fn modules_before_extra_modules() {
    let src = r#"{
  outputs = { nixpkgs, self, inputs, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      extraModules = [ inputs.colmena.nixosModules.deploymentOptions ];
      modules = [ ./nodes/a self.nixosModules.common ];
    };
  };
}"#;
    let idx = FileIndex::build(src);
    assert_eq!(idx.systems.len(), 1);
    assert!(
        matches!(&idx.systems[0].modules[0], ModuleRef::Path(p, _) if p == "./nodes/a"),
        "{:?}",
        idx.systems[0].modules
    );
}

/// nixpkgs' option aliases in `imports` (`mkRenamedOptionModule [ "services" "vmwareGuest" ] [
/// … ]`) are modules that forward an option: their option paths are no imports.
#[test]
fn option_alias_modules_import_nothing() {
    let idx = FileIndex::build(
        r#"{ lib, ... }: { imports = [ ./a.nix (lib.mkRenamedOptionModule [ "services" "vmwareGuest" ] [ "virtualisation" "vmware" "guest" ]) (lib.mkRemovedOptionModule [ "services" "old" ] "gone") ]; }"#,
    );
    assert_eq!(
        idx.modules[0].imports.len(),
        1,
        "{:?}",
        idx.modules[0].imports
    );
    assert!(matches!(&idx.modules[0].imports[0], ModuleRef::Path(p, _) if p == "./a.nix"));
}

#[test]
fn builder_names_in_any_case_and_length() {
    // In the buffer and past it, ASCII and not.
    assert_eq!(system_builder("nixosSystem"), Some(ModuleKind::NixOS));
    assert_eq!(system_builder("mkHost"), Some(ModuleKind::NixOS));
    assert_eq!(system_builder("darwinSystem"), Some(ModuleKind::Darwin));
    assert_eq!(system_builder("mkHomeConfiguration"), None);
    let long = format!("mk{}Machine", "x".repeat(60));
    assert_eq!(system_builder(&long), Some(ModuleKind::NixOS));
    assert_eq!(system_builder("mkÉtéMachine"), Some(ModuleKind::NixOS));
    assert!(vm_builder("buildVM") && vm_builder("mkMicroVM") && vm_builder("makeVm"));
    assert!(!vm_builder("mkVMs") && !vm_builder("vm"));
    assert_eq!(ascii_lower("ÀbC", &mut [0; 48]), "Àbc");
}
