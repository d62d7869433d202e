//! Tamper-evident audit trail. Each entity (a dossier, a label, a user…)
//! has its own hash chain: every entry holds the previous entry's hash and
//! a SHA-256 over its own content, and `audit_heads` holds each chain's
//! last link so a truncated history shows too. Chains per entity keep
//! unrelated writers from queueing on one global head.
//!
//! An entry's before, after and data values may hold personal data: each
//! is sealed, the hash covering a salted SHA-256 digest of it instead of
//! the value itself. Erasing a value (`erase_values`) deletes it and its
//! salt and keeps the digest: the chain still verifies, and the digest
//! tells nothing of the value. Entries written before sealing existed
//! (no `digests`) are hashed over their values, as they always were.

use super::{to_micros, Backend, Result, Store};
use crate::engine::Actor;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use std::collections::{HashMap, HashSet};

/// The values of an entry that are sealed, in the order the hash takes them.
pub const SEALED: [&str; 3] = ["before", "after", "data"];

/// The action of the entry recording an erasure; its data lists the
/// entries whose values were erased, and is never erased itself.
pub const ERASURE_ACTION: &str = "erase_personal_data";

/// The digest a sealed value is hashed as.
fn seal(salt: &str, value: &str) -> String {
    hex::encode(Sha256::digest(format!("labelflow-audit-seal:{salt}:{value}").as_bytes()))
}

/// What the chain hash takes in place of a sealed value.
fn sealed_form(digest: &str) -> String {
    format!("sha256:{digest}")
}

fn new_salt() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Erases the sealed values `fields` of entry `seq`, whose salts are
/// `salts`: each value reads null and loses its salt; its digest stays.
pub(crate) async fn erase_values(
    conn: &mut AnyConnection,
    seq: i64,
    salts: Option<&str>,
    fields: &[&str],
    at: DateTime<Utc>,
) -> Result<()> {
    let mut salts: serde_json::Map<String, Value> = serde_json::from_str(salts.unwrap_or_default()).unwrap_or_default();
    let mut set = Vec::new();
    for field in fields {
        salts.remove(*field);
        set.push(format!("{field}_json = 'null'"));
    }
    sqlx::query(&format!(
        "UPDATE audit SET {}, salts = $1, erased_at = COALESCE(erased_at, $2) WHERE seq = $3",
        set.join(", ")
    ))
    .bind(Value::Object(salts).to_string())
    .bind(to_micros(at))
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Hash a chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit entry about to be appended.
#[derive(Debug, Clone)]
pub struct Entry {
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub actor: String,
    pub on_behalf_of: Option<String>,
    pub at: DateTime<Utc>,
    pub before: Value,
    pub after: Value,
    pub data: Value,
}

impl Entry {
    pub fn new(entity: &str, entity_id: &str, action: &str, actor: &Actor, at: DateTime<Utc>) -> Entry {
        Entry {
            entity: entity.to_string(),
            entity_id: entity_id.to_string(),
            action: action.to_string(),
            actor: actor.audit_name(),
            on_behalf_of: actor.on_behalf_of.map(|u| format!("user:{u}")),
            at,
            before: Value::Null,
            after: Value::Null,
            data: Value::Null,
        }
    }

    pub fn before(mut self, v: Value) -> Entry {
        self.before = v;
        self
    }

    pub fn after(mut self, v: Value) -> Entry {
        self.after = v;
        self
    }

    pub fn data(mut self, v: Value) -> Entry {
        self.data = v;
        self
    }
}

/// The stored columns an entry's hash covers, in a fixed order.
struct Stored<'a> {
    entity: &'a str,
    entity_id: &'a str,
    entity_seq: i64,
    at: i64,
    actor: &'a str,
    on_behalf_of: Option<&'a str>,
    action: &'a str,
    before: &'a str,
    after: &'a str,
    data: &'a str,
    prev_hash: &'a str,
}

impl Stored<'_> {
    /// SHA-256 over length-prefixed fields, so no two different entries
    /// share an encoding and no JSON re-serialisation is involved.
    fn hash(&self) -> String {
        let mut h = Sha256::new();
        let seq = self.entity_seq.to_string();
        let at = self.at.to_string();
        let fields: [Option<&str>; 11] = [
            Some(self.entity),
            Some(self.entity_id),
            Some(&seq),
            Some(&at),
            Some(self.actor),
            self.on_behalf_of,
            Some(self.action),
            Some(self.before),
            Some(self.after),
            Some(self.data),
            Some(self.prev_hash),
        ];
        for field in fields {
            match field {
                Some(text) => h.update(format!("{}:{text};", text.len()).as_bytes()),
                None => h.update(b"-;"),
            }
        }
        hex::encode(h.finalize())
    }
}

