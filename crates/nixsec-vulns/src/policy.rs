//! Severity policy: what a CVE's CVSS base score makes of its finding, and the NVD severity
//! and score filters of `nixsec vulns --min-severity` and `--min-cvss`.

use nixsec_core::Severity;

use crate::nvd::Cvss;
use crate::scan::Hit;

/// The severity of the finding for a CVE with this CVSS base score: 9.0 and above critical,
/// 7.0 and above high, else (and without a score) medium. The catalogue entry of NIX-150 says
/// the same; `nixsec vulns` and the audit both use this one function.
#[must_use]
pub fn severity(cvss: Option<&Cvss>) -> Severity {
    match cvss.map(|c| c.score) {
        Some(s) if s >= 9.0 => Severity::Critical,
        Some(s) if s >= 7.0 => Severity::High,
        _ => Severity::Medium,
    }
}

impl Hit {
    /// The severity of this CVE's finding (see [`severity`]).
    #[must_use]
    pub fn severity(&self) -> Severity {
        severity(self.cvss.as_ref())
    }

    /// The score as shown to people: `9.8 CRITICAL (CVSS 3.1)`, or `no CVSS score`.
    #[must_use]
    pub fn score_text(&self) -> String {
        match &self.cvss {
            Some(c) => format!("{:.1} {} (CVSS {})", c.score, c.severity, c.version),
            None => "no CVSS score".into(),
        }
    }
}

/// NVD's severity rating of a CVSS score, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NvdSeverity {
    /// `LOW`, `NONE`, or no rating at all.
    Low,
    /// `MEDIUM`.
    Medium,
    /// `HIGH`.
    High,
    /// `CRITICAL`.
    Critical,
}

impl NvdSeverity {
    /// The rating NVD gives as text (`HIGH`); anything else ranks as [`NvdSeverity::Low`].
    #[must_use]
    pub fn of(rating: &str) -> NvdSeverity {
        match rating {
            "CRITICAL" => NvdSeverity::Critical,
            "HIGH" => NvdSeverity::High,
            "MEDIUM" => NvdSeverity::Medium,
            _ => NvdSeverity::Low,
        }
    }
}

/// Which CVEs a report lists: at least this NVD severity and at least this base score (a CVE
/// without a score has severity low and score 0.0).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Filter {
    /// `--min-severity`.
    pub min_severity: Option<NvdSeverity>,
    /// `--min-cvss`.
    pub min_cvss: Option<f64>,
}

impl Filter {
    /// True when `h` is listed.
    #[must_use]
    pub fn keeps(&self, h: &Hit) -> bool {
        let rating = h.cvss.as_ref().map_or("", |c| c.severity.as_str());
        let score = h.cvss.as_ref().map_or(0.0, |c| c.score);
        self.min_severity
            .is_none_or(|m| NvdSeverity::of(rating) >= m)
            && self.min_cvss.is_none_or(|m| score >= m)
    }

    /// The hits of `v` that are listed.
    #[must_use]
    pub fn shown<'a>(&self, v: &'a [Hit]) -> Vec<&'a Hit> {
        v.iter().filter(|h| self.keeps(h)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(score: Option<(f64, &str)>) -> Hit {
        Hit {
            id: "CVE-2024-1".into(),
            cvss: score.map(|(s, sev)| Cvss {
                version: "3.1".into(),
                score: s,
                severity: sev.into(),
                vector: String::new(),
            }),
            description: String::new(),
            criteria: Vec::new(),
            whitelisted_by: None,
            cvss3: None,
        }
    }

    #[test]
    fn cvss_scores_map_to_finding_severities() {
        assert_eq!(hit(Some((10.0, "CRITICAL"))).severity(), Severity::Critical);
        assert_eq!(hit(Some((9.0, "CRITICAL"))).severity(), Severity::Critical);
        assert_eq!(hit(Some((8.9, "HIGH"))).severity(), Severity::High);
        assert_eq!(hit(Some((7.0, "HIGH"))).severity(), Severity::High);
        assert_eq!(hit(Some((6.9, "MEDIUM"))).severity(), Severity::Medium);
        assert_eq!(hit(Some((2.0, "LOW"))).severity(), Severity::Medium);
        assert_eq!(hit(None).severity(), Severity::Medium);
    }

    #[test]
    fn score_text() {
        assert_eq!(hit(Some((7.5, "HIGH"))).score_text(), "7.5 HIGH (CVSS 3.1)");
        assert_eq!(hit(None).score_text(), "no CVSS score");
    }

    #[test]
    fn filters_by_rating_and_score() {
        let all = Filter::default();
        let high = Filter {
            min_severity: Some(NvdSeverity::High),
            min_cvss: None,
        };
        let seven = Filter {
            min_severity: None,
            min_cvss: Some(7.0),
        };
        let none = hit(None);
        let medium = hit(Some((6.5, "MEDIUM")));
        let critical = hit(Some((9.8, "CRITICAL")));
        assert!(all.keeps(&none) && all.keeps(&medium));
        assert!(!high.keeps(&none) && !high.keeps(&medium) && high.keeps(&critical));
        assert!(!seven.keeps(&medium) && seven.keeps(&critical));
        assert_eq!(NvdSeverity::of("NONE"), NvdSeverity::Low);
        assert_eq!(seven.shown(&[medium, critical]).len(), 1);
    }
}
