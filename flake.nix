{
  description = "nixsec: a security auditor for NixOS and Nix hosts";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (pkgs: rec {
        nixsec = pkgs.callPackage ./nix/package.nix { };
        default = nixsec;
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.stdenv.hostPlatform.system}.default}/bin/nixsec";
        };
      });

      overlays.default = final: _prev: {
        nixsec = final.callPackage ./nix/package.nix { };
      };

      # `services.nixsec`, with the package of this flake.
      nixosModules.default = { lib, pkgs, ... }: {
        imports = [ ./nix/module.nix ];
        services.nixsec.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.default;
      };

      checks = forAllSystems (pkgs:
        let
          nixsec = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
          # A NixOS system with the module on, evaluated (not built) for its unit files.
          system = nixpkgs.lib.nixosSystem {
            system = pkgs.stdenv.hostPlatform.system;
            modules = [
              self.nixosModules.default
              {
                boot.isContainer = true;
                system.stateVersion = "25.05";
                services.nixsec = {
                  enable = true;
                  vulns.enable = true;
                  prometheus.textfileDir = "/var/lib/prometheus-node-exporter-text-files";
                };
              }
            ];
          };
          units = system.config.systemd.units;
        in
        {
          package = nixsec;
          # The generated units score as the module promises in `nixsec units` (the audit's
          # unit 3.0 or less).
          module-exposure = pkgs.runCommand "nixsec-module-exposure" { } ''
            mkdir -p root/etc/systemd/system
            cp ${units."nixsec.service".unit}/nixsec.service root/etc/systemd/system/
            cp ${units."nixsec-vulns.service".unit}/nixsec-vulns.service root/etc/systemd/system/
            ${nixsec}/bin/nixsec units --root root nixsec --threshold 3.1
            ${nixsec}/bin/nixsec units --root root nixsec nixsec-vulns > $out
          '';
          # The repository's own Nix files have nothing for the linter.
          lint = pkgs.runCommand "nixsec-lint-self" { } ''
            ${nixsec}/bin/nixsec lint ${./flake.nix} ${./nix} > $out
          '';
        });
    };
}