/// Appends an entry inside the caller's transaction; returns its number
/// in the entity's chain. The chain head moves by trigger.
pub async fn append(conn: &mut AnyConnection, backend: Backend, e: &Entry) -> Result<i64> {
    let head_sql = match backend {
        Backend::Sqlite => "SELECT entity_seq, hash FROM audit_heads WHERE entity = $1 AND entity_id = $2",
        Backend::Postgres => "SELECT entity_seq, hash FROM audit_heads WHERE entity = $1 AND entity_id = $2 FOR UPDATE",
    };
    let head = sqlx::query(head_sql).bind(&e.entity).bind(&e.entity_id).fetch_optional(&mut *conn).await?;
    let head = head.map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)));
    append_after(conn, e, head).await
}

/// Appends after a chain head the caller has already read under its lock
/// (None: a new chain).
pub async fn append_after(conn: &mut AnyConnection, e: &Entry, head: Option<(i64, String)>) -> Result<i64> {
    let (prev_seq, prev_hash) = head.unwrap_or_else(|| (0, GENESIS.to_string()));
    let (before, after, data) = (e.before.to_string(), e.after.to_string(), e.data.to_string());
    let salts = [new_salt(), new_salt(), new_salt()];
    let digests = [seal(&salts[0], &before), seal(&salts[1], &after), seal(&salts[2], &data)];
    let forms = digests.clone().map(|d| sealed_form(&d));
    let by_name = |values: &[String; 3]| {
        serde_json::Value::Object(SEALED.iter().zip(values).map(|(k, v)| (k.to_string(), v.clone().into())).collect())
            .to_string()
    };
    // The values are stored as they are; the hash takes their digests.
    let hashed = Stored {
        entity: &e.entity,
        entity_id: &e.entity_id,
        entity_seq: prev_seq + 1,
        at: to_micros(e.at),
        actor: &e.actor,
        on_behalf_of: e.on_behalf_of.as_deref(),
        action: &e.action,
        before: &forms[0],
        after: &forms[1],
        data: &forms[2],
        prev_hash: &prev_hash,
    };
    sqlx::query(
        "INSERT INTO audit (entity, entity_id, entity_seq, at, actor, on_behalf_of, action, before_json, after_json, \
         data_json, prev_hash, hash, salts, digests) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(hashed.entity)
    .bind(hashed.entity_id)
    .bind(hashed.entity_seq)
    .bind(hashed.at)
    .bind(hashed.actor)
    .bind(hashed.on_behalf_of)
    .bind(hashed.action)
    .bind(&before)
    .bind(&after)
    .bind(&data)
    .bind(hashed.prev_hash)
    .bind(hashed.hash())
    .bind(by_name(&salts))
    .bind(by_name(&digests))
    .execute(&mut *conn)
    .await?;
    Ok(hashed.entity_seq)
}

/// How an entry's values enter its hash.
enum Unsealed {
    /// Written before sealing: the values themselves.
    Plain,
    /// The digests' forms; `erased` when some value was erased.
    Sealed { forms: [String; 3], erased: bool },
    /// A value no longer matches its digest, or the seals are unreadable.
    Broken,
}

/// Checks each present value against its digest (an erased value has no
/// salt left) and gives what the hash is computed over.
fn unseal(values: &[String; 3], salts: Option<String>, digests: Option<String>) -> Unsealed {
    let Some(digests) = digests else { return Unsealed::Plain };
    let parse = |text: &str| serde_json::from_str::<HashMap<String, String>>(text).ok();
    let (Some(digests), Some(salts)) = (parse(&digests), parse(salts.as_deref().unwrap_or("{}"))) else {
        return Unsealed::Broken;
    };
    let mut forms: [String; 3] = Default::default();
    let mut erased = false;
    for (i, name) in SEALED.iter().enumerate() {
        let Some(digest) = digests.get(*name) else { return Unsealed::Broken };
        match salts.get(*name) {
            Some(salt) if seal(salt, &values[i]) == *digest => {}
            Some(_) => return Unsealed::Broken,
            // An erased value reads as null, nothing else.
            None if values[i] == "null" => erased = true,
            None => return Unsealed::Broken,
        }
        forms[i] = sealed_form(digest);
    }
    Unsealed::Sealed { forms, erased }
}

/// Outcome of walking every chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact { entries: u64 },
    Broken { seq: i64, reason: String },
}

