//! Applies a Plan in one transaction: version-checked state change, the
//! records it stores, its audit entry, outbox rows and timers, and the label
//! a decision creates. Either all of it commits or none of it does.

use super::audit::{append_after, Entry};
use super::{to_micros, Result, Store, StoreError};
use crate::engine::{Effects, Instance, Message, Plan, Record, TimerOp};
use crate::workflow::{Machine, Recipient};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

/// What a committed plan produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub version: i64,
    pub label_id: Option<Uuid>,
    pub messages: usize,
}

impl Store {
    /// Applies a plan decided earlier; fails with a conflict if the instance
    /// moved on since.
    #[tracing::instrument(level = "debug", skip_all, fields(machine = plan.machine.name(), id = %plan.instance_id, event = %plan.event))]
    pub async fn apply(&self, plan: &Plan) -> Result<Applied> {
        let mut tx = self.begin_write().await?;
        let applied = apply_on(&mut tx, plan).await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// Loads an instance, lets `decide` plan, and applies the plan. The
    /// load runs outside the write transaction (readers never wait for
    /// writers); the version check inside it catches any change in between.
    #[tracing::instrument(level = "debug", skip_all, fields(machine = machine.name(), %id))]
    pub async fn transition<E: From<StoreError>>(
        &self,
        machine: Machine,
        id: Uuid,
        decide: impl FnOnce(&Instance) -> std::result::Result<Plan, E>,
    ) -> std::result::Result<(Plan, Applied), E> {
        let instance = self.instance(machine, id).await?;
        let plan = decide(&instance)?;
        let mut tx = self.begin_write().await?;
        let applied = apply_on(&mut tx, &plan).await?;
        tx.commit().await?;
        Ok((plan, applied))
    }
}

pub(crate) async fn apply_on(tx: &mut AnyConnection, plan: &Plan) -> Result<Applied> {
    let id = plan.instance_id.to_string();
    // The version check comes first: it takes the row's write lock, so
    // a concurrent plan for the same instance waits here and then fails.
    // Records kept on the dossier row itself ride along in the same UPDATE.
    let (sql, extra) = version_update(plan);
    let mut query =
        sqlx::query(&sql).bind(&plan.to_state).bind(to_micros(plan.at)).bind(&id).bind(plan.expected_version);
    for value in extra {
        query = match value {
            Bound::Text(t) => query.bind(t),
            Bound::Int(i) => query.bind(i),
        };
    }
    let Some(head) = query.fetch_optional(&mut *tx).await? else {
        let sql = match plan.machine {
            Machine::Dossier => "SELECT version FROM dossiers WHERE id = $1",
            Machine::Label => "SELECT version FROM labels WHERE id = $1",
        };
        let current: Option<i64> = sqlx::query_scalar(sql).bind(&id).fetch_optional(&mut *tx).await?;
        return match current {
            Some(current) => Err(StoreError::Conflict { expected: plan.expected_version, current }),
            None => Err(StoreError::NotFound { what: "instance" }),
        };
    };
    // Most steps have no webhook to tell: the count rode along in the UPDATE,
    // so they pay no statement of their own for it.
    let subscribed = head.get::<i64, _>(2) > 0;
    let head = match super::Backend::of_connection(tx) {
        // One writer at a time: the head read beside the UPDATE is the last.
        super::Backend::Sqlite => match (head.get::<Option<i64>, _>(0), head.get::<Option<String>, _>(1)) {
            (Some(seq), Some(hash)) => Some((seq, hash)),
            _ => None,
        },
        // Under READ COMMITTED an UPDATE that waited for the row reads the
        // rest of its statement as it was before the wait: an entry another
        // transaction appended meanwhile (a message, an invitation) would be
        // missing from the head. Its own locking read sees it.
        super::Backend::Postgres => {
            let row =
                sqlx::query("SELECT entity_seq, hash FROM audit_heads WHERE entity = $1 AND entity_id = $2 FOR UPDATE")
                    .bind(plan.machine.name())
                    .bind(&id)
                    .fetch_optional(&mut *tx)
                    .await?;
            row.map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)))
        }
    };
    for record in &plan.records {
        write_record(tx, &id, record, plan).await?;
    }
    let mut message_id = None;
    if let (Some(post), Some(author)) = (&plan.thread_post, plan.actor_user) {
        let author = crate::engine::Actor::user(author, vec![]);
        let message = super::messages::NewMessage {
            dossier: plan.instance_id,
            author: &author,
            side: &post.side,
            body: &post.body,
            private: false,
            notify: post.notify.clone(),
        };
        message_id = Some(super::messages::insert_message(tx, &message, plan.at).await?);
    }
    let entry = Entry {
        entity: plan.machine.name().to_string(),
        entity_id: id.clone(),
        action: plan.event.clone(),
        actor: plan.actor.clone(),
        on_behalf_of: plan.on_behalf_of.map(|u| format!("user:{u}")),
        at: plan.at,
        before: json!({"state": plan.from_state, "version": plan.expected_version}),
        after: json!({"state": plan.to_state, "version": plan.expected_version + 1}),
        data: match message_id {
            Some(m) => json!({"input": plan.data, "records": plan.records, "message_id": m.to_string()}),
            None => json!({"input": plan.data, "records": plan.records}),
        },
    };
    append_after(tx, &entry, head).await?;
    let mut messages = write_effects(
        tx,
        plan.machine,
        &id,
        &plan.effects,
        &plan.event,
        &serde_json::Value::Object(plan.data.clone()),
        plan.at,
    )
    .await?;

    let mut label_id = None;
    if let Some(label) = &plan.new_label {
        let new_id = Uuid::new_v4().to_string();
        let insert =
            "INSERT INTO labels (id, dossier_id, workflow, workflow_version, state, version, title, category, \
             form, valid_from, valid_until, renewal_of, created_at, updated_at, search_key) \
             SELECT $1, id, workflow, workflow_version, $2, 1, title, $3, form, $4, $5, $6, $7, $7, search_key \
             FROM dossiers WHERE id = $8";
        sqlx::query(insert)
            .bind(&new_id)
            .bind(&label.state)
            .bind(&label.category)
            .bind(label.valid_from.to_string())
            .bind(label.valid_until.to_string())
            .bind(label.renewal_of.map(|u| u.to_string()))
            .bind(to_micros(plan.at))
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        // The label holds its dossier's form, and so its scopes.
        sqlx::query(
            "INSERT INTO label_scopes (label_id, scope) SELECT $1, scope FROM dossier_scopes WHERE dossier_id = $2",
        )
        .bind(&new_id)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        let entry = Entry {
            entity: "label".into(),
            entity_id: new_id.clone(),
            action: "create".into(),
            actor: plan.actor.clone(),
            on_behalf_of: plan.on_behalf_of.map(|u| format!("user:{u}")),
            at: plan.at,
            before: serde_json::Value::Null,
            after: json!({"state": label.state, "version": 1, "dossier_id": id, "category": label.category,
                "years": label.years, "valid_from": label.valid_from, "valid_until": label.valid_until,
                "renewal_of": label.renewal_of}),
            data: serde_json::Value::Null,
        };
        append_after(tx, &entry, None).await?;
        messages +=
            write_effects(tx, Machine::Label, &new_id, &label.effects, "create", &serde_json::Value::Null, plan.at)
                .await?;
        label_id = Some(Uuid::parse_str(&new_id).expect("generated uuid"));
    }
    if subscribed {
        super::webhooks::enqueue(tx, plan, label_id).await?;
    }
    Ok(Applied { version: plan.expected_version + 1, label_id, messages })
}

