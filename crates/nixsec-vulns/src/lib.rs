//! nixsec-vulns: CVE scanning of Nix closures, compatible with vulnix's whitelists and JSON.
//!
//! - [`version`]: Nix's `builtins.compareVersions` and `builtins.parseDrvName`;
//! - [`aterm`]: `.drv` files (pname, version, name, patches, structured attrs);
//! - [`cpe`]: CPE 2.3 formatted strings; [`matching`]: configurations (AND/OR nodes,
//!   `vulnerable` flags, version ranges, update folding, `target_sw`);
//! - [`mapping`]: the pname → CPE vendor:product table (`data/cpe-map.tsv`);
//! - [`nvd`]: NVD JSON 2.0 feeds, API 2.0 pages and JSON 1.1 feeds; [`index`]: the local index;
//! - [`packages`]: the runtime (and build-time) closure from `db.sqlite` and `.drv` files;
//! - [`whitelist`]: vulnix's TOML whitelist; [`scan`]: putting it together;
//! - [`targets`]: store paths, `./result` links, profiles ([`profile`]: `nix profile`
//!   manifests), the current system and the gcroots, resolved to store paths;
//! - [`policy`]: a CVE's finding severity by CVSS, and the severity and score filters;
//! - [`run`]: one scan as `nixsec vulns` runs it; [`findings`]: CVEs as NIX-150 findings;
//! - [`support`]: NixOS release and kernel series ends, Nix and Lix advisories (bundled);
//! - [`sbom`]: SBOM and VEX of a scanned closure (CycloneDX 1.6, SPDX 2.3, OpenVEX 0.2.0).
#![deny(missing_docs)]

pub mod aterm;
pub mod cpe;
pub mod findings;
pub mod index;
pub mod mapping;
pub mod matching;
pub mod nvd;
pub mod packages;
pub mod policy;
pub mod profile;
pub mod run;
pub mod sbom;
pub mod scan;
pub mod support;
pub mod targets;
pub mod version;
pub mod whitelist;