/// One entry of an entity's trail, as served by the API.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TrailEntry {
    pub seq: i64,
    /// Its place in the entity's own trail: 1, 2, …
    pub number: i64,
    pub at: DateTime<Utc>,
    /// `user:ID` or `system`.
    pub actor: String,
    pub on_behalf_of: Option<String>,
    pub action: String,
    #[schema(value_type = Option<Object>)]
    pub before: Value,
    #[schema(value_type = Option<Object>)]
    pub after: Value,
    #[schema(value_type = Option<Object>)]
    pub data: Value,
    pub hash: String,
    /// Parts of this entry are withheld from the reader (the reviewers'
    /// identities or their reviews, before the decision); the stored
    /// entry is whole and its hash is that of the whole entry.
    pub redacted: bool,
    /// Its personal values were erased at a person's request: those values
    /// read as null; the entry and its hash stay.
    #[serde(default)]
    pub erased: bool,
}

impl Store {
    /// Walks every chain in insertion order and stops at the first entry
    /// whose content, link or position does not hold.
    pub async fn verify_audit(&self) -> Result<Verification> {
        const PAGE: i64 = 5_000;
        let mut expected: HashMap<(String, String), (i64, String)> = HashMap::new();
        let mut last_seq = i64::MIN;
        let mut count = 0u64;
        // Entries with erased values, and the erasures the trail records.
        let mut erased: Vec<(i64, String)> = Vec::new();
        let mut recorded: HashSet<i64> = HashSet::new();
        loop {
            let rows = sqlx::query(
                "SELECT seq, entity, entity_id, entity_seq, at, actor, on_behalf_of, action, before_json, after_json, \
                 data_json, prev_hash, hash, salts, digests FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(last_seq)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let seq: i64 = r.get("seq");
                last_seq = seq;
                count += 1;
                let entity: String = r.get("entity");
                let entity_id: String = r.get("entity_id");
                let on_behalf_of: Option<String> = r.get("on_behalf_of");
                let action: String = r.get("action");
                let entity_seq: i64 = r.get("entity_seq");
                let changed = || Verification::Broken {
                    seq,
                    reason: format!("content of {entity} {entity_id} entry {entity_seq} was changed"),
                };
                let values: [String; 3] = [r.get("before_json"), r.get("after_json"), r.get("data_json")];
                let hashed = match unseal(&values, r.get("salts"), r.get("digests")) {
                    Unsealed::Plain => values.clone(),
                    Unsealed::Sealed { forms, erased: some } => {
                        if some {
                            erased.push((seq, format!("{entity} {entity_id} entry {entity_seq}")));
                        }
                        forms
                    }
                    Unsealed::Broken => return Ok(changed()),
                };
                if action == ERASURE_ACTION {
                    let data: Value = serde_json::from_str(&values[2]).unwrap_or(Value::Null);
                    recorded.extend(data["entries"].as_array().into_iter().flatten().filter_map(Value::as_i64));
                }
                let stored = Stored {
                    entity: &entity,
                    entity_id: &entity_id,
                    entity_seq,
                    at: r.get("at"),
                    actor: &r.get::<String, _>("actor"),
                    on_behalf_of: on_behalf_of.as_deref(),
                    action: &action,
                    before: &hashed[0],
                    after: &hashed[1],
                    data: &hashed[2],
                    prev_hash: &r.get::<String, _>("prev_hash"),
                };
                let hash: String = r.get("hash");
                if stored.hash() != hash {
                    return Ok(changed());
                }
                let key = (entity.clone(), entity_id.clone());
                let (prev_seq, prev_hash) = expected.get(&key).cloned().unwrap_or((0, GENESIS.to_string()));
                if stored.entity_seq != prev_seq + 1 {
                    return Ok(Verification::Broken {
                        seq,
                        reason: format!(
                            "{entity} {entity_id}: expected entry {} of its chain but found {} (entries deleted or reordered)",
                            prev_seq + 1,
                            stored.entity_seq
                        ),
                    });
                }
                if stored.prev_hash != prev_hash {
                    return Ok(Verification::Broken {
                        seq,
                        reason: format!("{entity} {entity_id}: link to the previous entry is broken"),
                    });
                }
                expected.insert(key, (stored.entity_seq, hash));
            }
        }
        let heads =
            sqlx::query("SELECT entity, entity_id, entity_seq, hash FROM audit_heads").fetch_all(&self.pool).await?;
        let mut heads_seen = 0usize;
        for h in &heads {
            let key = (h.get::<String, _>(0), h.get::<String, _>(1));
            let head = (h.get::<i64, _>(2), h.get::<String, _>(3));
            heads_seen += 1;
            match expected.get(&key) {
                Some(last) if *last == head => {}
                _ => {
                    let seq = self.last_seq_of(&key.0, &key.1).await?.unwrap_or(0);
                    return Ok(Verification::Broken {
                        seq,
                        reason: format!(
                            "{} {}: its last entries (after entry {}) were deleted",
                            key.0,
                            key.1,
                            expected.get(&key).map_or(0, |l| l.0)
                        ),
                    });
                }
            }
        }
        if heads_seen != expected.len() {
            return Ok(Verification::Broken {
                seq: last_seq,
                reason: "a chain has no recorded head (audit_heads was altered)".into(),
            });
        }
        if let Some((seq, which)) = erased.into_iter().find(|(seq, _)| !recorded.contains(seq)) {
            return Ok(Verification::Broken {
                seq,
                reason: format!("{which}: values erased without an erasure recorded in the trail"),
            });
        }
        Ok(Verification::Intact { entries: count })
    }

