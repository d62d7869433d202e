//! National reference lists inputs are validated against. Codes are stable
//! identifiers; labels are the French names users see. Lookups accept a
//! code or a label, ignoring case and accents.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Academie {
    pub code: &'static str,
    pub label: &'static str,
    /// The région the académie belongs to.
    pub region: &'static str,
}

const fn e(code: &'static str, label: &'static str) -> Entry {
    Entry { code, label }
}

pub const FILIERES: &[Entry] = &[
    e("mobilite-aeronautique-transports", "Mobilité, aéronautique, transports terrestres et maritimes"),
    e("tourisme-gastronomie", "Tourisme, gastronomie"),
    e("creation-design-audiovisuel", "Création, design, audiovisuel"),
    e("chimie-biotechnologies", "Chimie et biotechnologies"),
    e("materiaux-innovants", "Matériaux innovants"),
    e("infrastructures-batiment-eco-construction", "Infrastructures, bâtiment, éco-construction"),
    e("transition-energetique-eco-industrie", "Transition énergétique, éco-industrie"),
    e("systemes-innovants-mecatronique", "Systèmes innovants, mécatronique"),
    e("services-personne-bien-etre", "Services à la personne, bien-être"),
    e("services-entreprises-logistique", "Services aux entreprises, logistique"),
    e("alimentaire-agroalimentaire", "Alimentaire, agroalimentaire"),
    e("numerique-telecommunications", "Numérique, télécommunications"),
];

pub const REGIONS: &[Entry] = &[
    e("ARA", "Auvergne-Rhône-Alpes"),
    e("BFC", "Bourgogne-Franche-Comté"),
    e("BRE", "Bretagne"),
    e("CVL", "Centre-Val de Loire"),
    e("COR", "Corse"),
    e("GES", "Grand Est"),
    e("HDF", "Hauts-de-France"),
    e("IDF", "Île-de-France"),
    e("NOR", "Normandie"),
    e("NAQ", "Nouvelle-Aquitaine"),
    e("OCC", "Occitanie"),
    e("PDL", "Pays de la Loire"),
    e("PAC", "Provence-Alpes-Côte d'Azur"),
    e("GUA", "Guadeloupe"),
    e("GUY", "Guyane"),
    e("MTQ", "Martinique"),
    e("MAY", "Mayotte"),
    e("REU", "La Réunion"),
];

const fn a(code: &'static str, label: &'static str, region: &'static str) -> Academie {
    Academie { code, label, region }
}

pub const ACADEMIES: &[Academie] = &[
    a("AIX-MARSEILLE", "Aix-Marseille", "PAC"),
    a("AMIENS", "Amiens", "HDF"),
    a("BESANCON", "Besançon", "BFC"),
    a("BORDEAUX", "Bordeaux", "NAQ"),
    a("CLERMONT-FERRAND", "Clermont-Ferrand", "ARA"),
    a("CORSE", "Corse", "COR"),
    a("CRETEIL", "Créteil", "IDF"),
    a("DIJON", "Dijon", "BFC"),
    a("GRENOBLE", "Grenoble", "ARA"),
    a("GUADELOUPE", "Guadeloupe", "GUA"),
    a("GUYANE", "Guyane", "GUY"),
    a("LA-REUNION", "La Réunion", "REU"),
    a("LILLE", "Lille", "HDF"),
    a("LIMOGES", "Limoges", "NAQ"),
    a("LYON", "Lyon", "ARA"),
    a("MARTINIQUE", "Martinique", "MTQ"),
    a("MAYOTTE", "Mayotte", "MAY"),
    a("MONTPELLIER", "Montpellier", "OCC"),
    a("NANCY-METZ", "Nancy-Metz", "GES"),
    a("NANTES", "Nantes", "PDL"),
    a("NICE", "Nice", "PAC"),
    a("NORMANDIE", "Normandie", "NOR"),
    a("ORLEANS-TOURS", "Orléans-Tours", "CVL"),
    a("PARIS", "Paris", "IDF"),
    a("POITIERS", "Poitiers", "NAQ"),
    a("REIMS", "Reims", "GES"),
    a("RENNES", "Rennes", "BRE"),
    a("STRASBOURG", "Strasbourg", "GES"),
    a("TOULOUSE", "Toulouse", "OCC"),
    a("VERSAILLES", "Versailles", "IDF"),
];

pub const PARTNER_TYPES: &[Entry] = &[
    e("eple", "Établissement public local d'enseignement (EPLE)"),
    e("cfa", "Centre de formation d'apprentis (CFA)"),
    e("greta", "GRETA"),
    e("universite", "Université"),
    e("ecole", "École (enseignement supérieur)"),
    e("laboratoire", "Laboratoire de recherche"),
    e("entreprise", "Entreprise"),
    e("association", "Association"),
    e("opco", "Opérateur de compétences (OPCO)"),
    e("collectivite", "Collectivité territoriale"),
    e("pole-competitivite", "Pôle de compétitivité"),
];

/// Lowercase, without accents or punctuation, for comparing labels.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        let base = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' => 'y',
            'œ' => {
                out.push_str("oe");
                continue;
            }
            'æ' => {
                out.push_str("ae");
                continue;
            }
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        if base == ' ' {
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(base);
        }
    }
    out.trim_end().to_string()
}

fn find<'a, T>(items: &'a [T], input: &str, code: impl Fn(&T) -> &str, label: impl Fn(&T) -> &str) -> Option<&'a T> {
    let folded = fold(input);
    items
        .iter()
        .find(|i| code(i).eq_ignore_ascii_case(input.trim()))
        .or_else(|| items.iter().find(|i| fold(label(i)) == folded || fold(code(i)) == folded))
}

pub fn filiere(input: &str) -> Option<&'static Entry> {
    find(FILIERES, input, |e| e.code, |e| e.label)
}

pub fn region(input: &str) -> Option<&'static Entry> {
    find(REGIONS, input, |e| e.code, |e| e.label)
}

pub fn academie(input: &str) -> Option<&'static Academie> {
    find(ACADEMIES, input, |e| e.code, |e| e.label)
}

pub fn partner_type(input: &str) -> Option<&'static Entry> {
    find(PARTNER_TYPES, input, |e| e.code, |e| e.label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_have_the_national_counts_and_consistent_regions() {
        assert_eq!(FILIERES.len(), 12);
        assert_eq!(REGIONS.len(), 18);
        assert_eq!(ACADEMIES.len(), 30);
        for a in ACADEMIES {
            assert!(region(a.region).is_some(), "{} points at unknown région {}", a.code, a.region);
        }
        for r in REGIONS {
            assert!(ACADEMIES.iter().any(|a| a.region == r.code), "région {} has no académie", r.code);
        }
    }

    #[test]
    fn lookups_accept_codes_and_labels_without_case_or_accents() {
        assert_eq!(region("ile-de-france").map(|r| r.code), Some("IDF"));
        assert_eq!(region("Île-de-France").map(|r| r.code), Some("IDF"));
        assert_eq!(region("idf").map(|r| r.code), Some("IDF"));
        assert_eq!(academie("la reunion").map(|a| a.code), Some("LA-REUNION"));
        assert_eq!(academie("Orléans-Tours").map(|a| a.region), Some("CVL"));
        assert_eq!(filiere("CHIMIE ET BIOTECHNOLOGIES").map(|f| f.code), Some("chimie-biotechnologies"));
        assert_eq!(partner_type("Pôle de compétitivité").map(|p| p.code), Some("pole-competitivite"));
        assert!(region("Atlantis").is_none());
        assert!(academie("").is_none());
    }
}
