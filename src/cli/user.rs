//! `labelflow user add`.

use super::serve::{open_store, DatabaseArgs};
use crate::auth::hash_password;
use crate::engine::{Actor, Grant, Scope};
use crate::store::records::NewUser;
use crate::workflow::{Definition, Role, Workflows};
use anyhow::{bail, Context};
use clap::Args;

#[derive(Args, Debug)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// The workflows whose roles the account may hold (the shipped ones
    /// when the folder does not exist).
    #[arg(long, env = "LABELFLOW_WORKFLOWS", default_value = "workflows")]
    pub workflows: std::path::PathBuf,
    /// admin or a role of the workflows (`labelflow workflow list`), repeatable.
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// KIND:CODE (e.g. region:ARA), for staff roles (repeatable).
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// KIND:CODE (e.g. region:ARA) or org:NAME, for conflict-of-interest checks (repeatable).
    #[arg(long = "affiliation")]
    pub affiliations: Vec<String>,
    #[arg(long, env = "LABELFLOW_USER_PASSWORD", hide_env_values = true)]
    pub password: String,
}

/// Builds the grants of `user add`: each role must be `admin` or a role
/// of the workflows; a staff role takes the given scopes of its kind,
/// other roles none.
pub fn grants(roles: &[String], scopes: &[String], workflows: &Workflows) -> anyhow::Result<Vec<Grant>> {
    let scopes: Vec<Scope> = scopes
        .iter()
        .map(|s| Scope::parse(s).with_context(|| format!("--scope `{s}`: expected KIND:CODE (e.g. region:ARA)")))
        .collect::<anyhow::Result<_>>()?;
    let mut grants = Vec::new();
    for name in roles {
        let role = Role::new(name.trim());
        if role.is_admin() {
            grants.push(Grant { role, scope: None });
            continue;
        }
        let Some(declared) = workflows.role(&role) else {
            let known: Vec<String> = std::iter::once(Role::ADMIN.to_string())
                .chain(workflows.roles().into_iter().map(|r| r.name.to_string()))
                .collect();
            bail!("--role `{name}`: expected one of {}", known.join(", "));
        };
        match &declared.scope {
            Some(kind) => {
                let fitting: Vec<&Scope> = scopes.iter().filter(|s| &s.kind == kind).collect();
                if fitting.is_empty() {
                    bail!("--role {name} needs a --scope {kind}:CODE");
                }
                for s in fitting {
                    let scope = crate::app::accounts::listed_scope(workflows, kind, &s.code)
                        .with_context(|| format!("--scope `{s}`: no such {kind} in the reference lists"))?;
                    grants.push(Grant { role: role.clone(), scope: Some(scope) });
                }
            }
            None => grants.push(Grant { role, scope: None }),
        }
    }
    Ok(grants)
}

pub async fn add(args: UserAddArgs) -> anyhow::Result<()> {
    let defs: Vec<Definition> = crate::workflow::load_all(&args.workflows)?.into_iter().map(|l| l.definition).collect();
    let workflows = Workflows::new(defs).map_err(anyhow::Error::msg)?;
    let grants = grants(&args.roles, &args.scopes, &workflows)?;
    let affiliations = args
        .affiliations
        .iter()
        .map(|a| {
            Scope::parse(a)
                .with_context(|| format!("--affiliation `{a}`: expected KIND:CODE (e.g. region:ARA) or org:NAME"))
        })
        .collect::<anyhow::Result<_>>()?;
    if !args.email.contains('@') {
        bail!("--email `{}`: not an e-mail address", args.email);
    }
    let password_hash = hash_password(&args.password)?;
    let store = open_store(&args.db).await?;
    let user =
        NewUser { email: args.email.trim().to_lowercase(), name: args.name, password_hash, grants, affiliations };
    let id = store.create_user(&user, &Actor::system(), chrono::Utc::now()).await?;
    store.close().await;
    println!("{id}");
    Ok(())
}
