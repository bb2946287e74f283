//! The officers' audit trail: every officer command leaves a row saying who did what, when,
//! and how it ended. Rows are chained (each hash covers the previous row's hash), and the
//! database refuses to change or delete them (triggers), so an insider who edits the file
//! directly breaks the chain where they edited, and `audit verify` names that row.
//! Arguments are summarised without personal data: case numbers and device ids, never
//! names, ID numbers or free text such as a rejection's reason.

use crate::params;
use crate::sql::{Conn, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub at: i64,
    pub officer: String,
    pub command: String,
    pub args: String,
    /// `ok`, or `failed`.
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

fn hash(
    prev: &str,
    seq: i64,
    at: i64,
    officer: &str,
    command: &str,
    args: &str,
    outcome: &str,
) -> String {
    // Each field is length-prefixed, so no choice of field text can imitate another row.
    let mut h = Sha256::new();
    h.update(b"onevisit-audit-v1\n");
    for f in [
        prev,
        &seq.to_string(),
        &at.to_string(),
        officer,
        command,
        args,
        outcome,
    ] {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f.as_bytes());
    }
    onevisit_sync::hex(&h.finalize())
}

/// Appends a row. Runs in its own immediate transaction, so two officers at once (or the
/// server's writer) cannot both take the same place in the chain.
pub fn record(
    conn: &mut Conn,
    officer: &str,
    command: &str,
    args: &str,
    outcome: &str,
    now: i64,
) -> Result<Entry, crate::sql::Error> {
    let tx = conn.transaction_with_behavior(crate::sql::TransactionBehavior::Immediate)?;
    let e = append(&tx, officer, command, args, outcome, now)?;
    tx.commit()?;
    Ok(e)
}

/// Appends a row inside the caller's transaction, which must be immediate (it holds the write
/// lock from its start): the change and its audit row then commit together or not at all.
pub fn append(
    tx: &Conn,
    officer: &str,
    command: &str,
    args: &str,
    outcome: &str,
    now: i64,
) -> Result<Entry, crate::sql::Error> {
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    let hash = hash(&prev, seq, now, officer, command, args, outcome);
    tx.execute(
        "INSERT INTO audit_log (seq, at, officer, command, args, outcome, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, now, officer, command, args, outcome, prev, hash],
    )?;
    Ok(Entry {
        seq,
        at: now,
        officer: officer.to_owned(),
        command: command.to_owned(),
        args: args.to_owned(),
        outcome: outcome.to_owned(),
        prev_hash: prev,
        hash,
    })
}

pub fn list(conn: &Conn) -> Result<Vec<Entry>, crate::sql::Error> {
    conn.prepare(
        "SELECT seq, at, officer, command, args, outcome, prev_hash, hash FROM audit_log ORDER BY seq",
    )?
    .query_map([], |r| {
        Ok(Entry {
            seq: r.get(0)?,
            at: r.get(1)?,
            officer: r.get(2)?,
            command: r.get(3)?,
            args: r.get(4)?,
            outcome: r.get(5)?,
            prev_hash: r.get(6)?,
            hash: r.get(7)?,
        })
    })?
    .collect()
}

/// The first row that breaks the chain, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub problem: String,
}

/// Checks the whole chain: `Ok(rows)` when intact.
pub fn verify(conn: &Conn) -> Result<Result<usize, Broken>, crate::sql::Error> {
    let rows = list(conn)?;
    let mut prev = GENESIS.to_owned();
    for (want_seq, e) in (1i64..).zip(rows.iter()) {
        let broken = |problem: String| {
            Ok(Err(Broken {
                seq: e.seq,
                problem,
            }))
        };
        if e.seq != want_seq {
            return broken(format!(
                "row {want_seq} is missing (the next row is {}): rows were deleted",
                e.seq
            ));
        }
        if e.prev_hash != prev {
            return broken("its previous-row hash does not match the row before it: a row before it was changed or removed".into());
        }
        if hash(
            &prev, e.seq, e.at, &e.officer, &e.command, &e.args, &e.outcome,
        ) != e.hash
        {
            return broken("its contents do not match its hash: the row was changed".into());
        }
        prev = e.hash.clone();
    }
    // Rows cut off the end leave a shorter chain that is still consistent: `audit verify`
    // prints the last hash so it can be noted elsewhere (a log server, paper) and compared.
    Ok(Ok(rows.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_chain_and_cannot_be_changed_through_sqlite() {
        let t = tempfile::TempDir::new().unwrap();
        let mut c = crate::db::open(&crate::sql::Location::folder(t.path())).unwrap();
        record(&mut c, "王科员", "cases list", "", "ok", 1).unwrap();
        let e = record(&mut c, "王科员", "devices revoke", "kiosk-1", "ok", 2).unwrap();
        assert_eq!(verify(&c).unwrap(), Ok(2));
        assert_eq!(e.prev_hash, list(&c).unwrap()[0].hash);
        assert!(c.execute("UPDATE audit_log SET officer = 'x'", []).is_err());
        assert!(c.execute("DELETE FROM audit_log", []).is_err());
        assert_eq!(verify(&c).unwrap(), Ok(2));
    }
}
