//! nixsec-elf: what an ELF file asks the dynamic loader for, and how it was hardened.
//!
//! Parsing is done by `goblin`; this crate adds the loader's view (search paths with `$ORIGIN`,
//! `$LIB` and `$PLATFORM` expanded, `DT_NEEDED` resolved in ld.so's order) and the hardening
//! properties computed exactly as Debian's `checksec` 2.6 script computes them from `readelf -W`
//! output:
//!
//! | property | checksec's test | here |
//! |---|---|---|
//! | RELRO | `readelf -l` mentions `GNU_RELRO`; full when `readelf -d` mentions `BIND_NOW` | a `PT_GNU_RELRO` header; full with `DT_BIND_NOW` or `DF_BIND_NOW` in `DT_FLAGS` (`DF_1_NOW` alone prints `NOW`, not `BIND_NOW`, and stays partial) |
//! | canary | `readelf -s` mentions `__stack_chk_fail`, `__stack_chk_guard` or `__intel_security_cookie` | any `.dynsym`/`.symtab` name containing one of them |
//! | NX | a `GNU_STACK` header whose flags are not `RWE` | same; no `PT_GNU_STACK` is "no" |
//! | PIE | `Type: EXEC` no; `Type: DYN` with `DEBUG` in `readelf -d` yes, else `dso`; `REL` rel | same (`DT_DEBUG`, or `DEBUG` inside a dynamic string) |
//! | FORTIFY | a `.dynsym` name, leading `_` removed, ending in `_chk` | same |
//!
//! Bad input never panics: a file that goblin cannot parse is an [`ElfError`].
#![deny(missing_docs)]

use goblin::elf::dynamic::{
    DF_BIND_NOW, DT_BIND_NOW, DT_DEBUG, DT_FLAGS, DT_NEEDED, DT_RPATH, DT_RUNPATH,
};
use goblin::elf::header::{EM_386, EM_AARCH64, EM_ARM, EM_PPC64, EM_RISCV, EM_X86_64};
use goblin::elf::header::{ET_CORE, ET_DYN, ET_EXEC, ET_REL};
use goblin::elf::program_header::{PF_R, PF_W, PF_X, PT_GNU_RELRO, PT_GNU_STACK, PT_INTERP};
use serde::Serialize;

/// The four magic bytes of every ELF file.
pub const MAGIC: &[u8; 4] = b"\x7fELF";

/// The store directory every Nix path lives in.
pub const STORE_DIR: &str = "/nix/store";

/// True when `bytes` start like an ELF file.
#[must_use]
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// A file that starts like ELF but cannot be parsed.
#[derive(Debug, thiserror::Error)]
#[error("not a well-formed ELF file: {0}")]
pub struct ElfError(pub String);

/// checksec's PIE column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Pie {
    /// `ET_DYN` with `DT_DEBUG`: a position-independent executable.
    Yes,
    /// `ET_EXEC`.
    No,
    /// `ET_DYN` without `DT_DEBUG`: a shared library.
    Dso,
    /// `ET_REL`: an object file.
    Rel,
    /// Any other type (core dumps).
    #[serde(rename = "not_elf")]
    NotElf,
}

impl Pie {
    /// checksec's JSON word.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Pie::Yes => "yes",
            Pie::No => "no",
            Pie::Dso => "dso",
            Pie::Rel => "rel",
            Pie::NotElf => "not_elf",
        }
    }
}

/// RELRO level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Relro {
    /// `PT_GNU_RELRO` and immediate binding.
    Full,
    /// `PT_GNU_RELRO` with lazy binding.
    Partial,
    /// No `PT_GNU_RELRO`.
    None,
}

impl Relro {
    /// Our JSON word (`none`; checksec prints `no`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Relro::Full => "full",
            Relro::Partial => "partial",
            Relro::None => "none",
        }
    }
}

