//! Retention of what ended (a workflow's `[retention]`): finding the
//! dossiers and labels whose period runs out, warning their owners once,
//! and erasing their personal data, each in one transaction recorded in
//! the instance's own audit trail.

use super::audit::{append, erase_values, Entry, ERASURE_ACTION, SEALED};
use super::{from_micros, to_micros, Result, Store};
use crate::engine::Actor;
use crate::workflow::Machine;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

/// An instance in one of the retention states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub id: Uuid,
    /// When it entered its state.
    pub since: DateTime<Utc>,
    /// When its owners were told of the erasure, in this stay.
    pub warned_at: Option<DateTime<Utc>>,
}

/// What erasing an instance did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErasedInstance {
    /// Audit entries whose personal values were erased, on every chain.
    pub erased_entries: usize,
    /// Entries written before values were sealed, left as they are.
    pub kept_entries: usize,
    /// Files no row names any more, queued for deletion from the disk.
    pub files: usize,
}

/// What a workflow keeps of an erased instance, and what it erases of
/// its records.
#[derive(Debug, Clone, Default)]
pub struct Scrub {
    /// Form fields kept (no personal data in them).
    pub keep: Vec<String>,
    /// Per machine and record name, the fields people write text in.
    pub record_texts: Vec<(Machine, String, Vec<String>)>,
}

/// The action recording a warning; its data (a date, a count) holds
/// nothing personal and stays, the proof the owners were told.
pub const WARNING_ACTION: &str = "warn_of_erasure";

fn table(machine: Machine) -> &'static str {
    match machine {
        Machine::Dossier => "dossiers",
        Machine::Label => "labels",
    }
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// An audit value that holds no personal data: nothing, or a step's
/// states and version.
fn holds_nothing_personal(value: &str) -> bool {
    match serde_json::from_str::<Value>(value) {
        Ok(Value::Null) => true,
        Ok(Value::Object(map)) => map.keys().all(|k| k == "state" || k == "version"),
        _ => false,
    }
}

/// The form with only the `keep` fields.
fn kept_form(form: &str, keep: &[String]) -> String {
    let form: Map<String, Value> = serde_json::from_str(form).unwrap_or_default();
    let kept: Map<String, Value> = form.into_iter().filter(|(k, _)| keep.contains(k)).collect();
    Value::Object(kept).to_string()
}

/// Where an instance stands in its retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// When it entered its state.
    pub since: DateTime<Utc>,
    pub warned_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
}

/// The columns a single read selects for [`Standing::read`] (alias `x`).
pub(crate) const STANDING_COLUMNS: &str =
    "COALESCE(x.state_since, x.updated_at) AS state_since, x.retention_warned_at, x.personal_data_erased_at";

impl Standing {
    /// Reads [`STANDING_COLUMNS`] from a row.
    pub(crate) fn read(r: &sqlx::any::AnyRow) -> Standing {
        Standing {
            since: from_micros(r.get("state_since")),
            warned_at: r.get::<Option<i64>, _>("retention_warned_at").map(from_micros),
            erased_at: r.get::<Option<i64>, _>("personal_data_erased_at").map(from_micros),
        }
    }
}

