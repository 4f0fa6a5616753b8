//! The firewall section end to end: `--nft-json` on the real fixture rulesets, and a live
//! network namespace made by the test (real `nft`, real listeners, real `/proc`), whose saved
//! state nixsec must read back naming exactly the listener the ruleset exposes, and with the
//! same ruleset minus that port, none.

use std::path::{Path, PathBuf};
use std::process::Command as Std;

use crate::tools;
use crate::{audit_json, finding};

fn fw_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/nixsec-firewall/tests/fixtures")
        .join(name)
}

#[test]
fn nft_json_option_feeds_the_firewall_rules() {
    let t = tempfile::tempdir().expect("tempdir");
    let nft = fw_fixture("default-deny.json");
    let (_, report) = audit_json(
        t.path(),
        &[
            "--section",
            "firewall",
            "--nft-json",
            nft.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(finding(&report, "NIX-070")["status"], "pass");
    let m = finding(&report, "NIX-071")["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        m,
        "2 port(s) accepted from other hosts, none sensitive or broad: IPv4 tcp/22, IPv6 tcp/22"
    );
    let (code, report) = audit_json(
        t.path(),
        &[
            "--rule",
            "NIX-070",
            "--nft-json",
            fw_fixture("debian-default-open.json")
                .to_str()
                .expect("utf-8"),
        ],
    );
    assert_eq!(finding(&report, "NIX-070")["status"], "fail");
    assert_eq!(code, 1, "a high failure fails the run");
}

#[test]
fn nft_json_that_is_garbage_is_an_error_not_a_pass() {
    let t = tempfile::tempdir().expect("tempdir");
    let bad = t.path().join("ruleset.json");
    std::fs::write(&bad, "{\"nftables\": [ {\"table\": ").expect("write");
    let (_, report) = audit_json(
        t.path(),
        &[
            "--section",
            "firewall",
            "--nft-json",
            bad.to_str().expect("utf-8"),
        ],
    );
    let f = finding(&report, "NIX-070");
    assert_eq!(f["status"], "error");
    assert!(
        f["message"]
            .as_str()
            .unwrap_or_default()
            .contains("ruleset.json`: not valid JSON"),
        "{f}"
    );
}

/// The script run inside `unshare -n`: a veth pair with 192.0.2.1 (TEST-NET-1) on one end,
/// the ruleset loaded with `nft -f`, listeners started, the state saved into `$1`.
const NETNS_SCRIPT: &str = r#"set -eu
out=$1
ip link set lo up
ip link add nxs0 type veth peer name nxs1
ip addr add 192.0.2.1/24 dev nxs0
ip link set nxs0 up
ip link set nxs1 up
nft -f "$out/ruleset.nft"
python3 "$out/listen.py" > "$out/ready" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/ready" ] && break; sleep 0.05; done
nft -j list ruleset > "$out/ruleset.json"
nft -f "$out/ruleset-closed.nft"
nft -j list ruleset > "$out/ruleset-closed.json"
mkdir -p "$out/root/proc/net" "$out/root/proc/$pid/fd" "$out/root/proc/sys/net/ipv6"
for f in tcp tcp6 udp udp6; do cat /proc/net/$f > "$out/root/proc/net/$f"; done
cat /proc/sys/net/ipv6/bindv6only > "$out/root/proc/sys/net/ipv6/bindv6only"
for fd in /proc/$pid/fd/*; do ln -s "$(readlink "$fd")" "$out/root/proc/$pid/fd/${fd##*/}"; done
cat /proc/$pid/comm > "$out/root/proc/$pid/comm"
cat /proc/$pid/cmdline > "$out/root/proc/$pid/cmdline"
kill "$pid"
wait "$pid" 2>/dev/null || true
echo "$pid" > "$out/pid"
"#;

const RULESET: &str = "table inet filter {
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tiifname \"lo\" accept
\t\tct state established,related accept
\t\ttcp dport { 22, 5432 } accept
\t}
}
";

/// [`RULESET`] without 5432: every listener outside loopback is blocked.
fn ruleset_closed() -> String {
    format!(
        "flush ruleset\n{}",
        RULESET.replace("tcp dport { 22, 5432 }", "tcp dport { 22 }")
    )
}

