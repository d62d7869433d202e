//! Workflow definitions as data: the TOML format, its checks, and diagrams.

pub mod criteria;
pub mod form;
pub mod graph;
pub mod load;
pub mod model;
pub mod registry;
pub mod roles;
pub mod rules;
pub mod vocabulary;

pub use criteria::{Criterion, Grid};
pub use form::{Choice, FieldIs, Form, FormField};
pub use load::{compile, load_all, load_file, load_shipped, Loaded, Problem, Problems};
pub use model::*;
pub use registry::{RoleTable, Workflows};
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

    pub const CMQ: &str = include_str!("../../workflows/cmq.toml");
    pub const CMQ_2019: &str = include_str!("../../workflows/criteria/cmq-2019.toml");

    /// The CMQ workflow as shipped.
    pub fn cmq() -> Result<super::Definition, super::Problems> {
        super::compile(std::path::Path::new("workflows/cmq.toml"), CMQ, |id| {
            (id == "cmq-2019").then(|| ("workflows/criteria/cmq-2019.toml".into(), CMQ_2019.to_string()))
        })
    }
}
