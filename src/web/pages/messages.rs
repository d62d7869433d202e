//! French wording of refusals for the pages (the API speaks English).

use crate::app::AppError;
use crate::engine::Refusal;
use crate::store::StoreError;

/// French label of an input of the pages' own forms (accounts, calls,
/// the dossier's identity); a workflow event's inputs are labelled in the
/// workflow file.
pub fn field_label(name: &str) -> &'static str {
    match name {
        "title" => "Intitulé",
        "campaign_id" => "Appel à projets",
        "name" => "Nom",
        "type" => "Type",
        "email" => "Adresse électronique",
        "role" => "Rôle",
        "scope" => "Périmètre",
        "affiliations" => "Rattachements",
        "password" => "Mot de passe",
        "opens_at" => "Ouverture",
        "closes_at" => "Clôture",
        "kind" => "Nature de la pièce",
        "file" => "Fichier",
        "version" => "Version",
        "confirm" => "Confirmation",
        "question" => "Question posée",
        "due" => "Échéance",
        "text" => "Votre avis",
        _ => "Champ",
    }
}

fn reason_fr(reason: &str) -> String {
    let after = |prefix: &str| reason.strip_prefix(prefix).map(str::trim);
    if reason == "is required" || reason.starts_with("is required") {
        return "Ce champ est obligatoire.".into();
    }
    if reason == "must be confirmed" {
        return "cochez la case pour confirmer cette action, qui ne pourra pas être annulée.".into();
    }
    if let Some(rest) = after("must be between") {
        return format!("Saisissez une valeur entre {}.", rest.replace(" and ", " et "));
    }
    if let Some(n) = after("must be at most") {
        return format!("Saisissez au plus {n}.");
    }
    if let Some(n) = after("must be at least") {
        return format!("Saisissez au moins {n}.");
    }
    if reason.starts_with("must be one of") {
        return "Choisissez une valeur dans la liste.".into();
    }
    if reason.starts_with("must be a whole number") {
        return "Saisissez un nombre entier.".into();
    }
    if reason.starts_with("must be a date") {
        return "Saisissez une date.".into();
    }
    if reason.starts_with("must be after today") {
        return "La date doit être postérieure à aujourd'hui.".into();
    }
    if reason.contains("not a reviewer") {
        return "Cette personne ne peut pas évaluer ce dossier.".into();
    }
    if reason.contains("`, the value of `") {
        return "Cette valeur n'appartient pas à celle choisie plus haut pour le champ dont elle dépend.".into();
    }
    if reason.starts_with("unknown") {
        return "Valeur inconnue.".into();
    }
    let known: &[(&str, &str)] = &[
        ("must be an e-mail address", "Saisissez une adresse électronique."),
        ("must be a UAI", "Saisissez un code UAI : 7 chiffres et une lettre."),
        ("is not a valid UAI", "Ce code UAI n'est pas valide : vérifiez sa lettre de contrôle."),
        ("must be a SIRET", "Saisissez un numéro SIRET : 14 chiffres."),
        ("is not a valid SIRET", "Ce numéro SIRET n'est pas valide : vérifiez-le."),
        ("is not a field of this form", "Ce champ n'existe pas dans ce formulaire."),
        ("must be the ", "Choisissez le périmètre pour lequel la personne agit."),
        ("must be a plain file name", "Nom de fichier invalide."),
        ("must not contain a path", "Nom de fichier invalide."),
        ("must be after opens_at", "La clôture doit suivre l'ouverture."),
        ("must be an RFC 3339 instant or a date", "Saisissez une date."),
        ("the file is empty", "Le fichier est vide."),
        ("must be in the future", "La date doit être à venir."),
        ("is longer than", "Le texte est trop long."),
        ("is set by the invitation", "Cette valeur est fixée par la demande."),
        ("an answer takes at most", "Le nombre de fichiers joints est atteint."),
        ("the file is larger than", "Le fichier dépasse 20 Mio."),
        ("accepted types", "Types acceptés : PDF, PNG, JPEG, ODT, ODS, DOCX, XLSX."),
        ("the content is not a", "Le contenu du fichier ne correspond pas à son type."),
    ];
    if let Some((_, fr)) = known.iter().find(|(en, _)| reason.starts_with(en)) {
        return fr.to_string();
    }
    if reason.contains("no such user") {
        return "Personne inconnue.".into();
    }
    format!("Valeur refusée ({reason}).")
}

/// (field or "", French message) for an error on a form.
pub fn describe(workflow: &crate::workflow::Definition, e: &AppError) -> (String, String) {
    match e {
        AppError::Refused(Refusal::InvalidInput { field, reason }) => input_error(workflow, field, reason),
        AppError::Refused(Refusal::InvalidInputs { errors }) => input_error(workflow, &errors[0].0, &errors[0].1),
        AppError::Refused(Refusal::GuardFailed { code, message, .. }) => {
            (String::new(), workflow.refusals.get(code).cloned().unwrap_or_else(|| message.clone()))
        }
        AppError::Refused(Refusal::StaleVersion { .. }) | AppError::Store(StoreError::Conflict { .. }) => (
            String::new(),
            "Quelqu'un d'autre a agi sur ce dossier entre-temps : la page montre son état actuel ; vos saisies sont conservées ci-dessous.".into(),
        ),
        AppError::Refused(Refusal::WrongState { .. }) => {
            (String::new(), "Cette action n'est plus possible dans l'état actuel du dossier.".into())
        }
        AppError::Refused(Refusal::NotAllowed { .. }) => (String::new(), "Vous n'êtes pas autorisé(e) à faire cette action.".into()),
        AppError::Store(StoreError::NotFound { .. }) => (String::new(), "Élément introuvable.".into()),
        AppError::Auth(_) => (String::new(), "Votre session a expiré : reconnectez-vous.".into()),
        AppError::Document(_) => (String::new(), "Le document n'a pas pu être produit.".into()),
        AppError::SignOn(r) => (String::new(), sign_on_refusal(r)),
        AppError::Store(StoreError::Invalid(message)) if message.starts_with("email:") => {
            ("email".into(), "Adresse électronique : un compte existe déjà avec cette adresse.".into())
        }
        AppError::Store(_) => (String::new(), "Le service est momentanément indisponible. Réessayez dans un instant.".into()),
    }
}

