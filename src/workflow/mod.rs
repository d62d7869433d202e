//! Workflow definitions as data: the TOML format, its checks, and diagrams.

pub mod campaigns;
pub mod criteria;
pub mod documents;
pub mod form;
pub mod graph;
pub mod guests;
pub mod load;
pub mod messages;
pub mod model;
pub mod notifications;
pub mod publication;
pub mod records;
pub mod registry;
pub mod retention;
pub mod roles;
pub mod rules;
pub mod vocabulary;

pub use campaigns::CampaignRules;
pub use criteria::{Criterion, Grid};
pub use form::{Choice, FieldIs, Form, FormField};
pub use load::{compile, load_all, load_file, load_shipped, Loaded, Problem, Problems};
pub use model::*;
pub use publication::{Granted, Publication, PublicationSection};
pub use records::{RecordDef, RecordField, ValueSource};
pub use registry::{RoleTable, Workflows};
pub use retention::{Period, Retention};
pub use roles::{Role, RoleDef};
pub use rules::{Expr, Rule, Ty};
pub use vocabulary::{Anchor, FieldType, FormType, Machine, Predicate, Recipient, RecordKind, RoleKind, Stage};

/// The workflows shipped inside the binary, used when no workflow folder
/// is given.
pub mod builtin {
    include!(concat!(env!("OUT_DIR"), "/workflows.rs"));

    /// A shipped file, by its path from the crate root.
    pub fn file(path: &str) -> Option<&'static str> {
        FILES.iter().find(|(p, _)| *p == path).map(|(_, text)| *text)
    }

    /// The shipped definition `id`, as `workflow list` loads it.
    pub fn shipped(id: &str) -> Result<super::Definition, super::Problems> {
        let loaded = super::load_shipped()?;
        loaded.into_iter().map(|l| l.definition).find(|d| d.id == id).ok_or_else(|| {
            let message = format!("no shipped workflow `{id}`");
            super::Problems(vec![super::Problem { file: "workflows".into(), line: 0, message }])
        })
    }

    /// The first shipped definition (by file name), which the benchmarks'
    /// data sets are made for.
    pub fn primary() -> Result<super::Definition, super::Problems> {
        let loaded = super::load_shipped()?;
        Ok(loaded.into_iter().next().expect("a workflow is shipped").definition)
    }
}
