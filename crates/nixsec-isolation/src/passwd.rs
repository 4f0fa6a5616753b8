//! Home directories from `/etc/passwd` (name, uid, home), for per-user Flatpak installations,
//! LXC user containers and rootless Docker.

use nixsec_core::{Root, RootError};

/// A user and their home directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    /// Login name.
    pub user: String,
    /// User id.
    pub uid: u32,
    /// Home directory as written in passwd.
    pub dir: String,
}

/// Parse passwd text: `name:pw:uid:gid:gecos:home:shell`; comments, NIS lines and malformed
/// lines are skipped.
#[must_use]
pub fn parse(text: &str) -> Vec<Home> {
    text.lines()
        .filter(|l| {
            !(l.is_empty() || l.starts_with('#') || l.starts_with('+') || l.starts_with('-'))
        })
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 7 {
                return None;
            }
            Some(Home {
                user: f[0].to_string(),
                uid: f[2].parse().ok()?,
                dir: f[5].to_string(),
            })
        })
        .collect()
}

/// Users whose home is an absolute directory other than `/`, one entry per distinct home
/// (the first user listed wins).
///
/// # Errors
/// `/etc/passwd` exists but cannot be read (a missing one is no homes).
pub fn homes(root: &Root) -> Result<Vec<Home>, RootError> {
    let text = match root.read_to_string("/etc/passwd") {
        Ok((_, t)) => t,
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out: Vec<Home> = Vec::new();
    for h in parse(&text) {
        let d = h.dir.trim_end_matches('/');
        if !h.dir.starts_with('/')
            || d.is_empty()
            || matches!(d, "/var/empty" | "/nonexistent" | "/dev/null")
        {
            continue;
        }
        if out.iter().any(|o| o.dir.trim_end_matches('/') == d) {
            continue;
        }
        out.push(h);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_homes() {
        let h = parse(
            "root:x:0:0:root:/root:/bin/bash\n#c\nbad:x\nalice:x:1000:100::/home/alice:/bin/sh\n",
        );
        assert_eq!(h.len(), 2);
        assert_eq!(
            (h[1].user.as_str(), h[1].uid, h[1].dir.as_str()),
            ("alice", 1000, "/home/alice")
        );
    }
}
