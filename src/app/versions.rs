//! Workflow versions: the ones a server runs stored and adopted at start,
//! earlier ones read back for the instances still pinned to them, and
//! in-flight instances moved from one version to another.

use super::{App, AppError};
use crate::engine::{self, Actor, Refusal};
use crate::store::versions::{Move, VersionUse};
use crate::workflow::{Definition, Machine};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use uuid::Uuid;

/// An instance that cannot move, with every reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmovable {
    pub machine: Machine,
    pub id: Uuid,
    pub state: String,
    pub reasons: Vec<String>,
}

/// What a migration would do, checked for every instance before anything
/// moves.
#[derive(Debug, Clone)]
pub struct MigrationPlan {
    pub from: Arc<Definition>,
    pub to: Arc<Definition>,
    pub moves: Vec<Move>,
    pub unmovable: Vec<Unmovable>,
}

impl MigrationPlan {
    pub fn count(&self, machine: Machine) -> usize {
        self.moves.iter().filter(|m| m.machine == machine).count()
    }
}

fn invalid(field: &str, reason: String) -> AppError {
    Refusal::invalid(field, reason).into()
}

impl App {
    /// Stores the versions this server runs (pinning the instances of
    /// earlier releases, which name none, to them) and reads back the
    /// earlier versions instances are still pinned to. A stored version
    /// this release no longer reads is left out with a warning: its
    /// instances wait until `workflow migrate` moves them.
    pub async fn with_stored_versions(self) -> Result<App, AppError> {
        let now = self.clock.now();
        for def in self.workflows.iter() {
            let pinned = self.store.adopt_version(&def.id, &def.sources, now).await?;
            if pinned > 0 {
                tracing::info!(workflow = %def.id, version = %def.revision, pinned, "pinned existing calls, dossiers and labels");
            }
        }
        self.with_earlier_versions().await
    }

    /// Reads back the stored versions this server does not run from files.
    pub async fn with_earlier_versions(self) -> Result<App, AppError> {
        let mut earlier = Vec::new();
        for stored in self.store.stored_versions().await? {
            if self.workflows.at(&stored.workflow, Some(&stored.version)).is_some() {
                continue;
            }
            let sources = &stored.sources;
            let grid = |id: &str| {
                (id == sources.grid_id).then(|| (PathBuf::from(format!("criteria/{id}.toml")), sources.grid.clone()))
            };
            match crate::workflow::compile(Path::new(&sources.file), &sources.text, grid) {
                Ok(def) if def.revision == stored.version => earlier.push(def),
                Ok(def) => tracing::warn!(workflow = %stored.workflow, version = %stored.version, read = %def.revision,
                    "a stored workflow version reads back as another one: left out"),
                Err(problems) => tracing::warn!(workflow = %stored.workflow, version = %stored.version, %problems,
                    "a stored workflow version no longer loads: its instances wait until `workflow migrate` moves them"),
            }
        }
        let workflows = (*self.workflows).clone().with_earlier(earlier);
        Ok(self.with_workflows(workflows))
    }

    /// Every stored version with what is pinned to it.
    pub async fn version_uses(&self) -> Result<Vec<VersionUse>, AppError> {
        Ok(self.store.version_uses().await?)
    }

    /// The version `text` names: a whole version or the start of one, of
    /// any workflow this server can run.
    pub fn version_named(&self, field: &str, text: &str) -> Result<Arc<Definition>, AppError> {
        let text = text.trim();
        if text.len() < 4 {
            return Err(invalid(field, format!("`{text}` is too short to name a version (give at least 4 digits)")));
        }
        let found: Vec<&Arc<Definition>> = self.workflows.versions().filter(|d| d.revision.starts_with(text)).collect();
        match found.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(invalid(
                field,
                format!("no workflow version `{text}` is loaded (`labelflow workflow versions` lists them)"),
            )),
            _ => Err(invalid(field, format!("`{text}` names several versions: give more digits"))),
        }
    }

    /// What moving the instances and calls of version `from` to `to` would
    /// do, with `map` renaming states.
    pub async fn plan_migration(
        &self,
        from: &str,
        to: &str,
        map: &BTreeMap<String, String>,
    ) -> Result<MigrationPlan, AppError> {
        let from = self.version_named("from", from)?;
        let to = self.version_named("to", to)?;
        if from.id != to.id {
            return Err(invalid(
                "to",
                format!(
                    "{} is a version of `{}`, not of `{}`: instances move between versions of one workflow",
                    to.revision, to.id, from.id
                ),
            ));
        }
        if from.revision == to.revision {
            return Err(invalid("to", "is the version the instances are on".into()));
        }
        for old in map.keys() {
            if from.dossier.state(old).is_none() && from.label_machine.state(old).is_none() {
                return Err(invalid("map", format!("`{old}` is not a state of version {}", from.revision)));
            }
        }
        let mut plan = MigrationPlan { from: from.clone(), to: to.clone(), moves: vec![], unmovable: vec![] };
        for (machine, id) in self.store.pinned_to(&from.id, &from.revision).await? {
            let instance = self.store.instance(machine, id).await?;
            let form = match &instance.facts {
                engine::Facts::Dossier(d) => d.form.clone(),
                engine::Facts::Label(_) => self.store.label_view(id).await?.form,
            };
            match engine::migration::check(&to, &instance, &form, map) {
                Ok(to_state) => plan.moves.push(Move {
                    machine,
                    id,
                    expected_version: instance.version,
                    from_state: instance.state,
                    to_state,
                }),
                Err(reasons) => plan.unmovable.push(Unmovable { machine, id, state: instance.state, reasons }),
            }
        }
        Ok(plan)
    }

    /// Moves what `plan` lists, all or nothing; refused while any instance
    /// cannot move. Returns how many instances and calls moved.
    pub async fn migrate(&self, plan: &MigrationPlan, actor: &Actor) -> Result<u64, AppError> {
        if !plan.unmovable.is_empty() {
            return Err(invalid("from", format!("{} instances cannot move: nothing was moved", plan.unmovable.len())));
        }
        let (id, from, to) = (&plan.from.id, &plan.from.revision, &plan.to.revision);
        let moved = self.store.move_to_version(id, from, to, &plan.moves, actor, self.clock.now()).await?;
        self.wake_timers();
        Ok(moved)
    }
}