/// Binds only to loopback and the namespace's own test address.
const LISTEN_PY: &str = "import socket, sys, time
socks = []
def tcp(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((addr, port)); s.listen(4); socks.append(s)
tcp('127.0.0.1', 8080)      # loopback only
tcp('192.0.2.1', 5432)      # on the veth address, port accepted: exposed
tcp('192.0.2.1', 6379)      # on the veth address, port not accepted: blocked
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(('192.0.2.1', 5353)); socks.append(u)  # UDP, not accepted: blocked
print('ready'); sys.stdout.flush()
time.sleep(60)
";

#[test]
fn network_namespace_end_to_end() {
    if !tools::require(&["unshare", "ip", "nft", "python3"]) {
        return;
    }
    let probe = Std::new("unshare").args(["-n", "true"]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        let why = match &probe {
            Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
            Err(e) => e.to_string(),
        };
        tools::skip(&format!("`unshare -n` is not permitted here ({why})"));
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let out = t.path();
    std::fs::write(out.join("ruleset.nft"), RULESET).expect("write");
    std::fs::write(out.join("ruleset-closed.nft"), ruleset_closed()).expect("write");
    std::fs::write(out.join("listen.py"), LISTEN_PY).expect("write");
    std::fs::write(out.join("netns.sh"), NETNS_SCRIPT).expect("write");
    let run = Std::new("unshare")
        .args(["-n", "bash"])
        .arg(out.join("netns.sh"))
        .arg(out)
        .output()
        .expect("unshare");
    let stderr = String::from_utf8_lossy(&run.stderr);
    if !run.status.success() && stderr.contains("Unknown device type") {
        tools::skip(&format!("no veth support in this kernel: {stderr}"));
        return;
    }
    assert!(run.status.success(), "namespace script failed: {stderr}");
    let pid = std::fs::read_to_string(out.join("pid")).expect("pid");
    let pid = pid.trim();
    let nft = out.join("ruleset.json");
    let (code, report) = audit_json(
        &out.join("root"),
        &[
            "--rule",
            "NIX-074",
            "--nft-json",
            nft.to_str().expect("utf-8"),
        ],
    );
    // One finding: the exposed port. 8080 (loopback), 6379 and 5353 (not accepted) are none.
    let fs: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "NIX-074")
        .collect();
    assert_eq!(fs.len(), 1, "{fs:#?}");
    let f = fs[0];
    assert_eq!(f["status"], "fail", "{f}");
    assert_eq!(f["subject"], "tcp/5432", "{f}");
    assert_eq!(f["severity"], "medium", "5432 is a risk port: {f}");
    assert_eq!(code, 0, "medium is below the default fail-on threshold");
    let rows = |f: &serde_json::Value| -> Vec<String> {
        f["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .filter_map(|e| e["value"].as_str().map(str::to_string))
            .collect()
    };
    let exposed = rows(f);
    assert_eq!(exposed.len(), 1, "{exposed:#?}");
    let want = format!("tcp   192.0.2.1:5432         python3 (pid {pid})");
    assert!(exposed[0].starts_with(&want), "{exposed:#?}");
    assert!(
        exposed[0].contains(
            "EXPOSED: IPv4 admitted by `inet filter input: tcp dport { 22, 5432 } accept"
        ),
        "{exposed:#?}"
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!(
                "`tcp/5432` of python3 (pid {pid}) on 192.0.2.1:5432 is reachable from other hosts"
            )),
        "{f}"
    );
    // The same ruleset without 5432: nothing is reachable, and every listener is listed with
    // what the firewall does with it.
    let closed = out.join("ruleset-closed.json");
    let (_, report) = audit_json(
        &out.join("root"),
        &[
            "--rule",
            "NIX-074",
            "--nft-json",
            closed.to_str().expect("utf-8"),
        ],
    );
    let f = finding(&report, "NIX-074");
    assert_eq!(f["status"], "pass", "{f}");
    let rows = rows(f);
    for (endpoint, word) in [
        ("127.0.0.1:8080", "loopback only"),
        ("192.0.2.1:5432", "blocked"),
        ("192.0.2.1:6379", "blocked"),
        ("192.0.2.1:5353", "blocked"),
    ] {
        assert!(
            rows.iter()
                .any(|r| r.contains(endpoint) && r.contains(word)),
            "{endpoint} {word}: {rows:#?}"
        );
    }
    assert_eq!(rows.len(), 4, "{rows:#?}");
}

/// Inside `unshare -n`: the ruleset loaded with `nft`, listeners started, then a default
/// `nixsec audit` of the live host (which reads the rules over netlink), the same audit given
/// `nft -j list ruleset` with `--nft-json`, and the live audit again as `nobody`.
const LIVE_SCRIPT: &str = r#"set -eu
out=$1; bin=$2
ip link set lo up
ip link add nxs0 type veth peer name nxs1
ip addr add 192.0.2.1/24 dev nxs0
ip link set nxs0 up
ip link set nxs1 up
nft -f "$out/ruleset.nft"
python3 "$out/listen.py" > "$out/ready" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/ready" ] && break; sleep 0.05; done
export NIXSEC_CACHE_DIR="$out/no-cache"
"$bin" audit --section firewall --format json --output "$out/live.json" || true
nft -j list ruleset > "$out/ruleset.json"
"$bin" audit --section firewall --format json --nft-json "$out/ruleset.json" --output "$out/nft-json.json" || true
setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" audit --rule NIX-070 --format json > "$out/nobody.json" || true
"#;

/// The firewall findings of a report: rule, status, severity, subject and message, with the
/// source of the rules (`source`, and `path` after each rule) named the same way.
fn firewall_findings(report: &serde_json::Value, source: &str, path: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|r| ("NIX-070".."NIX-077").contains(&r))
        })
        .map(|f| {
            format!(
                "{} {} {} {} {}",
                f["rule"],
                f["status"],
                f["severity"],
                f["subject"],
                f["message"]
                    .as_str()
                    .unwrap_or_default()
                    .replace(source, "SOURCE")
                    .replace(&format!("({path})"), "(SOURCE)")
            )
        })
        .collect()
}

