# The part of nixpkgs' `lib` that nix/module.nix uses, for evaluating the module offline
# (nixpkgs cannot be fetched where the tests run). Same names and meanings as nixpkgs' `lib`;
# option types keep only their `check`, enough to reject a wrong definition.
let
  mkType = name: check: { _type = "option-type"; inherit name check; };
in
rec {
  mkOption = attrs: attrs // { _type = "option"; };
  mkEnableOption = name: mkOption {
    type = types.bool;
    default = false;
    description = "Whether to enable ${name}.";
  };
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkDefault = x: x;
  literalExpression = text: { _type = "literalExpression"; inherit text; };

  types = {
    bool = mkType "bool" builtins.isBool;
    str = mkType "str" builtins.isString;
    path = mkType "path" (x: builtins.isPath x || (builtins.isString x && builtins.substring 0 1 x == "/"));
    package = mkType "package" (x: builtins.isString x || (builtins.isAttrs x && x ? outPath));
    attrs = mkType "attrs" builtins.isAttrs;
    listOf = t: mkType "listOf ${t.name}" (x: builtins.isList x && builtins.all t.check x);
    nullOr = t: mkType "nullOr ${t.name}" (x: x == null || t.check x);
  };

  mapAttrs' = f: attrs: builtins.listToAttrs (map (n: f n attrs.${n}) (builtins.attrNames attrs));
  optional = cond: x: if cond then [ x ] else [ ];
  optionals = cond: xs: if cond then xs else [ ];
  optionalString = cond: s: if cond then s else "";
  concatMap = f: xs: builtins.concatLists (map f xs);
  concatStringsSep = builtins.concatStringsSep;
  hasPrefix = pre: s: builtins.substring 0 (builtins.stringLength pre) s == pre;
  escapeShellArg = arg:
    let s = toString arg; in
    if builtins.match "[[:alnum:],._+:@%/-]+" s == null
    then "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] s}'"
    else s;
  escapeShellArgs = args: builtins.concatStringsSep " " (map escapeShellArg args);
}