enum Bound {
    Text(Option<String>),
    Int(Option<i64>),
}

/// The version-checked UPDATE of a plan, with the columns its dossier-row
/// records set ($1 state, $2 instant, $3 id, $4 expected version, then extras).
fn version_update(plan: &Plan) -> (String, Vec<Bound>) {
    let table = match plan.machine {
        Machine::Dossier => "dossiers",
        Machine::Label => "labels",
    };
    // Retention counts from entering a state: a step that stays keeps the
    // count and the warning; one that moves starts them again.
    let mut sql = format!(
        "UPDATE {table} SET state = $1, version = version + 1, updated_at = $2, \
         state_since = CASE WHEN state = $1 THEN state_since ELSE $2 END, \
         retention_warned_at = CASE WHEN state = $1 THEN retention_warned_at ELSE NULL END"
    );
    let mut extra = Vec::new();
    let mut set = |sql: &mut String, column: &str, value: Bound| {
        extra.push(value);
        sql.push_str(&format!(", {column} = ${}", extra.len() + 4));
    };
    for record in &plan.records {
        match record {
            Record::CompletionRequest { message, due } => {
                set(&mut sql, "completion_message", Bound::Text(Some(message.clone())));
                set(&mut sql, "completion_due", Bound::Int(Some(to_micros(*due))));
            }
            Record::CompletionAnswered => sql.push_str(", completion_due = NULL"),
            Record::ReviewsShown => sql.push_str(", reviews_shown_at = $2"),
            _ => {}
        }
    }
    // The chain head is read under the row lock the UPDATE just took, and
    // whether any webhook listens at all, which decides if the step writes
    // deliveries.
    sql.push_str(&format!(
        " WHERE id = $3 AND version = $4 RETURNING \
         (SELECT entity_seq FROM audit_heads WHERE entity = '{entity}' AND entity_id = $3), \
         (SELECT hash FROM audit_heads WHERE entity = '{entity}' AND entity_id = $3), \
         (SELECT COUNT(*) FROM (SELECT 1 FROM webhook_subscriptions LIMIT 1) AS listening)",
        entity = plan.machine.name()
    ));
    (sql, extra)
}

