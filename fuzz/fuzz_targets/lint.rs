//! `.nix` files: the lint index and the per-file rules, as `nixsec lint` runs them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Deep nesting is the linter's own (fixed in nixsec-lint); keep inputs of a size a
    // configuration file has.
    if data.len() > 64 * 1024 {
        return;
    }
    let src = String::from_utf8_lossy(data);
    let _ = nixsec_lint::engine::lint_source("fuzz.nix", &src);
});
