//! `serve --demo`: a CMQ call for projects with users of every role and
//! dossiers at several stages, all created through the engine.

use crate::app::{App, AppError};
use crate::auth::hash_password;
use crate::engine::{Actor, Event, Grant, Scope};
use crate::store::records::{NewCampaign, NewDossier, NewUser};
use crate::workflow::{Machine, Role};
use chrono::Duration;
use uuid::Uuid;

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-labelflow";
const CAMPAIGN: &str = "Appel à projets CMQ (démonstration)";

/// A demo account: e-mail, name, role, scope, affiliations.
pub type DemoAccount = (&'static str, &'static str, &'static str, Option<&'static str>, &'static [&'static str]);

pub const LOGINS: &[DemoAccount] = &[
    ("admin@demo.labelflow.fr", "Administratrice nationale", Role::ADMIN, None, &[]),
    ("porteur@demo.labelflow.fr", "Porteuse de projet (Lyon)", "porteur", None, &[]),
    ("rectorat.lyon@demo.labelflow.fr", "Rectorat de Lyon", "staff_rectorat", Some("academie:LYON"), &[]),
    ("region.ara@demo.labelflow.fr", "Région Auvergne-Rhône-Alpes", "staff_region", Some("region:ARA"), &[]),
    ("rapporteur1@demo.labelflow.fr", "Rapporteur (Bretagne)", "rapporteur", None, &["region:BRE"]),
    ("rapporteur2@demo.labelflow.fr", "Rapporteuse (Paris)", "rapporteur", None, &["academie:PARIS", "org:CNAM"]),
    ("president@demo.labelflow.fr", "Président du comité", "president", None, &[]),
];

/// Seeds the demo once; returns false when it was already there.
pub async fn seed(app: &App) -> Result<bool, AppError> {
    if app.store.campaign_named(CAMPAIGN).await?.is_some() {
        return Ok(false);
    }
    let now = app.clock.now();
    let system = Actor::system();
    let password_hash = hash_password(DEMO_PASSWORD).map_err(|e| crate::store::StoreError::Invalid(e.to_string()))?;
    let mut ids = Vec::new();
    for (email, name, role, scope, affiliations) in LOGINS {
        let user = NewUser {
            email: email.to_string(),
            name: name.to_string(),
            password_hash: password_hash.clone(),
            grants: vec![Grant { role: Role::new(*role), scope: scope.and_then(Scope::parse) }],
            affiliations: affiliations.iter().filter_map(|a| Scope::parse(a)).collect(),
        };
        ids.push(app.store.create_user(&user, &system, now).await?);
    }
    let actor = |i: usize| app.store.actor(ids[i]);
    let (admin, porteur, rectorat, region) = (actor(0).await?, actor(1).await?, actor(2).await?, actor(3).await?);
    let (rapporteur1, rapporteur2, president) = (actor(4).await?, actor(5).await?, actor(6).await?);

    let campaign = app
        .store
        .create_campaign(
            &NewCampaign {
                name: CAMPAIGN.into(),
                workflow: app.workflow.id.clone(),
                sources: Some(app.workflow.sources.clone()),
                criteria: app.workflow.grid.id.clone(),
                opens_at: now - Duration::days(30),
                closes_at: now + Duration::days(60),
                kinds: vec!["creation".into(), "renewal".into()],
            },
            &admin,
            now,
        )
        .await?;

    let dossier = |title: &str, filiere: &str, category: &str| {
        NewDossier {
            campaign_id: campaign,
            kind: "creation".into(),
            category: category.into(),
            title: title.into(),
            ..Default::default()
        }
        .with_form(serde_json::json!({
            "filiere": filiere,
            "region": "ARA",
            "academies": ["LYON"],
            "support_establishment": "Lycée La Martinière Monplaisir",
            "directeur_operationnel": "Claire Dubois",
        }))
    };
    let owner = ids[1];
    let act = |who: &Actor, id: Uuid, e: Event| {
        let (app, who) = (app.clone(), who.clone());
        async move { app.act(&who, Machine::Dossier, id, e).await }
    };

    // A draft still being written.
    app.create_dossier(
        &porteur,
        owner,
        dossier("Campus Numérique et Cybersécurité", "numerique-telecommunications", "standard"),
    )
    .await?;

    // Dossiers taken further: submitted, under review, reviewed, labelled.
    let stages = [
        ("Campus Industrie du futur", "systemes-innovants-mecatronique", "excellence", 1),
        ("Campus Gastronomie et Hôtellerie", "tourisme-gastronomie", "standard", 2),
        ("Campus Chimie Verte", "chimie-biotechnologies", "excellence", 3),
        ("Campus Aéronautique et Spatial", "mobilite-aeronautique-transports", "excellence", 4),
    ];
    for (title, filiere, category, depth) in stages {
        let id = app.create_dossier(&porteur, owner, dossier(title, filiere, category)).await?;
        for (name, kind) in [
            ("Lycée La Martinière Monplaisir", "eple"),
            ("Université Claude Bernard Lyon 1", "universite"),
            ("Michelin", "entreprise"),
        ] {
            app.add_partner(&porteur, id, name, kind).await?;
        }
        act(&rectorat, id, Event::named("endorse")).await?;
        act(&region, id, Event::named("endorse")).await?;
        act(&porteur, id, Event::named("submit")).await?;
        if depth < 2 {
            continue;
        }
        for body in ["crefop", "conseil_academique"] {
            act(&region, id, Event::named("record_opinion").with("body", body).with("opinion", "favorable")).await?;
        }
        act(&rectorat, id, Event::named("declare_admissible")).await?;
        let due = (now + Duration::days(45)).format("%Y-%m-%d").to_string();
        for r in [&rapporteur1, &rapporteur2] {
            let e = Event::named("assign_reviewer")
                .with("user_id", r.user_id.unwrap_or_default().to_string())
                .with("due", due.clone());
            act(&president, id, e).await?;
        }
        if depth < 3 {
            continue;
        }
        let scores: serde_json::Map<String, serde_json::Value> = app
            .workflow
            .grid
            .criteria
            .iter()
            .map(|c| (c.code.clone(), serde_json::json!(app.workflow.grid.top_threshold(c))))
            .collect();
        for r in [&rapporteur1, &rapporteur2] {
            let e = Event::named("submit_review")
                .with("scores", serde_json::Value::Object(scores.clone()))
                .with("comment", "Réseau solide, ambition nationale, forte ouverture internationale.");
            act(r, id, e).await?;
        }
        if depth < 4 {
            continue;
        }
        let decision =
            Event::named("decide").with("outcome", "labelled").with("category", "excellence").with("years", 5).with(
                "motivation",
                "Campus d'excellence : enjeu national, recherche et innovation, rayonnement international.",
            );
        act(&president, id, decision).await?;
    }
    Ok(true)
}