    async fn last_seq_of(&self, entity: &str, entity_id: &str) -> Result<Option<i64>> {
        Ok(sqlx::query("SELECT MAX(seq) FROM audit WHERE entity = $1 AND entity_id = $2")
            .bind(entity)
            .bind(entity_id)
            .fetch_one(&self.pool)
            .await?
            .get::<Option<i64>, _>(0))
    }

    /// The trail of one entity, oldest first.
    pub async fn trail(&self, entity: &str, entity_id: &str) -> Result<Vec<TrailEntry>> {
        self.trail_page(entity, entity_id, None, 0, i64::MAX).await
    }

    /// Entries of one entity's trail after its entry `after` (its number
    /// in the trail, 0 for the start), of `action` only if given, `limit`
    /// at most, oldest first.
    pub async fn trail_page(
        &self,
        entity: &str,
        entity_id: &str,
        action: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<TrailEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, on_behalf_of, action, before_json, after_json, data_json, hash, entity_seq, erased_at \
             FROM audit \
             WHERE entity = $1 AND entity_id = $2 AND entity_seq > $3 AND ($5 = '' OR action = $5) \
             ORDER BY entity_seq LIMIT $4",
        )
        .bind(entity)
        .bind(entity_id)
        .bind(after)
        .bind(limit.max(0))
        .bind(action.unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        let json = |text: String| serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(rows
            .into_iter()
            .map(|r| TrailEntry {
                seq: r.get("seq"),
                number: r.get("entity_seq"),
                at: super::from_micros(r.get("at")),
                actor: r.get("actor"),
                on_behalf_of: r.get("on_behalf_of"),
                action: r.get("action"),
                before: json(r.get("before_json")),
                after: json(r.get("after_json")),
                data: json(r.get("data_json")),
                hash: r.get("hash"),
                redacted: false,
                erased: r.get::<Option<i64>, _>("erased_at").is_some(),
            })
            .collect())
    }
}

/// An audit trail as CSV (one row per entry; JSON columns kept as JSON).
pub fn trail_csv(trail: &[TrailEntry]) -> std::result::Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["seq", "at", "actor", "on_behalf_of", "action", "before", "after", "data", "hash", "redacted"])?;
    for e in trail {
        crate::spreadsheet::write_record(
            &mut out,
            [
                e.seq.to_string(),
                e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                e.actor.clone(),
                e.on_behalf_of.clone().unwrap_or_default(),
                e.action.clone(),
                e.before.to_string(),
                e.after.to_string(),
                e.data.to_string(),
                e.hash.clone(),
                e.redacted.to_string(),
            ],
        )?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
