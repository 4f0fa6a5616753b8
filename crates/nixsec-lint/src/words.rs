//! The words a file's whole text is looked through for before its tree is (`nixosSystem`
//! calls only in a file that names `System`, fetcher calls only where a fetcher is named):
//! all found in one pass over the text (a vectorised search for where any of them may
//! start), instead of one search per word.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, Input, MatchKind};

macro_rules! words {
    ($($name:ident = $text:literal,)*) => {
        /// The words, in the order of their bits.
        const TEXTS: &[&str] = &[$($text),*];
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[repr(u8)]
        enum Bit { $($name),* }
        $(
            #[doc = concat!("`", $text, "`")]
            pub const $name: Word = Word(Bit::$name as u8);
        )*
    };
}

/// One of the words [`Words`] records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Word(u8);

words! {
    NIXSEC = "nixsec:",
    DEN = "den.",
    SYSTEM = "System",
    MODULES = "modules",
    MODULES_UPPER = "Modules",
    MK = "mk",
    COLMENA = "colmena",
    MACHINES = "machines",
    NIXOS = "nixos",
    CONTAINERS = "containers",
    VM = "VM",
    VM_MIXED = "Vm",
    OVERRIDE = ".override",
    CONFIGURATION = "configuration",
    PERMITTED_INSECURE = "permittedInsecurePackages",
    ALLOW_INSECURE = "allowInsecurePredicate",
    NIXOS_MODULE = "nixosModule",
    DARWIN_MODULES = "darwinModules",
    UNIFY = "unify",
    FLAKE = "flake",
    MAKE_HIVE = "makeHive",
    EVAL_CONFIG = "nixos/lib/eval-config.nix",
    DEPLOYMENT = "deployment",
    INSTANCES = "instances",
    INVENTORY = "inventory",
    ADMIN = "admin",
    SSHD = "sshd",
    CLAN_CORE = "clan-core",
    FETCH_TARBALL = "fetchTarball",
    FETCH_GIT = "fetchGit",
    FETCHURL = "fetchurl",
    INPUTS = "inputs",
    OUTPUTS = "outputs",
    SNOWFALL = "snowfall-lib",
    MK_FLAKE = "mkFlake",
}

/// The matcher of the words, and for each word the bits of every word it holds
/// (`nixosModule` holds `nixos`): found where the longer one is.
static MATCHER: LazyLock<Option<(AhoCorasick, Vec<u64>)>> = LazyLock::new(|| {
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(TEXTS)
        .ok()?;
    let within = TEXTS
        .iter()
        .map(|outer| {
            TEXTS
                .iter()
                .enumerate()
                .filter(|(_, inner)| outer.contains(*inner))
                .fold(0u64, |m, (j, _)| m | 1 << j)
        })
        .collect();
    Some((ac, within))
});

/// Which of the words a text holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Words(u64);

impl Words {
    /// The words `text` holds (each found anywhere, inside other words too).
    #[must_use]
    pub fn of(text: &str) -> Words {
        let Some((ac, within)) = MATCHER.as_ref() else {
            // The matcher is built from constants; were it ever not, every word is taken as
            // present (the searches it saves are only skipped when a word is absent).
            return Words(u64::MAX);
        };
        // The longest word starting at each place a word starts: a word that starts inside
        // another is found by searching again from the next byte, a word that starts where
        // a longer one does is in the longer one's `within`.
        let mut bits = 0u64;
        let mut at = 0;
        while let Some(m) = ac.find(Input::new(text).span(at..text.len())) {
            bits |= within[m.pattern().as_usize()];
            at = m.start() + 1;
        }
        Words(bits)
    }

    /// Whether the text holds `w`.
    #[must_use]
    pub fn has(self, w: Word) -> bool {
        self.0 & (1 << w.0) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_is_found_where_it_is_and_only_there() {
        assert!(TEXTS.len() <= 64);
        for (i, t) in TEXTS.iter().enumerate() {
            let w = Word(u8::try_from(i).unwrap());
            let text = format!("xx {t} yy");
            let found = Words::of(&text);
            assert!(found.has(w), "{t}");
            // Any other word is found only when it is inside this one.
            for (j, u) in TEXTS.iter().enumerate() {
                let other = Word(u8::try_from(j).unwrap());
                assert_eq!(found.has(other), text.contains(u), "{u} in {text}");
            }
        }
        let none = Words::of("{ services.openssh.enable = true; }");
        assert!(!none.has(NIXOS) && !none.has(MK) && !none.has(SSHD));
        // Overlapping words are all found (`nixosModule` holds `nixos`).
        let both = Words::of("nixosModules.x");
        assert!(both.has(NIXOS) && both.has(NIXOS_MODULE) && both.has(MODULES_UPPER));
    }
}