/// A refused sign-in through the identity provider, in words.
fn sign_on_refusal(r: &crate::app::sign_on::SignOnRefusal) -> String {
    use crate::app::sign_on::SignOnRefusal;
    use crate::sign_on::SignOnError;
    match r {
        SignOnRefusal::Off => "La connexion par un fournisseur d'identité n'est pas ouverte sur ce service.".into(),
        SignOnRefusal::UnknownState => "Cette connexion a expiré, a déjà servi ou a été commencée dans un autre \
            navigateur : recommencez depuis la page de connexion."
            .into(),
        SignOnRefusal::Provider(SignOnError::Provider(_)) => {
            "Le fournisseur d'identité ne répond pas : réessayez dans un moment, ou connectez-vous avec votre mot de passe."
                .into()
        }
        SignOnRefusal::Provider(SignOnError::Refused(detail)) => format!(
            "Le fournisseur d'identité a refusé la connexion : recommencez. (Détail technique : {detail}.)"
        ),
        SignOnRefusal::Provider(SignOnError::Token(detail)) => format!(
            "La réponse du fournisseur d'identité n'est pas valide (signature, émetteur, destinataire, date ou \
             nonce) : la connexion est refusée. Recommencez ; si cela se reproduit, prévenez l'administrateur. \
             (Détail technique : {detail}.)"
        ),
        SignOnRefusal::Provider(SignOnError::Level { .. }) => {
            "Ce service demande une connexion avec double authentification (un second facteur en plus du mot de \
             passe). Reconnectez-vous auprès de votre fournisseur d'identité en utilisant un second facteur."
                .into()
        }
        SignOnRefusal::Provider(SignOnError::NoEmail) => {
            "Le fournisseur d'identité n'a pas transmis votre adresse électronique : la connexion est impossible.".into()
        }
        SignOnRefusal::Deactivated => "Le compte associé à cette identité est désactivé.".into(),
        SignOnRefusal::NoAccount { email } => format!(
            "Aucun compte n'existe pour l'adresse {email}. Les comptes sont ouverts par un administrateur : \
             demandez-lui de vous inviter, puis reconnectez-vous."
        ),
    }
}

/// Every problem of a refusal, in words: each input error at its field, or
/// the one message.
pub fn describe_all(workflow: &crate::workflow::Definition, e: &AppError) -> Vec<(String, String)> {
    match e {
        AppError::Refused(Refusal::InvalidInputs { errors }) => {
            errors.iter().map(|(field, reason)| input_error(workflow, field, reason)).collect()
        }
        other => vec![describe(workflow, other)],
    }
}

/// An input error: the field, and its label with the reason in French.
fn input_error(workflow: &crate::workflow::Definition, field: &str, reason: &str) -> (String, String) {
    let label = match workflow.form_label(field) {
        Some(label) => label,
        None if field.contains('.') => "Note".to_string(),
        None => match workflow.form.scope_fields().find(|(kind, _)| *kind == field) {
            // The scope of a staff account (the user form).
            Some((_, scoped)) => scoped.label.clone(),
            None => workflow.field_label(field).unwrap_or_else(|| field_label(field)).to_string(),
        },
    };
    (field.to_string(), format!("{label} : {}", reason_fr(reason)))
}

/// French wording of a problem of an import file.
pub fn import_problem(reason: &str) -> String {
    let quoted = || reason.split('`').nth(1).unwrap_or_default().to_string();
    let second = || reason.split('`').nth(3).unwrap_or_default().to_string();
    if reason == "is required" {
        "valeur obligatoire".into()
    } else if reason == "missing from the header" {
        "colonne absente de l'en-tête".into()
    } else if reason.starts_with("unknown value") {
        format!("valeur inconnue « {} »", quoted())
    } else if reason.contains("`, the value of `") {
        format!("« {} » n'appartient pas à « {} », choisi dans une autre colonne", quoted(), second())
    } else if let Some((_, known)) = reason.split_once("` is none of ") {
        format!("« {} » : catégorie attendue parmi {known}", quoted())
    } else if reason.contains("is not a date") {
        format!("« {} » n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)", quoted())
    } else if reason == "must be after valid_from" {
        "la fin de validité doit suivre le début".into()
    } else if let Some(line) = reason.strip_prefix("the same label as line ") {
        format!("même label qu'à la ligne {line}")
    } else if let Some(rest) = reason.strip_prefix("a label lasts at most ") {
        // "N years: from D1, until D2 at the latest"
        let years = rest.split(' ').next().unwrap_or_default();
        let last = rest.split("until ").nth(1).and_then(|r| r.split(' ').next()).unwrap_or_default();
        format!("un label dure au plus {years} ans : il finit au plus tard le {last}")
    } else if let Some((_, since)) = reason.split_once("` exists from ") {
        let since = since.split(':').next().unwrap_or_default();
        format!("« {} » n'existe que depuis le {since}", quoted())
    } else {
        format!("ligne illisible ({reason})")
    }
}
