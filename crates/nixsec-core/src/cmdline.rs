//! Kernel command-line parameters that weaken the CPU vulnerability mitigations, as the kernel's
//! `Documentation/admin-guide/kernel-parameters.txt` describes them: one list for the audit
//! (`/proc/cmdline`, a built system's `kernel-params`) and the linter (`boot.kernelParams`).

/// True when `key` (with `value`, for `key=value`) turns a CPU vulnerability mitigation off.
#[must_use]
pub fn weakens_cpu_mitigations(key: &str, value: Option<&str>) -> bool {
    match (key, value) {
        ("mitigations", Some(v)) => v == "off",
        (
            "nopti"
            | "nospectre_v1"
            | "nospectre_v2"
            | "nospec_store_bypass_disable"
            | "noibrs"
            | "noibpb"
            | "no_stf_barrier"
            | "nospectre_bhb"
            | "nosmt_mitigations",
            None,
        ) => true,
        (
            "pti"
            | "spectre_v2"
            | "spectre_v2_user"
            | "spec_store_bypass_disable"
            | "spectre_bhi"
            | "spec_rstack_overflow"
            | "mds"
            | "l1tf"
            | "retbleed"
            | "mmio_stale_data"
            | "tsx_async_abort"
            | "srbds"
            | "gather_data_sampling"
            | "reg_file_data_sampling"
            | "indirect_target_selection",
            Some("off"),
        )
        | ("kpti", Some("off" | "0"))
        | ("ssbd", Some("force-off"))
        | ("tsx", Some("on")) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::weakens_cpu_mitigations as w;

    #[test]
    fn the_documented_parameters() {
        assert!(w("mitigations", Some("off")));
        assert!(!w("mitigations", Some("auto,nosmt")));
        for k in [
            "nopti",
            "noibrs",
            "noibpb",
            "no_stf_barrier",
            "nospectre_v2",
        ] {
            assert!(w(k, None), "{k}");
        }
        assert!(w("spectre_v2", Some("off")));
        assert!(w("kpti", Some("0")));
        assert!(!w("pti", Some("0")));
        assert!(!w("pti", Some("on")));
        assert!(w("tsx", Some("on")));
        assert!(!w("quiet", None));
    }
}
