//! Print the secret patterns, one regex a line (for `scripts/bench-scan`, which runs ripgrep
//! with the same patterns).

fn main() {
    for r in nixsec_secrets::pattern_regexes() {
        println!("{r}");
    }
}
