//! The scan: packages × advisories → findings, with patches, whitelist and vendor ambiguity.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use crate::cpe::Cpe;
use crate::index::Index;
use crate::mapping::Mapping;
use crate::matching::{affects, Identity, Subject};
use crate::nvd::{Advisory, Cvss, Merged};
use crate::packages::{Package, Selection};
use crate::whitelist::{PackageName, Whitelist};

/// Where advisories come from.
pub enum Data {
    /// Feed files read for this run (`--nvd`).
    Memory {
        /// The advisories.
        advisories: Vec<Advisory>,
        /// product → indices.
        by_product: HashMap<String, Vec<usize>>,
    },
    /// The local index.
    Index(Index),
}

impl Data {
    /// Index merged feeds by product.
    #[must_use]
    pub fn memory(m: Merged) -> Data {
        let mut advisories: Vec<Advisory> = m.by_id.into_values().collect();
        advisories.sort_by(|a, b| a.id.cmp(&b.id));
        let mut by_product: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, a) in advisories.iter().enumerate() {
            for (_, p) in a.products() {
                let v = by_product.entry(p).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        Data::Memory {
            advisories,
            by_product,
        }
    }

    fn by_products(&self, products: &[String]) -> Result<Vec<Advisory>, String> {
        match self {
            Data::Memory {
                advisories,
                by_product,
            } => {
                let mut idx: BTreeSet<usize> = BTreeSet::new();
                for p in products {
                    if let Some(v) = by_product.get(p) {
                        idx.extend(v);
                    }
                }
                Ok(idx.into_iter().map(|i| advisories[i].clone()).collect())
            }
            Data::Index(ix) => ix.by_products(products).map_err(|e| e.to_string()),
        }
    }
}

/// One CVE on one package.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// CVE id.
    pub id: String,
    /// Base score.
    pub cvss: Option<Cvss>,
    /// The CVSS v3 base score (3.1, else 3.0), for vulnix's `cvssv3_basescore`.
    pub cvss3: Option<f64>,
    /// Description.
    pub description: String,
    /// The CPE criteria that matched.
    pub criteria: Vec<String>,
    /// The whitelist rule (index) that masks it.
    pub whitelisted_by: Option<usize>,
}

/// Findings for one package.
#[derive(Debug, Clone)]
pub struct PackageResult {
    /// The package.
    pub package: Package,
    /// Active CVEs (not patched, not whitelisted), by score descending.
    pub affected: Vec<Hit>,
    /// Masked by the whitelist.
    pub whitelisted: Vec<Hit>,
    /// Named by a patch of the package.
    pub patched: Vec<Hit>,
    /// The CPE identities used (`part:vendor:product`).
    pub cpes: Vec<String>,
}

/// The whole result.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Packages with at least one hit of any kind, sorted by pname then version.
    pub packages: Vec<PackageResult>,
    /// Packages examined.
    pub examined: usize,
    /// Packages not matched because their CPE vendor is ambiguous, one line each.
    pub ambiguous: Vec<String>,
    /// Problems reading advisories, one line each.
    pub problems: Vec<String>,
    /// Whitelist rules (indices) that masked something (every rule that applied, not only the
    /// most specific one shown).
    pub used_rules: BTreeSet<usize>,
}

