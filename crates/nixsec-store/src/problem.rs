//! Problem kinds: stable names, what each means, and the one-line fix shown in text output.

use serde::Serialize;

/// What is wrong with a store path. The kebab-case names are stable (JSON `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The NAR hash of the contents differs from the database.
    HashMismatch,
    /// The NAR size differs from the database.
    SizeMismatch,
    /// Valid in the database, absent on disk.
    Missing,
    /// On disk in the store directory, not in the database.
    Unregistered,
    /// A reference to a path that is not valid.
    DanglingReference,
    /// Fewer valid signatures by trusted keys than needed (and not built locally or
    /// content-addressed).
    Untrusted,
    /// A signature by a trusted key name that does not verify (or cannot be decoded).
    InvalidSignature,
    /// A content-addressed path whose contents or store path contradict its `ca`.
    CaMismatch,
    /// A file or directory writable by someone other than root, or owned by another user.
    Writable,
    /// A setuid or setgid file (Nix never creates one).
    Setuid,
    /// A mode other than 0444/0555 files and 0555 directories.
    BadPermissions,
    /// The store directory itself is world-writable.
    WorldWritable,
    /// A database row that cannot be understood (malformed hash, path or content address).
    BadMetadata,
    /// Part of the path could not be read, so it could not be checked.
    Unreadable,
    /// Binary cache: the stored (compressed) NAR file hashes differently from its `FileHash`.
    FileHashMismatch,
    /// Binary cache: the stored (compressed) NAR file's size differs from its `FileSize`.
    FileSizeMismatch,
    /// Binary cache: the NAR file cannot be decompressed, is truncated or malformed, or expands
    /// past its `NarSize`.
    CorruptNar,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 17] = [
        Kind::FileHashMismatch,
        Kind::FileSizeMismatch,
        Kind::CorruptNar,
        Kind::HashMismatch,
        Kind::SizeMismatch,
        Kind::CaMismatch,
        Kind::Missing,
        Kind::DanglingReference,
        Kind::InvalidSignature,
        Kind::Untrusted,
        Kind::Setuid,
        Kind::Writable,
        Kind::WorldWritable,
        Kind::BadPermissions,
        Kind::Unregistered,
        Kind::BadMetadata,
        Kind::Unreadable,
    ];

    /// The stable name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::HashMismatch => "hash-mismatch",
            Kind::SizeMismatch => "size-mismatch",
            Kind::Missing => "missing",
            Kind::Unregistered => "unregistered",
            Kind::DanglingReference => "dangling-reference",
            Kind::Untrusted => "untrusted",
            Kind::InvalidSignature => "invalid-signature",
            Kind::CaMismatch => "ca-mismatch",
            Kind::Writable => "writable",
            Kind::Setuid => "setuid",
            Kind::BadPermissions => "bad-permissions",
            Kind::WorldWritable => "world-writable",
            Kind::BadMetadata => "bad-metadata",
            Kind::Unreadable => "unreadable",
            Kind::FileHashMismatch => "file-hash-mismatch",
            Kind::FileSizeMismatch => "file-size-mismatch",
            Kind::CorruptNar => "corrupt-nar",
        }
    }

    /// One line: what to do.
    #[must_use]
    pub fn fix(self) -> &'static str {
        match self {
            Kind::HashMismatch | Kind::SizeMismatch => {
                "contents changed since registration: treat the host as compromised; `nix-store --verify --check-contents --repair` restores from a substituter (in a binary cache: the NAR is not what was signed; stop substituting from it and re-upload the path)"
            }
            Kind::CaMismatch => "the content address is false: delete the path (`nix-store --delete`) and fetch or rebuild it",
            Kind::Missing => "registered but gone: `nix-store --verify --repair` re-fetches it; find what deleted it (in a binary cache: re-upload the path with `nix copy --to`)",
            Kind::DanglingReference => "the database is inconsistent: back it up, then `nix-store --verify --repair`",
            Kind::InvalidSignature => "a forged or corrupted signature: delete the path and re-substitute it from a trusted cache",
            Kind::Untrusted => "nobody trusted vouches for it: delete and re-substitute it, or sign it if you built it (`nix store sign`)",
            Kind::Setuid => "Nix never creates setuid files: remove the bit (`chmod ug-s`) and investigate how it appeared",
            Kind::Writable => "store objects belong to root and are read-only: `chown -R root:root` and `chmod -R go-w` the path, then investigate",
            Kind::WorldWritable => "`chown root:nixbld /nix/store && chmod 1775 /nix/store`",
            Kind::BadPermissions => "canonical modes are 0444/0555 (files) and 0555 (directories): `nix-store --verify --check-contents --repair`",
            Kind::Unregistered => "not part of any valid path: `nix-store --gc` removes it; inspect it first",
            Kind::BadMetadata => "a malformed database row: back up db.sqlite and re-register the path (`nix-store --verify --repair`); a malformed narinfo: re-upload the path to the cache",
            Kind::Unreadable => "the detail says why it could not be read: permissions (run as root), a special file or a symlink leaving the store or cache (investigate it), or a size above `--max-nar-size` (raise it if the NAR is genuine); then verify again",
            Kind::FileHashMismatch | Kind::FileSizeMismatch | Kind::CorruptNar => {
                "the cache serves a NAR file other than the one its narinfo describes: stop substituting from it, then re-upload the path from a trusted store (`nix copy --to`)"
            }
        }
    }
}

/// One problem of one path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    /// The store path (or `/nix/store` itself).
    pub path: String,
    /// What is wrong.
    pub kind: Kind,
    /// Details: expected and found values, the first offending files.
    pub detail: String,
}

impl Kind {
    /// How bad the problem is (used by `--fail-on`).
    #[must_use]
    pub fn severity(self) -> nixsec_core::Severity {
        use nixsec_core::Severity;
        match self {
            Kind::HashMismatch
            | Kind::SizeMismatch
            | Kind::FileHashMismatch
            | Kind::FileSizeMismatch
            | Kind::CorruptNar
            | Kind::CaMismatch
            | Kind::InvalidSignature
            | Kind::Setuid => Severity::Critical,
            Kind::Missing
            | Kind::DanglingReference
            | Kind::Writable
            | Kind::WorldWritable
            | Kind::BadMetadata => Severity::High,
            Kind::Untrusted | Kind::BadPermissions | Kind::Unreadable => Severity::Medium,
            Kind::Unregistered => Severity::Low,
        }
    }

    /// The catalogue rule a problem of this kind belongs to: NIX-025 (store paths without
    /// provenance), NIX-017 (the store directory's mode) or NIX-026 (store contents tampered).
    #[must_use]
    pub fn rule(self) -> &'static str {
        match self {
            Kind::Untrusted => "NIX-025",
            Kind::WorldWritable => "NIX-017",
            _ => "NIX-026",
        }
    }

    /// True for kinds that mean "could not check" rather than "found wrong".
    #[must_use]
    pub fn is_error(self) -> bool {
        matches!(self, Kind::Unreadable)
    }
}
