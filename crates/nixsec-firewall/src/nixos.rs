//! The NixOS iptables firewall as its `firewall-start` script builds it (host-formats 3.4):
//! the script's `ip46tables`/`iptables`/`ip6tables` commands are replayed on an empty set of
//! tables, so the result is what the script leaves behind when it runs. Nothing is executed.

use crate::iptables::{build, shell_words, TableState};
use crate::model::{IpVer, Ruleset, Source, SourceKind};
use crate::Error;

/// What replaying a script found.
#[derive(Debug, Clone, Default)]
pub struct ScriptRun {
    /// The ruleset the script builds.
    pub ruleset: Ruleset,
    /// Commands that could not be replayed (shell variables, loops), with their line.
    pub skipped: Vec<(u32, String)>,
}

#[derive(Default)]
struct State {
    v4: Vec<TableState>,
    v6: Vec<TableState>,
}

impl State {
    fn tables(&mut self, v: IpVer) -> &mut Vec<TableState> {
        match v {
            IpVer::V4 => &mut self.v4,
            IpVer::V6 => &mut self.v6,
        }
    }
}

/// Replay the iptables commands of a NixOS `firewall-start` script (or any script of plain
/// iptables commands). `path` names it in errors and evidence.
///
/// # Errors
/// A rule command whose arguments cannot be read (naming the line).
pub fn replay_script(text: &str, path: &str) -> Result<ScriptRun, Error> {
    let mut st = State::default();
    let mut skipped = Vec::new();
    // Join `\`-continued lines, remembering where each command starts.
    let mut lines: Vec<(u32, String)> = Vec::new();
    let mut pending: Option<(u32, String)> = None;
    for (n, raw) in text.lines().enumerate() {
        let no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let (start, mut acc) = pending.take().unwrap_or((no, String::new()));
        if let Some(cont) = raw.strip_suffix('\\') {
            acc.push_str(cont);
            acc.push(' ');
            pending = Some((start, acc));
            continue;
        }
        acc.push_str(raw);
        lines.push((start, acc));
    }
    if let Some(p) = pending {
        lines.push(p);
    }
    for (no, line) in lines {
        // The first simple command: stop at `;`, `&&`, `||`, `|` and redirections.
        let words = match shell_words(&line) {
            Ok(w) => w,
            Err(_) => {
                skipped.push((no, line.trim().to_string()));
                continue;
            }
        };
        let mut cmd: Vec<String> = Vec::new();
        for w in words {
            if matches!(w.as_str(), ";" | "&&" | "||" | "|")
                || w.starts_with("2>")
                || w.starts_with('>')
                || w.ends_with(';')
            {
                if let Some(s) = w.strip_suffix(';') {
                    if !s.is_empty() {
                        cmd.push(s.to_string());
                    }
                }
                break;
            }
            cmd.push(w);
        }
        let Some(first) = cmd.first() else { continue };
        let prog = first.rsplit('/').next().unwrap_or(first);
        let vers: &[IpVer] = match prog {
            "ip46tables" => &[IpVer::V4, IpVer::V6],
            "iptables" | "iptables-nft" | "iptables-legacy" => &[IpVer::V4],
            "ip6tables" | "ip6tables-nft" | "ip6tables-legacy" => &[IpVer::V6],
            _ => continue,
        };
        if cmd.iter().any(|w| w.contains('$') || w.contains('`')) {
            skipped.push((no, line.trim().to_string()));
            continue;
        }
        let mut args: Vec<String> = cmd[1..].to_vec();
        // Global options: `-w [secs]`, `-t TABLE`.
        let mut table = "filter".to_string();
        let mut k = 0;
        while k < args.len() {
            match args[k].as_str() {
                "-w" | "--wait" => {
                    let n = if args.get(k + 1).is_some_and(|s| s.parse::<u32>().is_ok()) {
                        2
                    } else {
                        1
                    };
                    args.drain(k..k + n);
                }
                "-t" | "--table" if k + 1 < args.len() => {
                    table = args[k + 1].clone();
                    args.drain(k..k + 2);
                }
                _ => k += 1,
            }
        }
        let Some(op) = args.first().cloned() else {
            continue;
        };
        for &v in vers {
            apply(&mut st, v, &table, &op, &args[1..], no)
                .map_err(|m| Error::new(path, Some(no), m))?;
        }
    }
    let mut rs = Ruleset {
        sources: vec![Source {
            path: path.to_string(),
            kind: SourceKind::NixosFirewallScript,
        }],
        ..Ruleset::default()
    };
    for v in [IpVer::V4, IpVer::V6] {
        let tables = std::mem::take(st.tables(v));
        rs.chains.extend(build(&tables, v, 0, path)?);
    }
    Ok(ScriptRun {
        ruleset: rs,
        skipped,
    })
}

fn apply(
    st: &mut State,
    v: IpVer,
    table: &str,
    op: &str,
    rest: &[String],
    no: u32,
) -> Result<(), String> {
    let tables = st.tables(v);
    if !tables.iter().any(|t| t.name == table) {
        tables.push(TableState::new(table));
    }
    let Some(t) = tables.iter_mut().find(|t| t.name == table) else {
        return Ok(());
    };
    let chain = rest.first().cloned();
    match op {
        "-N" | "--new-chain" => {
            let c = chain.ok_or("`-N` without a chain")?;
            if t.chain_mut(&c).is_none() {
                t.chains.push((c, None, Vec::new()));
            }
        }
        "-X" | "--delete-chain" => match chain {
            Some(c) => t.chains.retain(|x| x.0 != c || x.1.is_some()),
            None => t.chains.retain(|x| x.1.is_some()),
        },
        "-F" | "--flush" => match chain {
            Some(c) => {
                if let Some(x) = t.chain_mut(&c) {
                    x.2.clear();
                }
            }
            None => t.chains.iter_mut().for_each(|x| x.2.clear()),
        },
        "-P" | "--policy" => {
            let c = chain.ok_or("`-P` without a chain")?;
            let p = rest.get(1).ok_or("`-P` without a policy")?;
            if let Some(x) = t.chain_mut(&c) {
                x.1 = Some(p.clone());
            }
        }
        "-A" | "--append" | "-I" | "--insert" | "-D" | "--delete" => {
            let c = chain.ok_or_else(|| format!("`{op}` without a chain"))?;
            let mut args: Vec<String> = rest[1..].to_vec();
            let mut pos = None;
            if (op == "-I" || op == "--insert")
                && args.first().is_some_and(|a| a.parse::<usize>().is_ok())
            {
                pos = args.first().and_then(|a| a.parse::<usize>().ok());
                args.remove(0);
            }
            // Validate now so a bad rule names its line.
            crate::iptables::parse_rule_args(&args)?;
            let Some(x) = t.chain_mut(&c) else {
                // The command would fail; the script goes on (`set -e` aside).
                return Ok(());
            };
            match op {
                "-A" | "--append" => x.2.push((args, Some(no))),
                "-I" | "--insert" => {
                    let at = pos.unwrap_or(1).saturating_sub(1).min(x.2.len());
                    x.2.insert(at, (args, Some(no)));
                }
                _ => {
                    if let Some(i) = x.2.iter().position(|(a, _)| *a == args) {
                        x.2.remove(i);
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}
