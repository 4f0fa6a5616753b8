//! A real headless Chromium driven over the Chrome DevTools Protocol (a WebSocket on
//! 127.0.0.1), for the HTML report tests: open a file, read the DOM, click with real mouse
//! events, and record every console message, exception and network request of the page.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

use crate::tools;

/// One Chromium with one page.
pub struct Browser {
    child: Child,
    ws: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    /// Every event of the page so far (`{"method": …, "params": …}`).
    pub events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Start `chromium` headless with an empty profile (the flags the machine notes give:
    /// nothing in the background reaches for the network); `None` when it is not installed
    /// (a skip, or a failure under `CI`).
    pub fn launch() -> Option<Browser> {
        if !tools::require(&["chromium"]) {
            return None;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let mut child = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(i) = line.find("ws://") {
                    let _ = tx.send(line[i..].trim().to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(u) => u,
            Err(_) => {
                let _ = child.kill();
                panic!("chromium did not print its DevTools address");
            }
        };
        // `ws://127.0.0.1:PORT/devtools/browser/ID`: a plain TCP stream, no TLS.
        let addr = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .expect("address")
            .to_string();
        let stream = TcpStream::connect(&addr).expect("connect to DevTools");
        let (ws, _) = tungstenite::client(url.as_str(), stream).expect("DevTools websocket");
        let mut b = Browser {
            child,
            ws,
            session: String::new(),
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        };
        let target = b.browser_call("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().expect("targetId").to_string();
        let attached = b.browser_call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        b.session = attached["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_string();
        for domain in ["Page", "Runtime", "Log", "Network"] {
            b.call(&format!("{domain}.enable"), json!({}));
        }
        Some(b)
    }

    fn send(&mut self, msg: Value) {
        self.ws
            .send(Message::text(msg.to_string()))
            .expect("send to chromium");
    }

    /// Read one message, or `None` after `timeout`.
    fn read(&mut self, timeout: Duration) -> Option<Value> {
        let stream = self.ws.get_mut();
        stream
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))
            .expect("timeout");
        match self.ws.read() {
            Ok(Message::Text(t)) => Some(serde_json::from_str(t.as_str()).expect("CDP JSON")),
            Ok(_) => None,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => panic!("DevTools connection: {e}"),
        }
    }

    fn wait_reply(&mut self, id: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(m) = self.read(Duration::from_millis(500)) {
                if m["id"].as_u64() == Some(id) {
                    assert!(m.get("error").is_none(), "DevTools error: {m}");
                    return m["result"].clone();
                }
                if m.get("method").is_some() {
                    self.events.push(m);
                }
            }
        }
        panic!("no DevTools reply to {id}");
    }

    fn browser_call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"id": id, "method": method, "params": params}));
        self.wait_reply(id)
    }

    /// A command to the page.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let session = self.session.clone();
        self.send(json!({"id": id, "method": method, "params": params, "sessionId": session}));
        self.wait_reply(id)
    }

    /// Collect events for `d`.
    pub fn settle(&mut self, d: Duration) {
        let end = Instant::now() + d;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            if let Some(m) = self.read(left) {
                if m.get("method").is_some() {
                    self.events.push(m);
                }
            }
        }
    }

    /// Open a local file and wait for its load event (events recorded from here on).
    pub fn open(&mut self, file: &Path) {
        self.events.clear();
        let url = format!("file://{}", file.display());
        self.call("Page.navigate", json!({"url": url}));
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self
            .events
            .iter()
            .any(|e| e["method"] == "Page.loadEventFired")
        {
            assert!(Instant::now() < deadline, "page did not load: {url}");
            self.settle(Duration::from_millis(100));
        }
        self.settle(Duration::from_millis(300));
    }

    /// Evaluate `expr` in the page and return its value (an exception fails the test).
    pub fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(
            r.get("exceptionDetails").is_none(),
            "exception in `{expr}`: {r}"
        );
        r["result"]["value"].clone()
    }

    /// Click the centre of the element `selector` with real mouse events.
    pub fn click(&mut self, selector: &str) {
        let sel = serde_json::to_string(selector).expect("json");
        let at = self.eval(&format!(
            "(() => {{ const e = document.querySelector({sel}); if (!e) return null; \
             e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); \
             return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
        ));
        let (x, y) = (
            at[0]
                .as_f64()
                .unwrap_or_else(|| panic!("no element {selector}")),
            at[1].as_f64().expect("y"),
        );
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
        self.settle(Duration::from_millis(100));
    }

    /// The page's console errors and warnings, uncaught exceptions and log entries of level
    /// error or warning, as text.
    pub fn problems(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| match e["method"].as_str() {
                Some("Runtime.exceptionThrown") => true,
                Some("Runtime.consoleAPICalled") => {
                    matches!(
                        e["params"]["type"].as_str(),
                        Some("error" | "warning" | "assert")
                    )
                }
                Some("Log.entryAdded") => {
                    matches!(
                        e["params"]["entry"]["level"].as_str(),
                        Some("error" | "warning")
                    )
                }
                _ => false,
            })
            .map(Value::to_string)
            .collect()
    }

    /// The URL of every request the page made.
    pub fn requests(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .map(|e| {
                e["params"]["request"]["url"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    /// A PNG of the whole page.
    pub fn screenshot(&mut self, to: &Path, full_page: bool) {
        let mut params = json!({"format": "png"});
        if full_page {
            let m = self.call("Page.getLayoutMetrics", json!({}));
            let size = &m["cssContentSize"];
            params = json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
            });
        }
        let r = self.call("Page.captureScreenshot", params);
        let png = base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().expect("data"))
            .expect("base64");
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(to, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
