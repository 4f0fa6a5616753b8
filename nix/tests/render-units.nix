# Evaluates nix/module.nix offline and renders its systemd units as NixOS writes them, so the
# tests can score them with `nixsec units` and `systemd-analyze security`. nixpkgs cannot be
# fetched where the tests run, so a minimal module system stands in for NixOS's: option
# defaults overridden by the definitions in `cfg` (unknown options and wrong types are errors),
# `mkIf`/`mkMerge` resolved, and units rendered like nixpkgs' `systemd-lib.nix` does
# (`serviceConfig` keys in attribute order, a list as one line per element, Booleans as
# `true`/`false`, `after`/`wants` joined by spaces). What NixOS adds to every unit (the `PATH`
# environment, `X-Restart-Triggers`) is left out: it does not change the exposure.
#
#   nix-instantiate --store dummy:// --eval --strict --json nix/tests/render-units.nix \
#     --arg cfg '{ enable = true; package = "/nix/store/...-nixsec"; }'
{ cfg ? { enable = true; } }:
let
  lib = import ./stub-lib.nix;
  storePath = name: "/nix/store/00000000000000000000000000000000-${name}";
  pkgs = {
    formats.toml = _: {
      type = lib.types.attrs;
      generate = name: _value: storePath name;
    };
    writeShellScript = name: _text: storePath name;
  };

  module = import ../module.nix {
    inherit lib pkgs;
    config = final;
  };

  isOption = d: builtins.isAttrs d && (d._type or null) == "option";

  # The value of every declared option: its definition in `defs`, else its default.
  apply = prefix: decls: defs:
    let
      unknown = builtins.filter (n: !(decls ? ${n})) (builtins.attrNames defs);
    in
    if unknown != [ ] then throw "${prefix}.${builtins.head unknown} does not exist"
    else builtins.mapAttrs
      (name: d:
        let where = "${prefix}.${name}"; in
        if isOption d then
          let
            v =
              if defs ? ${name} then defs.${name}
              else if d ? default then d.default
              else throw "${where} is used but not defined";
          in
          if d.type.check v then v else throw "${where}: not a ${d.type.name}"
        else apply where d (defs.${name} or { }))
      decls;

  final.services.nixsec = apply "services.nixsec" module.options.services.nixsec cfg;

  # `mkIf` and `mkMerge` resolved; attributes whose condition is false removed.
  resolve = v:
    if builtins.isAttrs v && (v._type or null) == "if" then
      (if v.condition then resolve v.content else null)
    else if builtins.isAttrs v && (v._type or null) == "merge" then
      builtins.foldl' (a: b: a // b) { } (builtins.filter (x: x != null) (map resolve v.contents))
    else if builtins.isAttrs v && !(v ? _type) then
      let r = builtins.mapAttrs (_: resolve) v; in
      builtins.removeAttrs r (builtins.filter (n: r.${n} == null) (builtins.attrNames r))
    else v;

  config = resolve module.config;

  value = v: if builtins.isBool v then (if v then "true" else "false") else toString v;
  lines = attrs: builtins.concatStringsSep "" (lib.concatMap
    (k:
      let v = attrs.${k}; in
      if builtins.isList v then map (x: "${k}=${value x}\n") v else [ "${k}=${value v}\n" ])
    (builtins.attrNames attrs));
  unitSection = u:
    let
      words = k: l: lib.optionals (l != [ ]) [ "${k}=${builtins.concatStringsSep " " l}\n" ];
    in
    "[Unit]\n"
    + builtins.concatStringsSep "" (
      lib.optional (u ? description) "Description=${u.description}\n"
      ++ words "Documentation" (u.documentation or [ ])
      ++ words "After" (u.after or [ ])
      ++ words "Wants" (u.wants or [ ])
    );
  service = s: unitSection s + "\n[Service]\n" + lines s.serviceConfig;
  timer = t: unitSection t + "\n[Timer]\n" + lines t.timerConfig;

  systemd = config.systemd or { };
in
{
  units =
    lib.mapAttrs' (n: s: { name = "${n}.service"; value = service s; }) (systemd.services or { })
    // lib.mapAttrs' (n: t: { name = "${n}.timer"; value = timer t; }) (systemd.timers or { });
  wantedBy = builtins.mapAttrs (_: t: t.wantedBy or [ ]) (systemd.timers or { });
  tmpfiles = systemd.tmpfiles.rules or [ ];
}
