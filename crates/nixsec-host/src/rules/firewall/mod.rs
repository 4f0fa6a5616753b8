//! Firewall and network (catalogue section 7, NIX-070..089).

automod::dir!(pub "src/rules/firewall");

#[cfg(test)]
pub(crate) mod testing {
    //! Fixture roots for the firewall rules: the real rulesets of `nixsec-firewall`'s
    //! fixtures and the real `/proc/net` capture of `tests/fixtures/proc-net`.
    use std::path::PathBuf;

    use nixsec_core::{AuditOptions, Outcome, Rule};
    use nixsec_testutil::RootBuilder;

    /// Path of a ruleset fixture of `nixsec-firewall`.
    pub fn fw_fixture_path(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../nixsec-firewall/tests/fixtures")
            .join(name)
    }

    /// Text of a ruleset fixture.
    pub fn fw_fixture(name: &str) -> String {
        std::fs::read_to_string(fw_fixture_path(name)).expect("fixture")
    }

    /// Text of a `/proc/net` capture fixture.
    pub fn procnet_fixture(name: &str) -> String {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/proc-net")
            .join(name);
        std::fs::read_to_string(p).expect("fixture")
    }

    /// Run `rule` with `--nft-json FILE`.
    pub fn run_with_nft(rule: &dyn Rule, b: &RootBuilder, nft: &std::path::Path) -> Outcome {
        let cx = b.cx().with_options(AuditOptions {
            nft_json: Some(nft.to_path_buf()),
            ..AuditOptions::default()
        });
        rule.check(&cx)
    }

    /// Store path of the NixOS firewall script in [`nixos_iptables_root`].
    pub const SCRIPT: &str =
        "/nix/store/00000000000000000000000000000000-firewall-start/bin/firewall-start";

    /// A NixOS root whose `firewall.service` (a link into the store, as NixOS makes it)
    /// starts the rendered `firewall-start` script of the fixtures (tcp/22 open).
    pub fn nixos_iptables_root() -> RootBuilder {
        let unit =
            "/nix/store/11111111111111111111111111111111-unit-firewall.service/firewall.service";
        RootBuilder::new()
            .file("/etc/NIXOS", "")
            .file(
                unit,
                format!("[Service]\nType=oneshot\nExecStart=@{SCRIPT} firewall-start\n"),
            )
            .symlink("/etc/systemd/system/firewall.service", unit)
            .file(SCRIPT, fw_fixture("nixos-firewall-start.sh"))
    }

    /// A NixOS root with the nftables firewall backend: `nftables.service` runs the
    /// `nftables-rules` script nixpkgs' `nftables.nix` writes (deletion includes, then the
    /// `nixos-fw` table of the `nixos-fw-nftables.nft` fixture: tcp/22 open).
    pub fn nixos_nftables_root() -> RootBuilder {
        let unit =
            "/nix/store/22222222222222222222222222222222-unit-nftables.service/nftables.service";
        let rules = "/nix/store/33333333333333333333333333333333-nftables-rules";
        let deletions = "/nix/store/44444444444444444444444444444444-nftables-deletions";
        let table: String = fw_fixture("nixos-fw-nftables.nft");
        RootBuilder::new()
            .file("/etc/NIXOS", "")
            .file(
                unit,
                format!("[Service]\nExecStartPre=/nix/store/55555555555555555555555555555555-nftables-ensure-deletions\nExecStart={rules}\nExecReload={rules}\n"),
            )
            .symlink("/etc/systemd/system/nftables.service", unit)
            .file(
                rules,
                format!("#! /nix/store/66666666666666666666666666666666-nftables-1.1.1/bin/nft -f\n# previous deletions, if any\ninclude \"/var/lib/nftables/deletions.nft\"\n# current deletions\ninclude \"{deletions}\"\n{table}"),
            )
            .file(
                deletions,
                "#! /nix/store/66666666666666666666666666666666-nftables-1.1.1/bin/nft -f\ntable inet nixos-fw\ndelete table inet nixos-fw\n",
            )
    }

    /// Add the `/proc/net` capture (python3 pid 10926 holding every socket) to `b`.
    pub fn with_proc_net(mut b: RootBuilder) -> RootBuilder {
        for f in ["tcp", "tcp6", "udp", "udp6"] {
            b = b.file(
                &format!("/proc/net/{f}"),
                procnet_fixture(&format!("proc-net-{f}.txt")),
            );
        }
        for line in procnet_fixture("proc-pid-fd.txt").lines() {
            if let Some((fd, target)) = line.split_once(" -> ") {
                b = b.symlink(&format!("/proc/10926/fd/{fd}"), target);
            }
        }
        b.file("/proc/10926/comm", "python3\n")
            .file("/proc/10926/cmdline", "python3\0listeners.py\0")
    }
}
