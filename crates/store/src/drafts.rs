//! Applications saved to finish later: a citizen missing one paper takes the list home and
//! comes back. One draft per holder, found by a keyed hash of the ID number (the database
//! alone does not say whose it is), its body sealed under the data key and bound to that
//! holder; it goes when the case is submitted or when it expires.

use rusqlite::{OptionalExtension, params};

use crate::store::{Store, StoreError, free_bytes};

/// A saved application as the store gives it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDraft {
    pub theme: String,
    pub saved_at: i64,
    pub expires_at: i64,
    /// What the kiosk saved (opaque to the store).
    pub body: Vec<u8>,
}

fn aad(holder: &[u8]) -> Vec<u8> {
    let mut a = b"draft/".to_vec();
    a.extend_from_slice(holder);
    a
}

impl Store {
    /// Keeps `body` for the holder of `id_number` until `expires_at`, replacing an earlier
    /// draft of theirs. Refused, writing nothing, when the disk is too full.
    pub fn save_draft(
        &mut self,
        id_number: &str,
        theme: &str,
        body: &[u8],
        now_ms: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let needed = body.len() as u64 + 64 * 1024 + self.reserve_bytes;
        if let Some(free) = free_bytes(&self.dir)
            && free < needed
        {
            return Err(StoreError::DiskFull {
                free_mb: free / (1024 * 1024),
                needed_mb: needed.div_ceil(1024 * 1024),
            });
        }
        let holder = self.key.holder_tag(id_number);
        let sealed = self.key.seal(body, &aad(&holder));
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO drafts (holder, theme, saved_at, expires_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(holder) DO UPDATE SET theme = excluded.theme,
                saved_at = excluded.saved_at, expires_at = excluded.expires_at,
                body = excluded.body",
            params![holder, theme, now_ms, expires_at, sealed],
        )?;
        tx.execute(
            "INSERT INTO audit (at, case_id, action, actor) VALUES (?1, NULL, 'draft saved', 'kiosk')",
            [now_ms],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The holder's draft, if one is kept and has not expired.
    pub fn find_draft(
        &self,
        id_number: &str,
        now_ms: i64,
    ) -> Result<Option<StoredDraft>, StoreError> {
        let holder = self.key.holder_tag(id_number);
        let row: Option<(String, i64, i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT theme, saved_at, expires_at, body FROM drafts
                 WHERE holder = ?1 AND expires_at > ?2",
                params![holder, now_ms],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((theme, saved_at, expires_at, sealed)) = row else {
            return Ok(None);
        };
        Ok(Some(StoredDraft {
            theme,
            saved_at,
            expires_at,
            body: self.key.open(&sealed, &aad(&holder))?,
        }))
    }

    /// Forgets the holder's draft (the case was submitted). True if there was one.
    pub fn delete_draft(&mut self, id_number: &str) -> Result<bool, StoreError> {
        let holder = self.key.holder_tag(id_number);
        Ok(self
            .conn
            .execute("DELETE FROM drafts WHERE holder = ?1", [holder])?
            > 0)
    }

    /// How many drafts are kept (technician mode, tests).
    pub fn draft_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM drafts", [], |r| r.get(0))?)
    }

    /// Deletes drafts past their day (overwritten, as the store's `secure_delete` does).
    pub(crate) fn purge_drafts(&mut self, now_ms: i64) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM drafts WHERE expires_at <= ?1", [now_ms])?)
    }
}
