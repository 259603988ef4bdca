//! Group linkage of organisations through their parent KvK numbers: an
//! agency and a landlord are linked when they are the same organisation or
//! share any organisation up their parent chains (a holding, or a parent
//! of both). Chains with cycles stop where they repeat.

use super::OrganisationFacts;

/// The longest parent chain followed; real groups are a few levels deep.
pub const MAX_CHAIN: usize = 32;

/// The KvK number `kvk` followed by its parents' up the chain, stopping at
/// an unknown parent, a repeat (a cycle) or [`MAX_CHAIN`] levels.
pub fn chain<'a>(kvk: &'a str, parent_of: impl Fn(&str) -> Option<&'a str>) -> Vec<String> {
    let mut chain = vec![kvk.to_owned()];
    let mut current = kvk;
    while chain.len() < MAX_CHAIN {
        match parent_of(current) {
            Some(parent) if !chain.iter().any(|k| k == parent) => {
                chain.push(parent.to_owned());
                current = parent;
            }
            _ => break,
        }
    }
    chain
}

/// How two organisations are linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// They are one organisation.
    SameOrganisation,
    /// They share this organisation up their parent chains.
    SameGroup(String),
}

/// Whether and how `a` and `b` are linked.
pub fn link(a: &OrganisationFacts, b: &OrganisationFacts) -> Option<Link> {
    if a.id == b.id || a.kvk_number == b.kvk_number {
        return Some(Link::SameOrganisation);
    }
    a.group
        .iter()
        .find(|kvk| b.group.contains(kvk))
        .map(|kvk| Link::SameGroup(kvk.clone()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parents(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
        pairs.iter().copied().collect()
    }

    fn org(id: i64, kvk: &str, parents: &HashMap<&'static str, &'static str>) -> OrganisationFacts {
        OrganisationFacts {
            id,
            kvk_number: kvk.to_owned(),
            name: kvk.to_owned(),
            is_agency: false,
            is_certified: false,
            group: chain(kvk, |k| parents.get(k).copied()),
        }
    }

    #[test]
    fn a_chain_follows_parents_to_the_top() {
        let p = parents(&[("A", "H"), ("H", "T")]);
        assert_eq!(chain("A", |k| p.get(k).copied()), ["A", "H", "T"]);
        assert_eq!(chain("X", |k| p.get(k).copied()), ["X"]);
    }

    #[test]
    fn a_cycle_in_the_chain_stops_it() {
        let p = parents(&[("A", "B"), ("B", "C"), ("C", "A")]);
        assert_eq!(chain("A", |k| p.get(k).copied()), ["A", "B", "C"]);
        let own = parents(&[("A", "A")]);
        assert_eq!(chain("A", |k| own.get(k).copied()), ["A"]);
    }

    #[test]
    fn organisations_link_by_identity_parent_or_shared_parent() {
        let p = parents(&[
            ("AGENCY", "HOLDING"),
            ("LANDLORD", "HOLDING"),
            ("SUB", "AGENCY"),
        ]);
        let agency = org(1, "AGENCY", &p);
        let landlord = org(2, "LANDLORD", &p);
        let sub = org(3, "SUB", &p);
        let stranger = org(4, "OTHER", &p);
        assert_eq!(link(&agency, &agency), Some(Link::SameOrganisation));
        assert_eq!(
            link(&agency, &landlord),
            Some(Link::SameGroup("HOLDING".to_owned()))
        );
        assert_eq!(
            link(&sub, &agency),
            Some(Link::SameGroup("AGENCY".to_owned()))
        );
        assert_eq!(
            link(&sub, &landlord),
            Some(Link::SameGroup("HOLDING".to_owned()))
        );
        assert_eq!(link(&agency, &stranger), None);
    }

    #[test]
    fn organisations_in_a_cyclic_group_still_link() {
        let p = parents(&[("A", "B"), ("B", "A"), ("C", "B")]);
        assert!(link(&org(1, "A", &p), &org(3, "C", &p)).is_some());
    }
}
