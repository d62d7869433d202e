//! Making the audit trail's daily digests (see
//! [`crate::store::audit_digests`]): from the digest hour on, each day not
//! digested yet up to yesterday is written to a file, recorded, and
//! e-mailed to the administrators.

use super::{App, AppError};
use crate::calendar::{paris_date, paris_instant};
use crate::store::audit_digests::AuditDigest;
use crate::store::StoreError;
use chrono::{Days, NaiveDate, NaiveTime};
use std::path::{Path, PathBuf};

/// How far back a server that was down catches up.
const CATCH_UP_DAYS: u64 = 366;

/// The file holding a day's digest.
pub fn digest_file(dir: &Path, day: NaiveDate) -> PathBuf {
    dir.join(format!("audit-{day}.txt"))
}

impl App {
    /// Digests every day not digested yet, up to yesterday (Paris), once
    /// the digest hour has come: entries of a day may still commit a
    /// moment after its midnight. The file comes first, the record and the
    /// e-mails after: a crash in between makes the same file again (a
    /// past day's entries never change), never a record without its file.
    pub async fn make_audit_digests(&self, dir: &Path) -> Result<Vec<AuditDigest>, AppError> {
        let now = self.clock.now();
        let today = paris_date(now);
        let hour = NaiveTime::from_hms_opt(crate::mail::worker::DIGEST_HOUR, 0, 0).expect("an hour");
        if now < paris_instant(today, hour) {
            return Ok(vec![]);
        }
        let Some(yesterday) = today.pred_opt() else { return Ok(vec![]) };
        let first = match self.store.last_audit_digest_day().await? {
            Some(last) => last.succ_opt().unwrap_or(today),
            None => yesterday,
        };
        let first = first.max(yesterday - Days::new(CATCH_UP_DAYS));
        let mut made = Vec::new();
        for day in first.iter_days().take_while(|d| *d <= yesterday) {
            let digest = self.store.audit_digest_of(day).await?;
            super::files::write_atomically(&digest_file(dir, day), digest.text().as_bytes()).map_err(|e| {
                tracing::error!(error = %e, dir = %dir.display(), "the audit digest cannot be written");
                AppError::Store(StoreError::Invalid(format!(
                    "the audit digest folder {} is not writable",
                    dir.display()
                )))
            })?;
            let message = format!(
                "Journée du {} : {} écritures dans {} chaînes.\n\nEmpreinte :\n{}",
                day.format("%d/%m/%Y"),
                digest.entries,
                digest.heads.len(),
                digest.digest
            );
            if self.store.record_audit_digest(&digest, &message, now).await? {
                tracing::info!(%day, entries = digest.entries, digest = %digest.digest, "audit digest");
                made.push(digest);
            }
        }
        if made.iter().any(|d| d.entries > 0) {
            self.mail_wake.notify_one();
        }
        Ok(made)
    }
}
