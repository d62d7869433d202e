//! `labelflow user add`.

use super::serve::{open_store, DatabaseArgs};
use crate::auth::hash_password;
use crate::engine::{Actor, Grant, Scope};
use crate::store::records::NewUser;
use crate::workflow::Role;
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
    /// admin, staff_rectorat, staff_region, porteur, rapporteur or president (repeatable).
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// academie:CODE or region:CODE, for staff roles (repeatable).
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// academie:CODE, region:CODE or org:NAME, for conflict-of-interest checks (repeatable).
    #[arg(long = "affiliation")]
    pub affiliations: Vec<String>,
    #[arg(long, env = "LABELFLOW_USER_PASSWORD", hide_env_values = true)]
    pub password: String,
}

/// Builds the grants of `user add`: staff roles take the given scopes,
/// other roles none.
pub fn grants(roles: &[String], scopes: &[String]) -> anyhow::Result<Vec<Grant>> {
    let scopes: Vec<Scope> = scopes
        .iter()
        .map(|s| Scope::parse(s).with_context(|| format!("--scope `{s}`: expected KIND:CODE (academie:LYON)")))
        .collect::<anyhow::Result<_>>()?;
    let mut grants = Vec::new();
    for name in roles {
        let role = match Role::parse(name) {
            Some(Role::System) | None => bail!(
                "--role `{name}`: expected one of admin, staff_rectorat, staff_region, porteur, rapporteur, president"
            ),
            Some(r) => r,
        };
        match role.scope_kind() {
            Some(kind) => {
                let fitting: Vec<&Scope> = scopes.iter().filter(|s| s.kind == kind).collect();
                if fitting.is_empty() {
                    bail!("--role {name} needs a --scope {kind}:CODE");
                }
                grants.extend(fitting.into_iter().map(|s| Grant { role, scope: Some(s.clone()) }))
            }
            None => grants.push(Grant { role, scope: None }),
        }
    }
    Ok(grants)
}

pub async fn add(args: UserAddArgs) -> anyhow::Result<()> {
    let grants = grants(&args.roles, &args.scopes)?;
    let affiliations = args
        .affiliations
        .iter()
        .map(|a| {
            Scope::parse(a)
                .with_context(|| format!("--affiliation `{a}`: expected KIND:CODE (academie:LYON) or org:NAME"))
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