/// The table of a machine's declared records, and its instance column.
pub(crate) fn records_table(machine: Machine) -> (&'static str, &'static str) {
    match machine {
        Machine::Dossier => ("dossier_records", "dossier_id"),
        Machine::Label => ("label_records", "label_id"),
    }
}

/// Stores a record that lives in its own table (the dossier-row ones went
/// into the version UPDATE).
async fn write_record(conn: &mut AnyConnection, id: &str, record: &Record, plan: &Plan) -> Result<()> {
    let at = to_micros(plan.at);
    let by = plan.actor_user.map(|u| u.to_string());
    match record {
        Record::CompletionRequest { .. } | Record::CompletionAnswered | Record::ReviewsShown => {}
        Record::Declared { name, key, fields } => {
            let (table, owner) = records_table(plan.machine);
            let insert = format!(
                "INSERT INTO {table} ({owner}, kind, record_key, data, recorded_by, recorded_at) VALUES ($1, $2, $3, {}, $5, $6) \
                 ON CONFLICT ({owner}, kind, record_key) DO UPDATE SET data = excluded.data, \
                 recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
                super::Backend::of_connection(conn).json_param(4)
            );
            // A record without a key is never replaced: it gets its own.
            let key = key.clone().unwrap_or_else(|| Uuid::new_v4().to_string());
            sqlx::query(&insert)
                .bind(id)
                .bind(name)
                .bind(key)
                .bind(serde_json::Value::Object(fields.clone()).to_string())
                .bind(by)
                .bind(at)
                .execute(&mut *conn)
                .await?;
        }
        Record::Reviewer { user_id, due } => {
            sqlx::query("INSERT INTO assignments (dossier_id, user_id, due_at, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(user_id.to_string())
                .bind(to_micros(*due))
                .bind(by)
                .bind(at)
                .execute(&mut *conn)
                .await?;
        }
        Record::Review { reviewer, scores, comment, notes } => {
            // A revised review replaces the reviewer's own; the audit trail
            // keeps each version.
            sqlx::query(
                "INSERT INTO reviews (dossier_id, reviewer_id, scores, comment, submitted_at, notes) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dossier_id, reviewer_id) DO UPDATE \
                 SET scores = excluded.scores, comment = excluded.comment, submitted_at = excluded.submitted_at, \
                 notes = excluded.notes",
            )
            .bind(id)
            .bind(reviewer.to_string())
            .bind(serde_json::to_string(scores).unwrap_or_default())
            .bind(comment)
            .bind(at)
            .bind(serde_json::to_string(notes).unwrap_or_default())
            .execute(&mut *conn)
            .await?;
        }
        Record::Recusal { reviewer, reason } => {
            sqlx::query("DELETE FROM assignments WHERE dossier_id = $1 AND user_id = $2")
                .bind(id)
                .bind(reviewer.to_string())
                .execute(&mut *conn)
                .await?;
            sqlx::query("INSERT INTO recusals (dossier_id, user_id, reason, declared_at) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(reviewer.to_string())
                .bind(reason)
                .bind(at)
                .execute(&mut *conn)
                .await?;
        }
        Record::Decision { outcome, category, years, motivation, details } => {
            let insert = format!(
                "INSERT INTO decisions (dossier_id, outcome, category, years, motivation, details, decided_by, decided_at) \
                 VALUES ($1, $2, $3, $4, $5, {}, $7, $8) ON CONFLICT (dossier_id) DO UPDATE SET outcome = excluded.outcome, \
                 category = excluded.category, years = excluded.years, motivation = excluded.motivation, \
                 details = excluded.details, decided_by = excluded.decided_by, decided_at = excluded.decided_at",
                super::Backend::of_connection(conn).json_param(6)
            );
            sqlx::query(&insert)
                .bind(id)
                .bind(outcome)
                .bind(category.as_deref())
                .bind(years.map(i64::from))
                .bind(motivation)
                .bind(serde_json::to_string(details).unwrap_or_else(|_| "{}".into()))
                .bind(by)
                .bind(at)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Writes outbox rows and timer changes for one instance; returns the
/// number of outbox rows.
pub(crate) async fn write_effects(
    conn: &mut AnyConnection,
    machine: Machine,
    id: &str,
    effects: &Effects,
    cause: &str,
    data: &serde_json::Value,
    at: DateTime<Utc>,
) -> Result<usize> {
    let now = to_micros(at);
    // Consecutive operations of one kind go out as one statement; the order
    // of the plan is kept between kinds.
    let ops = &effects.timers;
    let mut i = 0;
    while i < ops.len() {
        let run =
            ops[i..].iter().take_while(|op| std::mem::discriminant(*op) == std::mem::discriminant(&ops[i])).count();
        let batch = &ops[i..i + run];
        match &ops[i] {
            TimerOp::Start { .. } => start_timers(conn, machine, id, batch, now).await?,
            TimerOp::Cancel { .. } => cancel_timers(conn, machine, id, batch, cause, now).await?,
            TimerOp::CancelAll => {
                sqlx::query(
                    "UPDATE timers SET status = 'cancelled', closed_at = $1, outcome = $2 \
                     WHERE entity = $3 AND entity_id = $4 AND status = 'pending'",
                )
                .bind(now)
                .bind(format!("cancelled by {cause}"))
                .bind(machine.name())
                .bind(id)
                .execute(&mut *conn)
                .await?;
            }
        }
        i += run;
    }
    let mut rows = 0;
    for message in &effects.messages {
        rows += write_message(conn, machine, id, message, cause, data, now).await?;
    }
    Ok(rows)
}

fn key_text(key: &Option<Uuid>) -> String {
    key.map(|k| k.to_string()).unwrap_or_default()
}

async fn start_timers(conn: &mut AnyConnection, machine: Machine, id: &str, ops: &[TimerOp], now: i64) -> Result<()> {
    let mut sql = String::from(
        "INSERT INTO timers (id, entity, entity_id, name, timer_key, event, due_at, status, created_at) VALUES ",
    );
    for n in 0..ops.len() {
        let b = 4 + n * 5;
        if n > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(${b}, $1, $2, ${}, ${}, ${}, ${}, 'pending', $3)", b + 1, b + 2, b + 3, b + 4));
    }
    let mut query = sqlx::query(&sql).bind(machine.name()).bind(id).bind(now);
    for op in ops {
        if let TimerOp::Start { name, key, event, due_at } = op {
            query = query
                .bind(Uuid::new_v4().to_string())
                .bind(name)
                .bind(key_text(key))
                .bind(event)
                .bind(to_micros(*due_at));
        }
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

async fn cancel_timers(
    conn: &mut AnyConnection,
    machine: Machine,
    id: &str,
    ops: &[TimerOp],
    cause: &str,
    now: i64,
) -> Result<()> {
    let mut sql = String::from(
        "UPDATE timers SET status = 'cancelled', closed_at = $1, outcome = $2 \
         WHERE entity = $3 AND entity_id = $4 AND status = 'pending' AND (",
    );
    for n in 0..ops.len() {
        let b = 5 + n * 2;
        if n > 0 {
            sql.push_str(" OR ");
        }
        sql.push_str(&format!("(name = ${b} AND timer_key = ${})", b + 1));
    }
    sql.push(')');
    let mut query = sqlx::query(&sql).bind(now).bind(format!("cancelled by {cause}")).bind(machine.name()).bind(id);
    for op in ops {
        if let TimerOp::Cancel { name, key } = op {
            query = query.bind(name).bind(key_text(key));
        }
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// SQL selecting (user id, e-mail) of a recipient group for an instance
/// bound as $1; `reviewer` is the event's subject, bound as $2.
fn recipient_sql(machine: Machine, r: &Recipient) -> Option<String> {
    use Machine::{Dossier, Label};
    let holders = |role: &crate::workflow::Role| {
        // Role names are checked at load to be `[a-z0-9_]`: safe to quote.
        crate::workflow::Role::valid_name(role.name()).then(|| {
            format!("SELECT u.id, u.email FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role = '{role}'")
        })
    };
    Some(match (machine, r) {
        (Dossier, Recipient::Owners) => "SELECT u.id, u.email FROM dossier_owners o JOIN users u ON u.id = o.user_id WHERE o.dossier_id = $1".into(),
        (Label, Recipient::Owners) => "SELECT u.id, u.email FROM labels l JOIN dossier_owners o ON o.dossier_id = l.dossier_id JOIN users u ON u.id = o.user_id WHERE l.id = $1".into(),
        (Dossier, Recipient::InScope(role)) => format!("{} AND r.scope IN (SELECT scope FROM dossier_scopes WHERE dossier_id = $1)", holders(role)?),
        (Label, Recipient::InScope(role)) => format!("{} AND r.scope IN (SELECT scope FROM label_scopes WHERE label_id = $1)", holders(role)?),
        (_, Recipient::Holders(role)) => holders(role)?,
        (Dossier, Recipient::Reviewers) => "SELECT u.id, u.email FROM assignments a JOIN users u ON u.id = a.user_id WHERE a.dossier_id = $1".into(),
        (_, Recipient::Reviewer) => "SELECT u.id, u.email FROM users u WHERE u.id = $2".into(),
        (_, Recipient::Admins) => "SELECT u.id, u.email FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role = 'admin'".into(),
        // Addresses are checked at load to hold no quote: safe to quote.
        (_, Recipient::Account(address)) => {
            Recipient::account(address)?;
            format!("SELECT u.id, u.email FROM users u WHERE LOWER(u.email) = '{address}'")
        }
        _ => return None,
    })
}

/// Resolves the recipients of a message and writes one outbox row each, in
/// one statement (UNION also removes duplicates). Row ids are
/// `MESSAGE-KEY:USER-ID`, stable for the life of the message.
pub(super) async fn write_message(
    conn: &mut AnyConnection,
    machine: Machine,
    id: &str,
    message: &Message,
    cause: &str,
    data: &serde_json::Value,
    now: i64,
) -> Result<usize> {
    let mut parts: Vec<String> = Vec::new();
    for r in &message.to {
        if *r == Recipient::Reviewer && message.subject_user.is_none() {
            continue;
        }
        if let Some(sql) = recipient_sql(machine, r) {
            if !parts.contains(&sql) {
                parts.push(sql);
            }
        }
    }
    if parts.is_empty() {
        return Ok(0);
    }
    // The step's data goes with the message: the e-mail says what happened
    // then, even if the dossier changes before it is sent.
    let context =
        json!({"template": message.template, "entity": machine.name(), "entity_id": id, "cause": cause, "data": data})
            .to_string();
    // Every part may use $1 (the instance) and $2 (the subject); the WHERE
    // clause types both even when no part does.
    let sql = format!(
        "INSERT INTO outbox (id, entity, entity_id, template, recipient_user_id, recipient_email, context, status, \
         attempts, next_attempt_at, created_at) \
         SELECT $3 || ':' || r.id, $4, $1, $5, r.id, r.email, $6, 'pending', 0, $7, $7 FROM ({}) AS r \
         WHERE $1 = $1 AND COALESCE($2, '') = COALESCE($2, '')",
        parts.join(" UNION ")
    );
    let written = sqlx::query(&sql)
        .bind(id)
        .bind(message.subject_user.map(|u| u.to_string()))
        .bind(Uuid::new_v4().to_string())
        .bind(machine.name())
        .bind(&message.template)
        .bind(&context)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(written.rows_affected() as usize)
}