/// Everything this crate reads from one ELF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elf {
    /// `e_type` as a word: `exec`, `dyn`, `rel`, `core` or `other`.
    pub kind: &'static str,
    /// `e_machine`.
    pub machine: u16,
    /// 64-bit class.
    pub is_64: bool,
    /// PIE column.
    pub pie: Pie,
    /// A non-executable stack.
    pub nx: bool,
    /// RELRO level.
    pub relro: Relro,
    /// Stack protector symbols.
    pub canary: bool,
    /// `*_chk` imports.
    pub fortify: bool,
    /// `PT_INTERP`.
    pub interpreter: Option<String>,
    /// `DT_RPATH` entries (split on `:`, empty entries kept), in order.
    pub rpath: Option<Vec<String>>,
    /// `DT_RUNPATH` entries.
    pub runpath: Option<Vec<String>>,
    /// `DT_NEEDED` names.
    pub needed: Vec<String>,
}

fn split_path(s: &str) -> Vec<String> {
    s.split(':').map(str::to_string).collect()
}

/// Parse `bytes` (a whole ELF file).
///
/// # Errors
/// goblin refuses the file (truncated, garbage headers).
pub fn parse(bytes: &[u8]) -> Result<Elf, ElfError> {
    let elf = goblin::elf::Elf::parse(bytes).map_err(|e| ElfError(e.to_string()))?;
    let h = &elf.header;
    let mut relro_hdr = false;
    let mut stack: Option<u32> = None;
    let mut interpreter = None;
    for ph in &elf.program_headers {
        match ph.p_type {
            PT_GNU_RELRO => relro_hdr = true,
            PT_GNU_STACK if stack.is_none() => stack = Some(ph.p_flags),
            PT_INTERP => {
                // goblin reads it too, but only when it is valid UTF-8 and NUL-terminated.
                let start = usize::try_from(ph.p_offset).unwrap_or(usize::MAX);
                let len = usize::try_from(ph.p_filesz).unwrap_or(0);
                if let Some(raw) = start.checked_add(len).and_then(|end| bytes.get(start..end)) {
                    let raw = raw.split(|&b| b == 0).next().unwrap_or(raw);
                    interpreter = Some(String::from_utf8_lossy(raw).into_owned());
                }
            }
            _ => {}
        }
    }
    let mut bind_now = false;
    let mut debug = false;
    let mut rpath: Option<Vec<String>> = None;
    let mut runpath: Option<Vec<String>> = None;
    let mut needed = Vec::new();
    if let Some(dynamic) = &elf.dynamic {
        for d in &dynamic.dyns {
            let string = || {
                usize::try_from(d.d_val)
                    .ok()
                    .and_then(|o| elf.dynstrtab.get_at(o))
            };
            match d.d_tag {
                DT_BIND_NOW => bind_now = true,
                DT_FLAGS if d.d_val & DF_BIND_NOW != 0 => bind_now = true,
                DT_DEBUG => debug = true,
                DT_NEEDED => {
                    if let Some(s) = string() {
                        needed.push(s.to_string());
                    }
                }
                DT_RPATH => {
                    if let Some(s) = string() {
                        rpath.get_or_insert_with(Vec::new).extend(split_path(s));
                    }
                }
                DT_RUNPATH => {
                    if let Some(s) = string() {
                        runpath.get_or_insert_with(Vec::new).extend(split_path(s));
                    }
                }
                _ => {}
            }
            // checksec greps `readelf -d` text: a dynamic string with these words counts too.
            if matches!(d.d_tag, DT_NEEDED | DT_RPATH | DT_RUNPATH) {
                if let Some(s) = string() {
                    debug |= s.contains("DEBUG");
                    bind_now |= s.contains("BIND_NOW");
                }
            }
        }
    }
    let name_has = |name: &str| {
        name.contains("__stack_chk_fail")
            || name.contains("__stack_chk_guard")
            || name.contains("__intel_security_cookie")
    };
    let mut canary = false;
    let mut fortify = false;
    for sym in elf.dynsyms.iter() {
        if let Some(name) = elf.dynstrtab.get_at(sym.st_name) {
            canary |= name_has(name);
            fortify |= name.trim_start_matches('_').ends_with("_chk");
        }
    }
    if !canary {
        canary = elf
            .syms
            .iter()
            .filter_map(|s| elf.strtab.get_at(s.st_name))
            .any(name_has);
    }
    let (kind, pie) = match h.e_type {
        ET_EXEC => ("exec", Pie::No),
        ET_DYN if debug => ("dyn", Pie::Yes),
        ET_DYN => ("dyn", Pie::Dso),
        ET_REL => ("rel", Pie::Rel),
        ET_CORE => ("core", Pie::NotElf),
        _ => ("other", Pie::NotElf),
    };
    let nx = stack.is_some_and(|f| f & (PF_R | PF_W | PF_X) != (PF_R | PF_W | PF_X));
    let relro = match (relro_hdr, bind_now) {
        (true, true) => Relro::Full,
        (true, false) => Relro::Partial,
        (false, _) => Relro::None,
    };
    Ok(Elf {
        kind,
        machine: h.e_machine,
        is_64: elf.is_64,
        pie,
        nx,
        relro,
        canary,
        fortify,
        interpreter,
        rpath,
        runpath,
        needed,
    })
}

