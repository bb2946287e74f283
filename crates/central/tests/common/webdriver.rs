//! A real browser for the workbench's tests: Debian's headless Chromium driven through W3C
//! WebDriver by Debian's chromedriver, both started here on loopback in a temporary profile
//! and stopped when the test ends. The protocol is JSON over HTTP/1.1; this speaks just enough
//! of it (navigate, find, type, click, read, screenshot) over a plain socket.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52f-4bd4-91f8-6a6e3a8c6ab0";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> std::io::Result<Value> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let mut length = None;
    loop {
        line.clear();
        r.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse::<usize>().ok();
        }
    }
    let mut buf = Vec::new();
    match length {
        Some(n) => {
            buf.resize(n, 0);
            r.read_exact(&mut buf)?;
        }
        None => {
            r.read_to_end(&mut buf)?;
        }
    }
    Ok(serde_json::from_slice(&buf).unwrap_or(Value::Null))
}

impl Browser {
    /// Starts chromedriver and a headless Chromium at a 1366×768 office screen. Panics, saying
    /// what to install, when they are missing.
    pub fn start() -> Browser {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "the workbench tests need Debian's chromium and chromium-driver (scripts/setup-debian.sh test installs them)"
        );
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let t = Instant::now();
        while http(port, "GET", "/status", None)
            .ok()
            .and_then(|v| v["value"]["ready"].as_bool())
            != Some(true)
        {
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "chromedriver never became ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            // The test server's certificate is its own, self-signed (kiosks pin it).
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--lang=zh-CN",
                    "--window-size=1366,768",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let v = http(port, "POST", "/session", Some(&caps)).expect("new session");
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("Chromium did not start: {v}"))
            .to_owned();
        Browser {
            driver,
            port,
            session,
            _profile: profile,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"))
    }

    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let p = format!("/session/{}{path}", self.session);
        let v = http(self.port, method, &p, body.as_ref()).map_err(|e| e.to_string())?;
        if let Some(e) = v["value"]["error"].as_str() {
            return Err(format!("{e}: {}", v["value"]["message"]));
        }
        Ok(v["value"].clone())
    }

    /// The current document's root element (a new one after every navigation).
    fn root(&self) -> Option<String> {
        self.try_call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": "html"})),
        )
        .ok()
        .and_then(|v| v.as_object()?.values().next()?.as_str().map(str::to_owned))
    }

    pub fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits (up to 10 s) for the page at an address ending in `suffix`: a click returns as
    /// soon as the browser has it, not when the redirect it causes has landed.
    pub fn wait_url(&self, suffix: &str) -> String {
        let t = Instant::now();
        loop {
            let u = self.url();
            if u.ends_with(suffix) || t.elapsed() > Duration::from_secs(10) {
                return u;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn source(&self) -> String {
        self.call("GET", "/source", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The visible text of the page.
    pub fn text(&self) -> String {
        let body = self.find("body");
        self.call("GET", &format!("/element/{body}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        // The W3C reference is an object with one key (the web element identifier).
        v[ELEMENT]
            .as_str()
            .or_else(|| {
                v.as_object()
                    .and_then(|o| o.values().next())
                    .and_then(Value::as_str)
            })
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }

    pub fn count(&self, css: &str) -> usize {
        self.call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .map_or(0, Vec::len)
    }

    /// Clicks a link or a form's button and waits for the page it leads to (a form's post
    /// answers with a redirect; the click itself returns before that lands).
    pub fn click(&self, css: &str) {
        let before = self.root();
        self.tap(css);
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            let now = self.root();
            let ready = self
                .try_call(
                    "POST",
                    "/execute/sync",
                    Some(json!({"script": "return document.readyState", "args": []})),
                )
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned));
            if now.is_some() && now != before && ready.as_deref() == Some("complete") {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("clicking {css} led to no new page");
    }

    /// Clicks without waiting for a new page (a `<summary>` folding out).
    pub fn tap(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/clear"), Some(json!({})));
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Runs a script in the page (what a forged or tampered request would be built with).
    pub fn execute(&self, script: &str) {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        );
    }

    /// Runs a script that navigates (submits a form), and waits for the new page.
    pub fn execute_and_wait(&self, script: &str) {
        let before = self.root();
        self.execute(script);
        let t = Instant::now();
        while self.root() == before && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Opens a `<details>` element (the workbench folds rarer decisions away).
    pub fn open_details(&self, css: &str) {
        self.tap(&format!("{css} > summary"));
    }

    /// The viewport as PNG.
    pub fn screenshot(&self) -> Vec<u8> {
        let b64 = self.call("GET", "/screenshot", None);
        onevisit_sync::auth::unb64(b64.as_str().unwrap_or_default()).expect("png")
    }

    /// The whole page as PNG (the window resized to the page's height first).
    pub fn full_screenshot(&self, width: u32) -> Vec<u8> {
        let h = self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": "return document.documentElement.scrollHeight", "args": []})),
        );
        let h = h.as_u64().unwrap_or(768).clamp(768, 4000);
        self.call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": h + 90})),
        );
        let png = self.screenshot();
        self.call(
            "POST",
            "/window/rect",
            Some(json!({"width": 1366, "height": 768})),
        );
        png
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(
            self.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