#[test]
fn live_audit_reads_the_firewall_over_netlink() {
    if !tools::require(&["unshare", "ip", "nft", "python3", "setpriv"]) {
        return;
    }
    let probe = Std::new("unshare").args(["-n", "true"]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        tools::skip("`unshare -n` is not permitted here");
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let out = t.path();
    // `nobody` runs the binary too: a copy in a directory anyone may enter.
    let bin_dir = out.join("bin");
    std::fs::create_dir(&bin_dir).expect("mkdir");
    let bin = bin_dir.join("nixsec");
    std::fs::copy(env!("CARGO_BIN_EXE_nixsec"), &bin).expect("copy nixsec");
    use std::os::unix::fs::PermissionsExt as _;
    for p in [out, bin_dir.as_path()] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    std::fs::write(out.join("ruleset.nft"), RULESET).expect("write");
    std::fs::write(out.join("listen.py"), LISTEN_PY).expect("write");
    std::fs::write(out.join("live.sh"), LIVE_SCRIPT).expect("write");
    let run = Std::new("unshare")
        .args(["-n", "bash"])
        .arg(out.join("live.sh"))
        .arg(out)
        .arg(&bin)
        .output()
        .expect("unshare");
    let stderr = String::from_utf8_lossy(&run.stderr);
    if !run.status.success() && stderr.contains("Unknown device type") {
        tools::skip(&format!("no veth support in this kernel: {stderr}"));
        return;
    }
    assert!(run.status.success(), "namespace script failed: {stderr}");
    let read = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(out.join(name)).expect(name);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}: {text}"))
    };
    let live = read("live.json");
    let by_json = read("nft-json.json");
    // Verdicts, not errors: the same findings as from `nft -j list ruleset`.
    let got = firewall_findings(
        &live,
        "the live nftables ruleset (netlink)",
        "netlink:nftables",
    );
    let json_path = out.join("ruleset.json").display().to_string();
    let want = firewall_findings(&by_json, &format!("`{json_path}`"), &json_path);
    assert_eq!(got, want, "live (netlink) vs --nft-json");
    assert!(
        !got.iter().any(|f| f.contains("\"error\"")),
        "the live audit gives verdicts: {got:#?}"
    );
    assert_eq!(finding(&live, "NIX-070")["status"], "pass", "{got:#?}");
    let f = finding(&live, "NIX-074");
    assert_eq!(
        (&f["status"], &f["subject"]),
        (&"fail".into(), &"tcp/5432".into()),
        "{f}"
    );
    assert!(
        f["message"].as_str().unwrap_or_default().ends_with(
            "is reachable from other hosts (rules from the live nftables ruleset (netlink))"
        ),
        "{f}"
    );
    // Without privileges: one line saying so.
    let nobody = read("nobody.json");
    let f = finding(&nobody, "NIX-070");
    assert_eq!(f["status"], "error", "{f}");
    assert_eq!(
        f["message"],
        "reading the live nftables ruleset needs root (`CAP_NET_ADMIN`): run nixsec as root, or save the rules with `nft -j list ruleset > FILE` as root and pass `--nft-json FILE`"
    );
}
