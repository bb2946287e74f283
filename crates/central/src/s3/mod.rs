//! A minimal S3 client — the five calls the attachment store makes (put, get, delete, list,
//! and making sure the bucket exists) — signed with Signature Version 4, path-style, so it
//! works against AWS and S3-compatible stores alike (MinIO, Ceph RGW, OpenStack Swift's
//! `s3api`, Alibaba OSS, Huawei OBS). Small on purpose: an SDK would bring an async HTTP
//! stack and dozens of crates for these five calls.

pub mod http;
pub mod sigv4;

use std::path::PathBuf;

use sigv4::{Credentials, Request, encode, sha256_hex};

/// Where attachments go: a bucket, a key prefix, an endpoint and the key to sign with.
#[derive(Debug, Clone)]
pub struct Config {
    pub endpoint: http::Endpoint,
    pub bucket: String,
    /// Ends with `/` unless empty.
    pub prefix: String,
    pub credentials: Credentials,
    /// PEM certificates to trust for an `https` endpoint instead of the system's.
    pub ca_bundle: Option<PathBuf>,
}

impl Config {
    /// `s3://BUCKET[/PREFIX]`, with the endpoint and key from the usual variables:
    /// `AWS_ENDPOINT_URL` (default AWS in `AWS_REGION`), `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` (default `us-east-1`), `AWS_CA_BUNDLE`.
    pub fn from_url(url: &str, env: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| {
            format!("--attachments takes s3://BUCKET[/PREFIX] (got {url:?}); without it attachments stay in the data folder")
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_ok {
            return Err(format!(
                "{bucket:?} is not an S3 bucket name (3–63 lower-case letters, digits, '-' and '.')"
            ));
        }
        let prefix = prefix.trim_matches('/');
        let region = env("AWS_REGION").unwrap_or_else(|| "us-east-1".into());
        let endpoint =
            env("AWS_ENDPOINT_URL").unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        let need = |k: &str| {
            env(k).ok_or_else(|| format!("{k} is not set: the S3 store needs a key to sign with"))
        };
        Ok(Config {
            endpoint: http::Endpoint::parse(&endpoint)
                .map_err(|e| format!("AWS_ENDPOINT_URL: {e}"))?,
            bucket: bucket.to_owned(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            credentials: Credentials {
                key: need("AWS_ACCESS_KEY_ID")?,
                secret: need("AWS_SECRET_ACCESS_KEY")?,
                region,
            },
            ca_bundle: env("AWS_CA_BUNDLE").map(PathBuf::from),
        })
    }

    /// For messages: `s3://bucket/prefix at http://host:port`.
    pub fn describe(&self) -> String {
        format!(
            "s3://{}/{} at {}://{}",
            self.bucket,
            self.prefix,
            if self.endpoint.tls { "https" } else { "http" },
            self.endpoint.authority()
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No answer: `what` is the call and its key, e.g. `put attachments/…/0/000000262144`.
    #[error("S3 {what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("S3 {what}: {status} {code}: {message}")]
    Refused {
        what: String,
        status: u16,
        code: String,
        message: String,
    },
}

fn what(op: &str, key: &str) -> String {
    if key.is_empty() {
        op.to_owned()
    } else {
        format!("{op} {key}")
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        std::io::Error::other(e.to_string())
    }
}

/// One object from a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Without the store's prefix.
    pub key: String,
    pub size: u64,
    /// Seconds since 1970, from `LastModified`.
    pub modified: i64,
}

pub struct Client {
    cfg: Config,
    http: http::Client,
}

impl Client {
    pub fn new(cfg: Config) -> std::io::Result<Client> {
        let http = http::Client::new(cfg.endpoint.clone(), cfg.ca_bundle.as_deref())?;
        Ok(Client { cfg, http })
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Creates the bucket if it is not there (a store of our own, e.g. in tests); says
    /// clearly when the key is refused or the endpoint is not reachable.
    pub fn ensure_bucket(&self) -> Result<(), Error> {
        let r = self
            .call("HEAD", "check bucket", None, &[], &[])
            .map_err(|e| match e {
                Error::Io { what, source } => Error::Io {
                    what: format!("{what} (is AWS_ENDPOINT_URL right, and the store up?)"),
                    source,
                },
                e => e,
            })?;
        match r.status {
            200 => Ok(()),
            404 => {
                let r = self.call("PUT", "create bucket", None, &[], &[])?;
                // Two nodes starting together: the other one made it.
                if r.status == 200 || r.status == 409 {
                    Ok(())
                } else {
                    Err(self.refused("create bucket", "", &r))
                }
            }
            _ => Err(self.refused("check bucket", "", &r)),
        }
    }

    pub fn put(&self, key: &str, body: &[u8]) -> Result<(), Error> {
        let r = self.call("PUT", "put", Some(key), &[], body)?;
        if r.status == 200 {
            Ok(())
        } else {
            Err(self.refused("put", key, &r))
        }
    }

    /// The object's bytes, `None` if there is no such object.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        let r = self.call("GET", "get", Some(key), &[], &[])?;
        match r.status {
            200 => Ok(Some(r.body)),
            404 => Ok(None),
            _ => Err(self.refused("get", key, &r)),
        }
    }

    pub fn delete(&self, key: &str) -> Result<(), Error> {
        let r = self.call("DELETE", "delete", Some(key), &[], &[])?;
        if r.status == 204 || r.status == 200 || r.status == 404 {
            Ok(())
        } else {
            Err(self.refused("delete", key, &r))
        }
    }

    /// Every object whose key starts with `prefix`, in key order.
    pub fn list(&self, prefix: &str) -> Result<Vec<Object>, Error> {
        let full = format!("{}{prefix}", self.cfg.prefix);
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("list-type", "2"), ("prefix", full.as_str())];
            if let Some(t) = &token {
                query.push(("continuation-token", t.as_str()));
            }
            let r = self.call("GET", "list", None, &query, &[])?;
            if r.status != 200 {
                return Err(self.refused("list", prefix, &r));
            }
            let xml = String::from_utf8_lossy(&r.body);
            for c in elements(&xml, "Contents") {
                let key = text(c, "Key").unwrap_or_default();
                let Some(key) = key.strip_prefix(&self.cfg.prefix) else {
                    continue;
                };
                out.push(Object {
                    key: key.to_owned(),
                    size: text(c, "Size").and_then(|s| s.parse().ok()).unwrap_or(0),
                    modified: text(c, "LastModified")
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                        .map_or(0, |t| t.timestamp()),
                });
            }
            if text(&xml, "IsTruncated").as_deref() != Some("true") {
                return Ok(out);
            }
            // A listing cut short without a new way on would silently miss objects.
            let next = text(&xml, "NextContinuationToken");
            if next.is_none() || next == token {
                return Err(Error::Refused {
                    what: what("list", prefix),
                    status: r.status,
                    code: "BadListing".into(),
                    message: "the listing is truncated but gives no new continuation token".into(),
                });
            }
            token = next;
        }
    }

    fn call(
        &self,
        method: &str,
        op: &'static str,
        key: Option<&str>,
        query: &[(&str, &str)],
        body: &[u8],
    ) -> Result<http::Response, Error> {
        let mut path = format!("/{}", encode(&self.cfg.bucket, true));
        if let Some(k) = key {
            path.push('/');
            path.push_str(&encode(&format!("{}{k}", self.cfg.prefix), false));
        }
        let now = chrono::Utc::now().timestamp();
        let date = sigv4::amz_date(now);
        let payload = sha256_hex(body);
        let host = self.http.endpoint().authority();
        let auth = sigv4::authorization(
            &self.cfg.credentials,
            &Request {
                method,
                path: &path,
                query,
                headers: &[
                    ("host", &host),
                    ("x-amz-content-sha256", &payload),
                    ("x-amz-date", &date),
                ],
                payload_sha256: &payload,
            },
            &date,
        );
        let q = sigv4::canonical_query(query);
        let target = if q.is_empty() {
            path
        } else {
            format!("{path}?{q}")
        };
        self.http
            .send(
                method,
                &target,
                &[
                    ("x-amz-content-sha256", &payload),
                    ("x-amz-date", &date),
                    ("authorization", &auth),
                ],
                body,
            )
            .map_err(|source| Error::Io {
                what: what(op, key.unwrap_or("")),
                source,
            })
    }

    fn refused(&self, op: &'static str, key: &str, r: &http::Response) -> Error {
        let xml = String::from_utf8_lossy(&r.body);
        // A HEAD's refusal has no body to name it.
        let code = text(&xml, "Code").unwrap_or_else(|| {
            match r.status {
                403 => "AccessDenied",
                404 => "NotFound",
                _ => "Error",
            }
            .into()
        });
        let mut message = text(&xml, "Message").unwrap_or_default();
        if message.is_empty() {
            message = match r.status {
                403 => "the key was refused: check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION".into(),
                404 => format!("no bucket {:?} at this endpoint", self.cfg.bucket),
                _ => "the store refused the request".into(),
            };
        }
        Error::Refused {
            what: what(op, key),
            status: r.status,
            code,
            message,
        }
    }
}

/// The contents of each `<tag>…</tag>` in `xml` (S3's replies are flat and never nest a
/// tag in itself, which is all this needs).
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(&after[..j]);
        rest = &after[j + close.len()..];
    }
    out
}

