//! The wrappers a built system installs in `/run/wrappers/bin`: `security.wrappers`
//! (`security/wrappers/default.nix`) becomes the script of `suid-sgid-wrappers.service` (the
//! activation script before NixOS 23.05), which copies one `security-wrapper` per program and
//! gives it an owner, a group, a mode (`chmod "u+s,g-s,u+rx,g+x,o+x"`) or capabilities
//! (`setcap "cap_setpcap,cap_net_raw+ep"`). The script is replayed here; the wrapped program is
//! the store path compiled into the wrapper (`SOURCE_PROG`).

use nixsec_core::Root;

/// One wrapper of `/run/wrappers/bin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapper {
    /// Its name in `/run/wrappers/bin`.
    pub name: String,
    /// The `security-wrapper` store path copied there.
    pub wrapper: String,
    /// The program it runs, when the wrapper names one.
    pub source: Option<String>,
    /// Owner (a name or a number, as the script says).
    pub owner: String,
    /// Group.
    pub group: String,
    /// The mode after every `chmod` (`0o7777` bits).
    pub mode: u32,
    /// The capabilities set with `setcap`, without the `cap_setpcap` the wrapper needs itself.
    pub capabilities: String,
}

impl Wrapper {
    /// Setuid or setgid.
    #[must_use]
    pub fn privileged(&self) -> bool {
        self.mode & 0o6000 != 0 || !self.capabilities.is_empty()
    }
}

/// The wrappers and the script they come from.
#[derive(Debug, Clone, Default)]
pub struct Wrappers {
    /// The script replayed (a store path), when there is one.
    pub script: Option<String>,
    /// The wrappers, by name.
    pub wrappers: Vec<Wrapper>,
}

/// Why the wrappers could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WrappersError {
    /// The unit or its script could not be read.
    #[error(transparent)]
    Read(#[from] nixsec_core::RootError),
    /// A `chmod` the script runs is not a mode chmod(1) accepts.
    #[error("`{script}`: `chmod {mode}` of `{name}`: not a file mode")]
    Mode {
        /// The script.
        script: String,
        /// The wrapper.
        name: String,
        /// The mode as written.
        mode: String,
    },
}