/// What `$PLATFORM` expands to for a machine (glibc's `_dl_platform` base names).
#[must_use]
pub fn platform(machine: u16) -> &'static str {
    match machine {
        EM_X86_64 => "x86_64",
        EM_386 => "i686",
        EM_AARCH64 => "aarch64",
        EM_ARM => "v7l",
        EM_PPC64 => "power8",
        EM_RISCV => "riscv64",
        _ => "unknown",
    }
}

/// Expand `$ORIGIN`, `$LIB` and `$PLATFORM` (and their `${...}` forms) in one search-path entry.
///
/// `origin` is the directory of the object; `$LIB` is `lib`, as nixpkgs' glibc (and glibc
/// built without multiarch) defines it.
#[must_use]
pub fn expand(entry: &str, origin: &str, machine: u16) -> String {
    let mut out = String::with_capacity(entry.len() + origin.len());
    let mut rest = entry;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, tail) = if let Some(b) = after.strip_prefix('{') {
            match b.find('}') {
                Some(j) => (&b[..j], &b[j + 1..]),
                None => ("", after),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        match name {
            "ORIGIN" => out.push_str(origin),
            "LIB" => out.push_str("lib"),
            "PLATFORM" => out.push_str(platform(machine)),
            _ => {
                out.push('$');
                rest = after;
                continue;
            }
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Where a needed library was searched for and found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    /// The `DT_NEEDED` name.
    pub name: String,
    /// The file the loader would open, if any.
    pub found: Option<String>,
}

/// The directories ld.so searches for this object's `DT_NEEDED` names, in order: `DT_RPATH`
/// only when there is no `DT_RUNPATH` (`LD_LIBRARY_PATH` is not the file's business), then
/// `DT_RUNPATH`, then `defaults` (the loader's trusted directories). Empty entries are the
/// current directory and are kept as `.`-relative `""`.
#[must_use]
pub fn search_dirs(elf: &Elf, origin: &str, defaults: &[String]) -> Vec<String> {
    let mut dirs = Vec::new();
    if elf.runpath.is_none() {
        if let Some(r) = &elf.rpath {
            dirs.extend(r.iter().map(|e| normalize(&expand(e, origin, elf.machine))));
        }
    }
    if let Some(r) = &elf.runpath {
        dirs.extend(r.iter().map(|e| normalize(&expand(e, origin, elf.machine))));
    }
    dirs.extend(defaults.iter().cloned());
    dirs
}

/// Resolve every `DT_NEEDED` name as ld.so would: a name with a `/` is used as it is; any
/// other is looked up in [`search_dirs`] order, first hit wins. `exists` answers for a logical
/// (absolute) path; relative directories (an empty entry is the current directory) never
/// resolve, because what they find depends on where the program is started.
pub fn resolve(
    elf: &Elf,
    origin: &str,
    defaults: &[String],
    exists: impl Fn(&str) -> bool,
) -> Vec<Resolution> {
    let dirs = search_dirs(elf, origin, defaults);
    elf.needed
        .iter()
        .map(|name| {
            let found = if name.contains('/') {
                (name.starts_with('/') && exists(name)).then(|| name.clone())
            } else {
                dirs.iter()
                    .filter(|d| d.starts_with('/'))
                    .map(|d| format!("{}/{name}", d.trim_end_matches('/')))
                    .find(|p| exists(p))
            };
            Resolution {
                name: name.clone(),
                found,
            }
        })
        .collect()
}

/// Remove `.` and `..` components of an absolute path lexically (`/a/b/../c` → `/a/c`); a
/// relative path is returned as it is.
#[must_use]
pub fn normalize(path: &str) -> String {
    if !path.starts_with('/') {
        return path.to_string();
    }
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// True when `path` is inside the Nix store (`/nix/store/<something>`).
#[must_use]
pub fn in_store(path: &str) -> bool {
    path.strip_prefix(STORE_DIR)
        .and_then(|r| r.strip_prefix('/'))
        .is_some_and(|r| !r.is_empty() && !r.starts_with("../") && r != "..")
        && !path.split('/').any(|c| c == "..")
}

/// One way this file's runtime search path escapes the store (NIX-008).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Escape {
    /// `rpath`, `runpath`, `interpreter` or `needed`.
    pub what: &'static str,
    /// The entry as written in the file.
    pub entry: String,
    /// Why it escapes.
    pub reason: &'static str,
}

/// The NIX-008 problems of one file: RPATH/RUNPATH entries that are empty (the current
/// directory), relative without `$ORIGIN`, or outside the store once expanded; an interpreter
/// outside the store; `$ORIGIN` in a setuid/setgid file; needed libraries found outside the
/// store.
#[must_use]
pub fn escapes(elf: &Elf, origin: &str, setuid: bool, resolved: &[Resolution]) -> Vec<Escape> {
    let mut out = Vec::new();
    for (what, list) in [("rpath", &elf.rpath), ("runpath", &elf.runpath)] {
        for e in list.iter().flatten() {
            let reason = if e.is_empty() {
                Some("empty entry: the current directory")
            } else if setuid && (e.contains("$ORIGIN") || e.contains("${ORIGIN}")) {
                Some("$ORIGIN in a setuid/setgid file")
            } else {
                let x = normalize(&expand(e, origin, elf.machine));
                if !x.starts_with('/') {
                    Some("relative directory: depends on the working directory")
                } else if !in_store(&x) {
                    Some("outside the Nix store")
                } else {
                    None
                }
            };
            if let Some(reason) = reason {
                out.push(Escape {
                    what,
                    entry: e.clone(),
                    reason,
                });
            }
        }
    }
    if let Some(i) = &elf.interpreter {
        if !in_store(i) {
            out.push(Escape {
                what: "interpreter",
                entry: i.clone(),
                reason: "outside the Nix store",
            });
        }
    }
    for r in resolved {
        if let Some(f) = &r.found {
            if !in_store(f) {
                out.push(Escape {
                    what: "needed",
                    entry: format!("{} => {f}", r.name),
                    reason: "resolves outside the Nix store",
                });
            }
        }
    }
    out
}

/// The loader's default directories on a non-Nix (Debian-style multiarch) system.
#[must_use]
pub fn host_default_dirs(machine: u16, is_64: bool) -> Vec<String> {
    let triple = match machine {
        EM_X86_64 => "x86_64-linux-gnu",
        EM_386 => "i386-linux-gnu",
        EM_AARCH64 => "aarch64-linux-gnu",
        EM_ARM => "arm-linux-gnueabihf",
        _ => "",
    };
    let mut v = Vec::new();
    if !triple.is_empty() {
        v.push(format!("/lib/{triple}"));
        v.push(format!("/usr/lib/{triple}"));
    }
    if is_64 {
        v.push("/lib64".into());
        v.push("/usr/lib64".into());
    }
    v.push("/lib".into());
    v.push("/usr/lib".into());
    v
}

/// The directory of a logical path (`/a/b/c` → `/a/b`).
#[must_use]
pub fn dirname(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => ".",
    }
}

/// Read `hardeningDisable` from a derivation's ATerm text (`Derive(...)`): the words of the
/// `("hardeningDisable","...")` env pair, or of the `hardeningDisable` list inside a
/// structured-attrs `__json` value.
#[must_use]
pub fn hardening_disable(drv: &str) -> Option<Vec<String>> {
    const KEY: &str = "(\"hardeningDisable\",\"";
    if let Some(i) = drv.find(KEY) {
        let v = aterm_string(&drv[i + KEY.len()..])?;
        return Some(v.split_whitespace().map(str::to_string).collect());
    }
    const JSON: &str = "(\"__json\",\"";
    let i = drv.find(JSON)?;
    let json = aterm_string(&drv[i + JSON.len()..])?;
    let k = json.find("\"hardeningDisable\"")?;
    let rest = &json[k + "\"hardeningDisable\"".len()..];
    let open = rest.find('[')?;
    let close = rest[open..].find(']')? + open;
    Some(
        rest[open + 1..close]
            .split(',')
            .map(|w| w.trim().trim_matches('"').to_string())
            .filter(|w| !w.is_empty())
            .collect(),
    )
}

/// The body of an ATerm string literal whose opening quote was just consumed.
fn aterm_string(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                o => out.push(o),
            },
            o => out.push(o),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_tokens() {
        assert_eq!(
            expand("$ORIGIN/../lib", "/nix/store/x-a/bin", EM_X86_64),
            "/nix/store/x-a/bin/../lib"
        );
        assert_eq!(
            expand("${ORIGIN}/$LIB/$PLATFORM", "/o", EM_X86_64),
            "/o/lib/x86_64"
        );
        assert_eq!(expand("/a/$FOO", "/o", EM_X86_64), "/a/$FOO");
        assert_eq!(expand("", "/o", EM_X86_64), "");
    }

    #[test]
    fn store_membership() {
        assert!(in_store("/nix/store/abc-x/lib"));
        assert!(!in_store("/nix/store"));
        assert!(!in_store("/nix/store/../../usr/lib"));
        assert!(!in_store("/usr/lib"));
        assert!(!in_store("/nix/storex/a"));
        assert_eq!(normalize("/nix/store/x/bin/../lib/"), "/nix/store/x/lib");
        assert_eq!(normalize("/a/../../b"), "/b");
    }

    #[test]
    fn reads_hardening_disable() {
        let drv = r#"Derive([("out","/nix/store/a-x","","")],[],[],"x86_64-linux","/bin/sh",["-c","x"],[("builder","/bin/sh"),("hardeningDisable","fortify pie"),("name","x")])"#;
        assert_eq!(
            hardening_disable(drv),
            Some(vec!["fortify".to_string(), "pie".to_string()])
        );
        let json = r#"Derive([],[],[],"x","b",[],[("__json","{\"hardeningDisable\":[\"all\"],\"name\":\"x\"}")])"#;
        assert_eq!(hardening_disable(json), Some(vec!["all".to_string()]));
        assert_eq!(
            hardening_disable("Derive([],[],[],\"x\",\"b\",[],[])"),
            None
        );
        assert_eq!(
            hardening_disable("(\"hardeningDisable\",\"unterminated"),
            None
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"\x7fELF\x02\x01\x01").is_err());
        assert!(parse(b"hello").is_err());
    }
}
