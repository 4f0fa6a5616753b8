//! `nix profile` manifests (`manifest.json`, versions 1 to 3): the store paths of a profile's
//! active elements.

use nixsec_core::Root;

/// A manifest that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("`{file}`: {message}")]
pub struct ManifestError {
    /// The manifest (inside the store root).
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// Why a manifest's text is not a `nix profile` manifest.
#[derive(Debug, thiserror::Error)]
pub enum ManifestParseError {
    /// Not JSON.
    #[error("not JSON ({0})")]
    NotJson(serde_json::Error),
    /// JSON without `elements`.
    #[error("no `elements` (not a nix profile manifest)")]
    NoElements,
}

/// The store paths of the active elements of a manifest's text: `elements` is an array in
/// versions 1 and 2 and an object by name in version 3; an element with `"active": false` is
/// left out.
///
/// # Errors
/// Not JSON, or no `elements` (the message says which).
pub fn parse(text: &str) -> Result<Vec<String>, ManifestParseError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(ManifestParseError::NotJson)?;
    let elements: Vec<&serde_json::Value> = match &v["elements"] {
        serde_json::Value::Array(a) => a.iter().collect(),
        serde_json::Value::Object(m) => m.values().collect(),
        _ => return Err(ManifestParseError::NoElements),
    };
    Ok(elements
        .iter()
        .filter(|e| e["active"].as_bool() != Some(false))
        .flat_map(|e| e["storePaths"].as_array().into_iter().flatten())
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect())
}

/// The store paths of the profile `profile` (a store path) from its `manifest.json` in the
/// store under `store`; `None` when it has none (an `nix-env` profile, scanned whole).
///
/// # Errors
/// A manifest that is not JSON or not a manifest.
pub fn manifest_paths(store: &Root, profile: &str) -> Option<Result<Vec<String>, ManifestError>> {
    let file = format!("{}/manifest.json", profile.trim_end_matches('/'));
    let (_, text) = store.read_to_string(&file).ok()?;
    Some(parse(&text).map_err(|message| {
        ManifestError {
            file: store
                .dir()
                .join(file.trim_start_matches('/'))
                .display()
                .to_string(),
            message: message.to_string(),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_one_to_three() {
        let v2 = r#"{"version": 2, "elements": [
            {"active": true, "storePaths": ["/nix/store/a-zlib-1.2.11"]},
            {"active": false, "storePaths": ["/nix/store/b-old"]},
            {"storePaths": ["/nix/store/c-git", "/nix/store/d-git-doc"]}]}"#;
        assert_eq!(
            parse(v2).ok(),
            Some(vec![
                "/nix/store/a-zlib-1.2.11".to_string(),
                "/nix/store/c-git".into(),
                "/nix/store/d-git-doc".into()
            ])
        );
        let v3 = r#"{"version": 3, "elements": {"hello": {"active": true, "storePaths": ["/nix/store/e-hello"]}}}"#;
        assert_eq!(parse(v3).ok(), Some(vec!["/nix/store/e-hello".to_string()]));
        assert_eq!(
            parse(r#"{"version": 1, "elements": []}"#).ok(),
            Some(Vec::<String>::new())
        );
    }

    #[test]
    fn not_a_manifest() {
        assert!(parse("[").is_err_and(|e| e.to_string().starts_with("not JSON")));
        assert_eq!(
            parse(r#"{"packages": []}"#).map_err(|e| e.to_string()),
            Err("no `elements` (not a nix profile manifest)".to_string())
        );
    }

    #[test]
    fn a_profile_without_a_manifest_has_none() {
        let t = tempfile::tempdir().expect("tempdir");
        let p = t.path().join("nix/store/p-profile");
        std::fs::create_dir_all(&p).expect("mkdir");
        let store = Root::new(t.path()).expect("root");
        assert!(manifest_paths(&store, "/nix/store/p-profile").is_none());
        std::fs::write(p.join("manifest.json"), "{}").expect("write");
        let e = manifest_paths(&store, "/nix/store/p-profile")
            .expect("a manifest")
            .expect_err("not a manifest");
        assert!(
            e.to_string().ends_with(
                "nix/store/p-profile/manifest.json`: no `elements` (not a nix profile manifest)"
            ),
            "{e}"
        );
    }
}