/// Read the wrappers of the system (`etc`: its store etc tree).
///
/// # Errors
/// The unit names a script that cannot be read, or the script runs a `chmod` of no mode.
pub fn read(store: &Root, toplevel: &str, etc: &str) -> Result<Wrappers, WrappersError> {
    let unit = format!("{etc}/systemd/system/suid-sgid-wrappers.service");
    let script = match store.read_to_string(&unit) {
        Ok((_, text)) => text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("ExecStart="))
            .filter_map(|v| {
                v.trim_start_matches(['@', '-', '!', '+', ':'])
                    .split_whitespace()
                    .next()
                    .map(str::to_string)
            })
            .next(),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e.into()),
    };
    let (script, text) = match script {
        Some(p) => {
            let (_, t) = store.read_to_string(&p)?;
            (p, t)
        }
        None => {
            // Before the unit: the activation script.
            let p = format!("{toplevel}/activate");
            match store.read_to_string(&p) {
                Ok((_, t)) if t.contains("$wrapperDir/") => (p, t),
                Ok(_) => return Ok(Wrappers::default()),
                Err(e) if e.is_not_found() => return Ok(Wrappers::default()),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let mut out = parse(&script, &text)?;
    for w in &mut out.wrappers {
        w.source = source_of(store, &w.wrapper);
    }
    Ok(Wrappers {
        script: Some(script),
        wrappers: out.wrappers,
    })
}

/// The name of `"$wrapperDir/NAME"`.
fn target(word: &str) -> Option<&str> {
    word.strip_prefix("$wrapperDir/")
        .or_else(|| word.strip_prefix("${wrapperDir}/"))
}

/// Replay the wrapper lines of a script.
///
/// # Errors
/// A `chmod` of no mode.
pub fn parse(script: &str, text: &str) -> Result<Wrappers, WrappersError> {
    let mut out: Vec<Wrapper> = Vec::new();
    for line in text.lines() {
        let w = crate::split_params(line.trim());
        let Some(cmd) = w.first() else { continue };
        let base = cmd.rsplit('/').next().unwrap_or(cmd);
        let Some(name) = w.last().and_then(|x| target(x)) else {
            continue;
        };
        let find = |out: &mut Vec<Wrapper>| out.iter().position(|x| x.name == name);
        match base {
            "cp" if w.len() >= 3 => {
                let wrapper = w[w.len() - 2]
                    .strip_suffix("/bin/security-wrapper")
                    .unwrap_or(&w[w.len() - 2])
                    .to_string();
                if let Some(i) = find(&mut out) {
                    out.remove(i);
                }
                out.push(Wrapper {
                    name: name.to_string(),
                    wrapper,
                    source: None,
                    owner: "root".into(),
                    group: "root".into(),
                    mode: 0o555,
                    capabilities: String::new(),
                });
            }
            "chown" if w.len() >= 3 => {
                if let Some(i) = find(&mut out) {
                    let spec = &w[w.len() - 2];
                    let (o, g) = spec.split_once(':').unwrap_or((spec, ""));
                    out[i].owner = o.to_string();
                    if !g.is_empty() {
                        out[i].group = g.to_string();
                    }
                }
            }
            "chmod" if w.len() >= 3 => {
                if let Some(i) = find(&mut out) {
                    let spec = &w[w.len() - 2];
                    out[i].mode = chmod(out[i].mode, spec).ok_or_else(|| WrappersError::Mode {
                        script: script.to_string(),
                        name: name.to_string(),
                        mode: spec.clone(),
                    })?;
                }
            }
            "setcap" if w.len() >= 3 => {
                if let Some(i) = find(&mut out) {
                    out[i].capabilities = w[w.len() - 2]
                        .split(',')
                        .filter(|c| *c != "cap_setpcap")
                        .collect::<Vec<_>>()
                        .join(",");
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Wrappers {
        script: Some(script.to_string()),
        wrappers: out,
    })
}

/// Apply a chmod(1) mode (`0755`, `u+s,g-s,u+rx,g+x,o+x`, `a+rx`) to `mode`.
#[must_use]
pub fn chmod(mode: u32, spec: &str) -> Option<u32> {
    if !spec.is_empty() && spec.bytes().all(|b| b.is_ascii_digit()) {
        return u32::from_str_radix(spec, 8).ok().filter(|m| *m <= 0o7777);
    }
    let mut mode = mode;
    for clause in spec.split(',') {
        let op_at = clause.find(['+', '-', '='])?;
        let (who, rest) = clause.split_at(op_at);
        let who_mask = |c: char| match c {
            'u' => 0o4700,
            'g' => 0o2070,
            'o' => 0o1007,
            'a' => 0o7777,
            _ => 0,
        };
        let mut mask = if who.is_empty() {
            0o7777
        } else {
            who.chars().map(who_mask).fold(0, |a, b| a | b)
        };
        if who.chars().any(|c| who_mask(c) == 0) {
            return None;
        }
        if who.is_empty() || who.contains('a') {
            mask = 0o7777;
        }
        // One or more `op perms` runs: `u+rx-w`.
        let mut rest = rest;
        while let Some(op) = rest.chars().next() {
            let perms: String = rest[1..]
                .chars()
                .take_while(|c| !matches!(c, '+' | '-' | '='))
                .collect();
            rest = &rest[1 + perms.len()..];
            let mut bits = 0u32;
            for p in perms.chars() {
                bits |= match p {
                    'r' => 0o444,
                    'w' => 0o222,
                    'x' => 0o111,
                    'X' => 0o111,
                    's' => 0o6000,
                    't' => 0o1000,
                    _ => return None,
                };
            }
            let bits = bits & mask;
            match op {
                '+' => mode |= bits,
                '-' => mode &= !bits,
                '=' => mode = (mode & !(mask & 0o7777)) | bits,
                _ => return None,
            }
        }
    }
    Some(mode & 0o7777)
}

/// The first store path compiled into a wrapper that is not the wrapper itself.
fn source_of(store: &Root, wrapper: &str) -> Option<String> {
    let (_, bytes) = store
        .read_limited(format!("{wrapper}/bin/security-wrapper"), 8 * 1024 * 1024)
        .ok()?;
    let needle = b"/nix/store/";
    let mut i = 0;
    while let Some(at) = bytes[i..].windows(needle.len()).position(|w| w == needle) {
        let start = i + at;
        let end = bytes[start..]
            .iter()
            .position(|b| !b.is_ascii_graphic())
            .map_or(bytes.len(), |e| start + e);
        let s = String::from_utf8_lossy(&bytes[start..end]).into_owned();
        if !s.starts_with(wrapper) && s.len() > needle.len() + 33 {
            return Some(s);
        }
        i = end.max(start + 1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_as_chmod_sets_them() {
        assert_eq!(chmod(0, "u+s,g-s,u+rx,g+x,o+x"), Some(0o4511));
        assert_eq!(chmod(0, "u-s,g+s,u+rx,g+x"), Some(0o2510));
        assert_eq!(chmod(0, "u+rx,g+x,o+x"), Some(0o511));
        assert_eq!(chmod(0o777, "0000"), Some(0));
        assert_eq!(chmod(0, "a+rx"), Some(0o555));
        assert_eq!(chmod(0, "u=rwx,go=rx"), Some(0o755));
        assert_eq!(chmod(0, "z+x"), None);
    }

    #[test]
    fn the_unit_script_replayed() {
        let script = r#"chmod 755 "/run/wrappers"
wrapperDir=$(mktemp --directory --tmpdir="/run/wrappers" wrappers.XXXXXXXXXX)
chmod a+rx "$wrapperDir"
cp /nix/store/aaaa-security-wrapper-sudo-x86_64-unknown-linux-musl/bin/security-wrapper "$wrapperDir/sudo"
chmod 0000 "$wrapperDir/sudo"
chown root:root "$wrapperDir/sudo"
chmod "u+s,g-s,u+rx,g+x,o+x" "$wrapperDir/sudo"
cp /nix/store/bbbb-security-wrapper-ping-x86_64-unknown-linux-musl/bin/security-wrapper "$wrapperDir/ping"
chmod 0000 "$wrapperDir/ping"
chown root:root "$wrapperDir/ping"
/nix/store/cccc-libcap-2.70/bin/setcap "cap_setpcap,cap_net_raw+p" "$wrapperDir/ping"
chmod u+rx,g+x,o+x "$wrapperDir/ping"
"#;
        let w = parse("/s", script).expect("parse").wrappers;
        assert_eq!(w.len(), 2);
        assert_eq!(
            (w[0].name.as_str(), w[0].mode, w[0].capabilities.as_str()),
            ("ping", 0o511, "cap_net_raw+p")
        );
        assert_eq!(
            (w[1].name.as_str(), w[1].mode, w[1].owner.as_str()),
            ("sudo", 0o4511, "root")
        );
        assert!(w[1].privileged() && w[0].privileged());
        let e = parse("/s", "cp /nix/store/a/bin/security-wrapper \"$wrapperDir/x\"\nchmod \"q+z\" \"$wrapperDir/x\"\n")
            .expect_err("bad mode");
        assert!(e.to_string().contains("not a file mode"), "{e}");
    }
}