impl Store {
    /// The files erasures queued for deletion, oldest first.
    pub async fn queued_files(&self) -> Result<Vec<QueuedFile>> {
        let naming = NAMING.replace("$1", "q.sha256");
        let rows =
            sqlx::query(&format!("SELECT q.sha256, q.queued_at, {naming} FROM file_erasures q ORDER BY q.queued_at"))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| QueuedFile { sha256: r.get(0), queued_at: from_micros(r.get(1)), named: r.get::<i64, _>(2) > 0 })
            .collect())
    }

    /// Takes a file off the queue, deleted or kept.
    pub async fn unqueue_file(&self, sha256: &str) -> Result<()> {
        sqlx::query("DELETE FROM file_erasures WHERE sha256 = $1").bind(sha256).execute(&self.pool).await?;
        Ok(())
    }

    /// Instances of `workflow` in `states` since `warn_before` or earlier,
    /// not erased: those not warned yet, and those whose erasure is due
    /// (in `states` since `erase_before` or earlier), oldest first, after
    /// the one `after` names.
    #[allow(clippy::too_many_arguments)]
    pub async fn retention_endings(
        &self,
        machine: Machine,
        workflow: &str,
        states: &[String],
        warn_before: DateTime<Utc>,
        erase_before: DateTime<Utc>,
        after: Option<&Ending>,
        limit: i64,
    ) -> Result<Vec<Ending>> {
        let since = "COALESCE(state_since, updated_at)";
        let (after_since, after_id) =
            after.map_or((i64::MIN, String::new()), |e| (to_micros(e.since), e.id.to_string()));
        let sql = format!(
            "SELECT id, {since}, retention_warned_at FROM {} WHERE workflow = $1 AND personal_data_erased_at IS NULL \
             AND {since} <= $2 AND (retention_warned_at IS NULL OR {since} <= $3) \
             AND ({since} > $4 OR ({since} = $4 AND id > $5)) AND state IN ({}) \
             ORDER BY {since}, id LIMIT {limit}",
            table(machine),
            placeholders(6, states.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(workflow)
            .bind(to_micros(warn_before))
            .bind(to_micros(erase_before))
            .bind(after_since)
            .bind(after_id);
        for state in states {
            query = query.bind(state);
        }
        let rows = query.fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let id = Uuid::parse_str(&r.get::<String, _>(0)).ok()?;
                Some(Ending {
                    id,
                    since: from_micros(r.get(1)),
                    warned_at: r.get::<Option<i64>, _>(2).map(from_micros),
                })
            })
            .collect())
    }

    /// Tells the owners of `id`, still in `states` since `since` and not
    /// told yet, that its personal data goes on `erase_on` (e-mail
    /// `template`), and records it in its trail. False when it moved or was
    /// told meanwhile: nothing is sent twice.
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(level = "debug", skip_all, fields(machine = machine.name(), %id))]
    pub async fn warn_of_erasure(
        &self,
        machine: Machine,
        id: Uuid,
        states: &[String],
        since: DateTime<Utc>,
        template: &str,
        erase_on: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let key = id.to_string();
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE {} SET retention_warned_at = $1 WHERE id = $2 AND retention_warned_at IS NULL \
             AND personal_data_erased_at IS NULL AND COALESCE(state_since, updated_at) = $3 AND state IN ({})",
            table(machine),
            placeholders(4, states.len())
        );
        let mut query = sqlx::query(&sql).bind(to_micros(now)).bind(&key).bind(to_micros(since));
        for state in states {
            query = query.bind(state);
        }
        if query.execute(&mut **tx).await?.rows_affected() == 0 {
            return Ok(false);
        }
        let owners = match machine {
            Machine::Dossier => {
                "SELECT u.id, u.email FROM dossier_owners o JOIN users u ON u.id = o.user_id \
                 WHERE o.dossier_id = $1 AND u.deactivated_at IS NULL ORDER BY u.email"
            }
            Machine::Label => {
                "SELECT u.id, u.email FROM labels l JOIN dossier_owners o ON o.dossier_id = l.dossier_id \
                 JOIN users u ON u.id = o.user_id WHERE l.id = $1 AND u.deactivated_at IS NULL ORDER BY u.email"
            }
        };
        let owners: Vec<(String, String)> = sqlx::query_as(owners).bind(&key).fetch_all(&mut **tx).await?;
        let due = erase_on.to_string();
        for (user, email) in &owners {
            let context = json!({"template": template, "entity": machine.name(), "entity_id": key,
                                 "data": {"due": due}});
            // One warning per stay in the state: a later stay warns again.
            sqlx::query(
                "INSERT INTO outbox (id, entity, entity_id, template, recipient_user_id, recipient_email, context, \
                 status, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(format!("retention:{key}:{}:{user}", to_micros(since)))
            .bind(machine.name())
            .bind(&key)
            .bind(template)
            .bind(user)
            .bind(email)
            .bind(context.to_string())
            .bind(to_micros(now))
            .execute(&mut **tx)
            .await?;
        }
        let entry = Entry::new(machine.name(), &key, WARNING_ACTION, &Actor::system(), now)
            .data(json!({"erase_on": due, "recipients": owners.len()}));
        append(&mut tx, self.backend(), &entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Erases the personal data of `id`, still in `states` since `since`:
    /// its form but the fields `scrub` keeps, the text of its records, what
    /// people wrote about it, its files, and the personal values of its
    /// audit trail; for a label, its dossier's too. What stays: the row,
    /// its state and dates, its title, scopes, decision and scores. `None`
    /// when it moved meanwhile.
    #[tracing::instrument(level = "debug", skip_all, fields(machine = machine.name(), %id))]
    pub async fn erase_ended(
        &self,
        machine: Machine,
        id: Uuid,
        states: &[String],
        since: DateTime<Utc>,
        scrub: &Scrub,
        now: DateTime<Utc>,
    ) -> Result<Option<ErasedInstance>> {
        let key = id.to_string();
        let mut tx = self.begin_write().await?;
        // Under the row's lock, and a new version: a step or an edit racing
        // the erasure conflicts instead of writing into erased data.
        let sql = format!(
            "UPDATE {} SET personal_data_erased_at = $1 WHERE id = $2 AND personal_data_erased_at IS NULL \
             AND COALESCE(state_since, updated_at) = $3 AND state IN ({}) RETURNING id",
            table(machine),
            placeholders(4, states.len())
        );
        let mut query = sqlx::query(&sql).bind(to_micros(now)).bind(&key).bind(to_micros(since));
        for state in states {
            query = query.bind(state);
        }
        if query.fetch_optional(&mut **tx).await?.is_none() {
            return Ok(None);
        }
        let mut done = ErasedInstance::default();
        keep_only(&mut tx, machine, &key, &scrub.keep, now).await?;
        let dossier = match machine {
            Machine::Dossier => Some(key),
            Machine::Label => {
                erase_records(&mut tx, Machine::Label, &key, scrub).await?;
                erase_mail(&mut tx, "label", &key).await?;
                erase_trail(&mut tx, "label", &key, now, &mut done).await?;
                // The application the label came from goes with it (an
                // imported label has none).
                let dossier: Option<String> = sqlx::query_scalar("SELECT dossier_id FROM labels WHERE id = $1")
                    .bind(&key)
                    .fetch_one(&mut **tx)
                    .await?;
                if let Some(dossier) = &dossier {
                    keep_only(&mut tx, Machine::Dossier, dossier, &scrub.keep, now).await?;
                }
                dossier
            }
        };
        if let Some(dossier) = dossier {
            erase_records(&mut tx, Machine::Dossier, &dossier, scrub).await?;
            erase_dossier_content(&mut tx, &dossier, now, &mut done).await?;
            erase_trail(&mut tx, "dossier", &dossier, now, &mut done).await?;
        }
        tx.commit().await?;
        Ok(Some(done))
    }
}

/// Keeps only the `keep` fields of an instance's form, marks it erased, and
/// bumps its version: a step or an edit racing the erasure conflicts
/// instead of writing into erased data.
async fn keep_only(
    conn: &mut AnyConnection,
    machine: Machine,
    id: &str,
    keep: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    let form: Option<String> =
        sqlx::query_scalar(&format!("SELECT CAST(form AS TEXT) FROM {} WHERE id = $1", table(machine)))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(form) = form else { return Ok(()) };
    let backend = super::Backend::of_connection(conn);
    sqlx::query(&format!(
        "UPDATE {} SET form = {}, personal_data_erased_at = COALESCE(personal_data_erased_at, $2), \
         version = version + 1, updated_at = $2 WHERE id = $3",
        table(machine),
        backend.json_param(1)
    ))
    .bind(kept_form(&form, keep))
    .bind(to_micros(now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Empties what people wrote on a dossier (the form is done by the
/// caller, partners with it): self-assessment, attachments, messages, records,
/// review comments, the decision's motivation and document, invitations.
async fn erase_dossier_content(
    conn: &mut AnyConnection,
    id: &str,
    now: DateTime<Utc>,
    done: &mut ErasedInstance,
) -> Result<()> {
    let files: Vec<String> = sqlx::query_scalar(
        "SELECT sha256 FROM attachments WHERE dossier_id = $1 UNION \
         SELECT f.sha256 FROM guest_answer_files f JOIN guest_invitations g ON g.id = f.invitation_id WHERE g.dossier_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for statement in [
        "DELETE FROM self_assessments WHERE dossier_id = $1",
        "DELETE FROM attachments WHERE dossier_id = $1",
        "DELETE FROM guest_answer_files WHERE invitation_id IN (SELECT id FROM guest_invitations WHERE dossier_id = $1)",
        "DELETE FROM decision_documents WHERE dossier_id = $1",
        "UPDATE dossier_messages SET body = '' WHERE dossier_id = $1",
        "UPDATE reviews SET comment = '', notes = '{}' WHERE dossier_id = $1",
        "UPDATE recusals SET reason = '' WHERE dossier_id = $1",
        "UPDATE decisions SET motivation = '', details = '{}' WHERE dossier_id = $1",
        "UPDATE guest_invitations SET email = '', name = '', question = '', answer_text = NULL, answer_input = NULL, \
         written = NULL WHERE dossier_id = $1",
        "UPDATE co_owner_invitations SET email = '' WHERE dossier_id = $1",
        "UPDATE dossiers SET completion_message = NULL WHERE id = $1",
    ] {
        sqlx::query(statement).bind(id).execute(&mut *conn).await?;
    }
    erase_mail(conn, "dossier", id).await?;
    for sha in files {
        let used: i64 = sqlx::query_scalar(&format!("SELECT {NAMING}")).bind(&sha).fetch_one(&mut *conn).await?;
        if used == 0 {
            sqlx::query(
                "INSERT INTO file_erasures (sha256, queued_at) VALUES ($1, $2) \
                 ON CONFLICT (sha256) DO UPDATE SET queued_at = excluded.queued_at",
            )
            .bind(&sha)
            .bind(to_micros(now))
            .execute(&mut *conn)
            .await?;
            done.files += 1;
        }
    }
    Ok(())
}

/// How many rows name the file `$1`.
const NAMING: &str = "(SELECT COUNT(*) FROM attachments WHERE sha256 = $1) \
                      + (SELECT COUNT(*) FROM guest_answer_files WHERE sha256 = $1)";

/// A file queued for deletion by an erasure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedFile {
    pub sha256: String,
    pub queued_at: DateTime<Utc>,
    /// Some row names it again (the same content uploaded since).
    pub named: bool,
}

/// Removes from an instance's records the fields people write text in
/// (an audit's conclusions, a report's body); choices, dates and who
/// stay.
async fn erase_records(conn: &mut AnyConnection, machine: Machine, id: &str, scrub: &Scrub) -> Result<()> {
    let (table, owner) = super::apply::records_table(machine);
    let backend = super::Backend::of_connection(conn);
    for (_, name, fields) in scrub.record_texts.iter().filter(|(m, _, _)| *m == machine) {
        let rows: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT record_key, CAST(data AS TEXT) FROM {table} WHERE {owner} = $1 AND kind = $2"
        ))
        .bind(id)
        .bind(name)
        .fetch_all(&mut *conn)
        .await?;
        for (key, data) in rows {
            let mut data: Map<String, Value> = serde_json::from_str(&data).unwrap_or_default();
            if !fields.iter().any(|f| data.remove(f).is_some()) {
                continue;
            }
            sqlx::query(&format!(
                "UPDATE {table} SET data = {} WHERE {owner} = $2 AND kind = $3 AND record_key = $4",
                backend.json_param(1)
            ))
            .bind(Value::Object(data).to_string())
            .bind(id)
            .bind(name)
            .bind(key)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// The e-mails about an instance lose their content; those not sent yet
/// are not sent any more.
async fn erase_mail(conn: &mut AnyConnection, entity: &str, id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE outbox SET context = '{}', lease_until = NULL, \
         status = CASE WHEN status IN ('pending', 'held') THEN 'erased' ELSE status END \
         WHERE entity = $1 AND entity_id = $2",
    )
    .bind(entity)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Erases the personal values of an instance's chain (all but the steps'
/// states and versions) and records the erasure at its end.
async fn erase_trail(
    conn: &mut AnyConnection,
    entity: &str,
    id: &str,
    now: DateTime<Utc>,
    done: &mut ErasedInstance,
) -> Result<()> {
    let rows = sqlx::query(
        "SELECT seq, salts, digests, before_json, after_json, data_json FROM audit \
         WHERE entity = $1 AND entity_id = $2 AND action NOT IN ($3, $4) ORDER BY seq",
    )
    .bind(entity)
    .bind(id)
    .bind(ERASURE_ACTION)
    .bind(WARNING_ACTION)
    .fetch_all(&mut *conn)
    .await?;
    let (mut erased, mut kept) = (Vec::new(), 0usize);
    for r in &rows {
        let seq: i64 = r.get(0);
        let salts: Option<String> = r.get(1);
        if r.get::<Option<String>, _>(2).is_none() {
            kept += 1;
            continue;
        }
        let present: Map<String, Value> =
            serde_json::from_str(salts.as_deref().unwrap_or_default()).unwrap_or_default();
        let fields: Vec<&str> = SEALED
            .iter()
            .enumerate()
            .filter(|(i, field)| present.contains_key(**field) && !holds_nothing_personal(&r.get::<String, _>(3 + i)))
            .map(|(_, field)| *field)
            .collect();
        if fields.is_empty() {
            continue;
        }
        erase_values(&mut *conn, seq, salts.as_deref(), &fields, now).await?;
        erased.push(seq);
    }
    done.erased_entries += erased.len();
    done.kept_entries += kept;
    let entry = Entry::new(entity, id, ERASURE_ACTION, &Actor::system(), now)
        .data(json!({"entries": erased, "kept_entries": kept, "cause": "retention"}));
    let backend = super::Backend::of_connection(conn);
    append(&mut *conn, backend, &entry).await?;
    Ok(())
}
