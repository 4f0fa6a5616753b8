//! Rebuild when a rule file is added or removed: `automod::dir!` lists the rule folders at
//! compile time, and cargo does not otherwise notice a new file.
fn main() {
    println!("cargo:rerun-if-changed=src/rules");
}