/// The first `<tag>`'s text, entities decoded.
fn text(xml: &str, tag: &str) -> Option<String> {
    elements(xml, tag).first().map(|t| {
        t.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn urls_and_variables() {
        let keys = [("AWS_ACCESS_KEY_ID", "k"), ("AWS_SECRET_ACCESS_KEY", "s")];
        let c = Config::from_url("s3://onevisit-cases/county/", env(&keys)).unwrap();
        assert_eq!(
            (c.bucket.as_str(), c.prefix.as_str()),
            ("onevisit-cases", "county/")
        );
        assert_eq!(c.endpoint.host, "s3.us-east-1.amazonaws.com");
        assert!(
            !format!("{c:?}").contains("\"s\""),
            "the secret is not shown"
        );
        let c = Config::from_url(
            "s3://b12",
            env(&[
                ("AWS_ACCESS_KEY_ID", "k"),
                ("AWS_SECRET_ACCESS_KEY", "s"),
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
                ("AWS_REGION", "cn-north-1"),
            ]),
        )
        .unwrap();
        assert_eq!((c.prefix.as_str(), c.endpoint.port), ("", 9000));
        assert_eq!(c.describe(), "s3://b12/ at http://127.0.0.1:9000");
        assert!(
            Config::from_url("/srv/x", env(&keys))
                .unwrap_err()
                .contains("s3://")
        );
        assert!(Config::from_url("s3://Bad_Name", env(&keys)).is_err());
        assert!(
            Config::from_url("s3://bucket", env(&[]))
                .unwrap_err()
                .contains("AWS_ACCESS_KEY_ID")
        );
    }

    #[test]
    fn listings_and_errors_are_read() {
        let xml = "<?xml version='1.0'?><ListBucketResult><IsTruncated>true</IsTruncated>\
            <Contents><Key>p/a&amp;b</Key><Size>5</Size><LastModified>2026-12-02T11:03:29.000Z</LastModified></Contents>\
            <Contents><Key>p/c</Key><Size>7</Size></Contents>\
            <NextContinuationToken>tok</NextContinuationToken></ListBucketResult>";
        let c = elements(xml, "Contents");
        assert_eq!(c.len(), 2);
        assert_eq!(text(c[0], "Key").as_deref(), Some("p/a&b"));
        assert_eq!(text(xml, "NextContinuationToken").as_deref(), Some("tok"));
        assert_eq!(
            text("<Error><Code>NoSuchKey</Code></Error>", "Code").as_deref(),
            Some("NoSuchKey")
        );
        assert_eq!(text("<a>", "b"), None);
    }
}