fn sort_hits(v: &mut [Hit]) {
    let num = |id: &str| -> (u64, u64) {
        let mut it = id.split('-').skip(1).map(|x| x.parse().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    };
    v.sort_by(|a, b| {
        let sa = a.cvss.as_ref().map_or(-1.0, |c| c.score);
        let sb = b.cvss.as_ref().map_or(-1.0, |c| c.score);
        sb.total_cmp(&sa).then_with(|| num(&a.id).cmp(&num(&b.id)))
    });
}

/// Decide the vendor of an unmapped package from the data: the single vendor using its
/// product, or among several the one named like the product; `Err(vendors)` when ambiguous.
fn resolve_vendor(ids: &[Identity], advisories: &[Advisory]) -> Result<Vec<Identity>, Vec<String>> {
    let mut out = Vec::new();
    for id in ids {
        let mut vendors = BTreeSet::new();
        for a in advisories {
            for c in &a.configs {
                for n in &c.nodes {
                    for m in n.matches.iter().filter(|m| m.vulnerable) {
                        if let Ok(cpe) = Cpe::parse(&m.criteria) {
                            if id.names(&cpe) {
                                vendors.insert(cpe.vendor.to_string());
                            }
                        }
                    }
                }
            }
        }
        let pick = match vendors.len() {
            0 => continue,
            1 => vendors.into_iter().next(),
            _ if vendors.contains(&id.product) => Some(id.product.clone()),
            _ => return Err(vendors.into_iter().collect()),
        };
        out.push(Identity {
            vendor: pick,
            ..id.clone()
        });
    }
    Ok(out)
}

/// Scan `sel` against `data`.
#[must_use]
pub fn scan(
    sel: &Selection,
    data: &Data,
    mapping: &Mapping,
    whitelist: &Whitelist,
    today: NaiveDate,
) -> ScanResult {
    let mut result = ScanResult {
        examined: sel.packages.len(),
        ..ScanResult::default()
    };
    let mut cache: BTreeMap<Vec<String>, Vec<Advisory>> = BTreeMap::new();
    // Identities and candidate advisories of every package.
    let mut prepared: Vec<(Vec<Identity>, Vec<Advisory>)> = Vec::with_capacity(sel.packages.len());
    for p in &sel.packages {
        let (ids, mapped) = mapping.identities(&p.pname, &p.name);
        let mut products: Vec<String> = ids.iter().map(|i| i.product.clone()).collect();
        products.sort();
        products.dedup();
        if products.is_empty() {
            prepared.push((Vec::new(), Vec::new()));
            continue;
        }
        let cands = if let Some(c) = cache.get(&products) {
            c.clone()
        } else {
            match data.by_products(&products) {
                Ok(c) => {
                    cache.insert(products.clone(), c.clone());
                    c
                }
                Err(e) => {
                    result.problems.push(e);
                    Vec::new()
                }
            }
        };
        let ids = if mapped {
            ids
        } else {
            match resolve_vendor(&ids, &cands) {
                Ok(ids) => ids,
                Err(vendors) => {
                    result.ambiguous.push(format!(
                        "{}: CPE product `{}` belongs to several vendors ({}); not matched: name the right one in a --cpe-map file",
                        p.name,
                        ids[0].product,
                        vendors.join(", ")
                    ));
                    Vec::new()
                }
            }
        };
        prepared.push((ids, cands));
    }
    let env: Vec<Subject<'_>> = sel
        .packages
        .iter()
        .zip(&prepared)
        .map(|(p, (ids, _))| Subject {
            ids,
            version: &p.version,
        })
        .collect();
    for (i, p) in sel.packages.iter().enumerate() {
        let (ids, cands) = &prepared[i];
        if ids.is_empty() {
            continue;
        }
        let subject = &env[i];
        let mut r = PackageResult {
            package: p.clone(),
            affected: Vec::new(),
            whitelisted: Vec::new(),
            patched: Vec::new(),
            cpes: ids
                .iter()
                .map(|i| {
                    format!(
                        "{}:{}:{}",
                        i.part,
                        i.vendor.as_deref().unwrap_or("*"),
                        i.product
                    )
                })
                .collect(),
        };
        let name = PackageName {
            pname: &p.pname,
            version: &p.version,
            name: &p.name,
        };
        for a in cands {
            let criteria = affects(a, subject, &env);
            if criteria.is_empty() {
                continue;
            }
            let mut hit = Hit {
                id: a.id.clone(),
                cvss: a.cvss.clone(),
                cvss3: a.cvss3,
                description: a.description.clone(),
                criteria,
                whitelisted_by: None,
            };
            if p.patched.contains(&a.id) {
                r.patched.push(hit);
            } else {
                let rules = whitelist.masking(&name, &a.id, today);
                result.used_rules.extend(rules.iter().copied());
                if let Some(&rule) = rules.first() {
                    hit.whitelisted_by = Some(rule);
                    r.whitelisted.push(hit);
                } else {
                    r.affected.push(hit);
                }
            }
        }
        if r.affected.is_empty() && r.whitelisted.is_empty() && r.patched.is_empty() {
            continue;
        }
        sort_hits(&mut r.affected);
        sort_hits(&mut r.whitelisted);
        sort_hits(&mut r.patched);
        result.packages.push(r);
    }
    result
}
