//! `boot.json`: the bootspec document NixOS writes into every toplevel
//! (`system/activation/bootspec.nix`, RFC 0125): the kernel, initrd, init, kernel parameters
//! and label of the system under `org.nixos.bootspec.v1`, and each specialisation's document
//! under `org.nixos.specialisation.v1`. Only version 1 is known; another is an error.

use nixsec_core::Root;

/// Largest `boot.json` read.
const MAX_SIZE: u64 = 4 * 1024 * 1024;

/// The `org.nixos.bootspec.v1` object of a system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootspec {
    /// `boot.json`'s path inside the store.
    pub path: String,
    /// `kernel`.
    pub kernel: String,
    /// `initrd`, when the system has one.
    pub initrd: Option<String>,
    /// `init`.
    pub init: String,
    /// `kernelParams`.
    pub kernel_params: Vec<String>,
    /// `label`.
    pub label: String,
    /// `toplevel`.
    pub toplevel: String,
    /// The names under `org.nixos.specialisation.v1`.
    pub specialisations: Vec<String>,
}

/// Read `<toplevel>/boot.json`: `Ok(None)` when there is none.
///
/// # Errors
/// Unreadable, not JSON, no `org.nixos.bootspec.v1` object (another version), or a field of
/// the wrong type (the message names the file and the field).
pub fn read(store: &Root, toplevel: &str) -> Result<Option<Bootspec>, String> {
    let path = format!("{toplevel}/boot.json");
    let text = match store.read_limited(&path, MAX_SIZE) {
        Ok((_, b)) => b,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    parse(&path, &text).map(Some)
}

/// Parse a `boot.json` document.
///
/// # Errors
/// As [`read`].
pub fn parse(path: &str, bytes: &[u8]) -> Result<Bootspec, String> {
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("`{path}`: not valid JSON: {e}"))?;
    let Some(top) = v.as_object() else {
        return Err(format!("`{path}`: not a JSON object"));
    };
    let Some(v1) = top.get("org.nixos.bootspec.v1").and_then(|x| x.as_object()) else {
        let found: Vec<&str> = top
            .keys()
            .filter(|k| k.starts_with("org.nixos.bootspec"))
            .map(String::as_str)
            .collect();
        return Err(if found.is_empty() {
            format!("`{path}`: no `org.nixos.bootspec.v1` object: not a bootspec document")
        } else {
            format!(
                "`{path}`: bootspec {} is not a known version (nixsec reads `org.nixos.bootspec.v1`)",
                found.join(", ")
            )
        });
    };
    let field = |k: &str| -> Result<String, String> {
        v1.get(k)
            .and_then(|x| x.as_str())
            .map(str::to_string)
            .ok_or_else(|| {
                format!("`{path}`: `org.nixos.bootspec.v1.{k}` is missing or not a string")
            })
    };
    let kernel_params = match v1.get("kernelParams") {
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str().map(str::to_string).ok_or_else(|| {
                    format!("`{path}`: `org.nixos.bootspec.v1.kernelParams` has a non-string item")
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(format!(
                "`{path}`: `org.nixos.bootspec.v1.kernelParams` is missing or not a list"
            ))
        }
    };
    let mut specialisations: Vec<String> = top
        .get("org.nixos.specialisation.v1")
        .and_then(|x| x.as_object())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    specialisations.sort();
    Ok(Bootspec {
        path: path.to_string(),
        kernel: field("kernel")?,
        initrd: v1
            .get("initrd")
            .and_then(|x| x.as_str())
            .map(str::to_string),
        init: field("init")?,
        kernel_params,
        label: field("label")?,
        toplevel: field("toplevel")?,
        specialisations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_one_and_others() {
        let doc = r#"{"org.nixos.bootspec.v1":{"system":"x86_64-linux","init":"/nix/store/a-s/init","initrd":"/nix/store/b-initrd/initrd","kernel":"/nix/store/c-linux/bzImage","kernelParams":["loglevel=4"],"label":"NixOS 24.11 (Linux 6.6.60)","toplevel":"/nix/store/a-s"},"org.nixos.specialisation.v1":{"gaming":{}}}"#;
        let b = parse("/b.json", doc.as_bytes()).expect("v1");
        assert_eq!(b.kernel_params, ["loglevel=4"]);
        assert_eq!(b.specialisations, ["gaming"]);
        let e = parse("/b.json", br#"{"org.nixos.bootspec.v2":{}}"#).expect_err("v2");
        assert_eq!(
            e,
            "`/b.json`: bootspec org.nixos.bootspec.v2 is not a known version (nixsec reads `org.nixos.bootspec.v1`)"
        );
        assert!(parse("/b.json", b"[").is_err());
        let e = parse(
            "/b.json",
            br#"{"org.nixos.bootspec.v1":{"kernelParams":"x"}}"#,
        )
        .expect_err("type");
        assert!(e.contains("kernelParams"), "{e}");
    }
}
