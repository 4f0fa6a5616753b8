//! Users and groups of a built system, from whichever of NixOS's three ways it uses:
//! `users-groups.json` (the store file the activation script hands to
//! `update-users-groups.pl`, `config/users-groups.nix`; the default), `etc/sysusers.d` (with
//! `systemd.sysusers.enable`) or userborn's configuration (`services.userborn`, the
//! `*-userborn.json` file `userborn.service` runs with). [`Users::passwd`], [`Users::group`]
//! and [`Users::shadow`] write the account databases activation would make on a fresh host.

use nixsec_core::Root;

/// How a user's password will be set at activation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Password {
    /// A hash (`hashedPassword`, `initialHashedPassword`).
    Hash(String),
    /// `hashedPassword = ""`: no password at all.
    Empty,
    /// A plaintext `password`/`initialPassword`, hashed at activation.
    Plain,
    /// A file read at activation (`hashedPasswordFile`).
    File(String),
    /// None: the account is locked (`!`).
    Locked,
}

/// One declared user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Name.
    pub name: String,
    /// The uid, if declared.
    pub uid: Option<u32>,
    /// Primary group name.
    pub group: String,
    /// Description (GECOS).
    pub description: String,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
    /// A system user (`isSystemUser`).
    pub system: bool,
    /// The password activation sets.
    pub password: Password,
}

/// One declared group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Name.
    pub name: String,
    /// The gid, if declared.
    pub gid: Option<u32>,
    /// Members.
    pub members: Vec<String>,
}

/// The declared users and groups and where they come from.
#[derive(Debug, Clone, Default)]
pub struct Users {
    /// The file read (a store path, or `/etc/sysusers.d/...`).
    pub source: String,
    /// `users.mutableUsers`, when the source says.
    pub mutable: Option<bool>,
    /// Users, in the order declared.
    pub users: Vec<User>,
    /// Groups, in the order declared.
    pub groups: Vec<Group>,
}

/// Why the users could not be read.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    /// A file could not be read.
    #[error(transparent)]
    Read(#[from] nixsec_core::RootError),
    /// Not the JSON NixOS writes.
    #[error("`{path}`: {why}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// None of the three ways is there.
    #[error("`{toplevel}`: no users-groups.json in `activate`, no `etc/sysusers.d` and no userborn configuration: users unknown")]
    None {
        /// The toplevel.
        toplevel: String,
    },
}

/// Read the system's users and groups.
///
/// # Errors
/// An unreadable or malformed source, or none at all.
pub fn read(store: &Root, toplevel: &str, etc: &str) -> Result<Users, UsersError> {
    // users-groups.json, named by the activation script.
    if let Ok((_, activate)) = store.read_to_string(format!("{toplevel}/activate")) {
        if let Some(p) = crate::store_path_ending(&activate, "-users-groups.json") {
            let (_, text) = store.read_to_string(&p)?;
            return from_json(&p, &text, false);
        }
    }
    // userborn: `ExecStart=<userborn> <config.json> <dir>`.
    if let Ok((_, unit)) = store.read_to_string(format!("{etc}/systemd/system/userborn.service")) {
        if let Some(p) = crate::store_path_ending(&unit, "-userborn.json") {
            let (_, text) = store.read_to_string(&p)?;
            return from_json(&p, &text, true);
        }
    }
    let dir = format!("{etc}/sysusers.d");
    if let Ok((_, names)) = store.read_dir(&dir) {
        let mut u = Users {
            source: "/etc/sysusers.d".into(),
            ..Users::default()
        };
        for n in names {
            let name = n.to_string_lossy().into_owned();
            if name.ends_with(".conf") {
                let (_, text) = store.read_to_string(format!("{dir}/{name}"))?;
                sysusers(&mut u, &text);
            }
        }
        return Ok(u);
    }
    Err(UsersError::None {
        toplevel: toplevel.to_string(),
    })
}

fn s(v: &serde_json::Value, k: &str) -> Option<String> {
    v.get(k).and_then(|x| x.as_str()).map(str::to_string)
}

fn id(v: &serde_json::Value, k: &str) -> Option<u32> {
    v.get(k)
        .and_then(serde_json::Value::as_u64)
        .and_then(|x| u32::try_from(x).ok())
}

/// Parse `users-groups.json` (or userborn's configuration, `userborn`: its field names).
///
/// # Errors
/// Not JSON, or no `users`/`groups` lists.
pub fn from_json(path: &str, text: &str, userborn: bool) -> Result<Users, UsersError> {
    let bad = |why: String| UsersError::Invalid {
        path: path.to_string(),
        why,
    };
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    let users = v
        .get("users")
        .and_then(|x| x.as_array())
        .ok_or_else(|| bad("no `users` list".into()))?;
    let groups = v
        .get("groups")
        .and_then(|x| x.as_array())
        .ok_or_else(|| bad("no `groups` list".into()))?;
    let mut out = Users {
        source: path.to_string(),
        mutable: v.get("mutableUsers").and_then(serde_json::Value::as_bool),
        ..Users::default()
    };
    for u in users {
        let Some(name) = s(u, "name") else {
            return Err(bad("a user without `name`".into()));
        };
        let password = if let Some(h) = s(u, "hashedPassword") {
            if h.is_empty() {
                Password::Empty
            } else {
                Password::Hash(h)
            }
        } else if s(u, "password").is_some() || s(u, "initialPassword").is_some() {
            Password::Plain
        } else if let Some(f) = s(u, "hashedPasswordFile").or_else(|| s(u, "passwordFile")) {
            Password::File(f)
        } else if let Some(h) = s(u, "initialHashedPassword") {
            if h.is_empty() {
                Password::Empty
            } else {
                Password::Hash(h)
            }
        } else {
            Password::Locked
        };
        let system = if userborn {
            !u.get("isNormal")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        } else {
            u.get("isSystemUser")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        };
        out.users.push(User {
            uid: id(u, "uid"),
            group: s(u, "group").unwrap_or_else(|| "nogroup".into()),
            description: s(u, "description").unwrap_or_default(),
            home: s(u, "home").unwrap_or_else(|| "/var/empty".into()),
            shell: s(u, "shell").unwrap_or_else(|| "/run/current-system/sw/bin/nologin".into()),
            system,
            password,
            name,
        });
    }
    for g in groups {
        let Some(name) = s(g, "name") else {
            return Err(bad("a group without `name`".into()));
        };
        let members = g
            .get("members")
            .and_then(|x| x.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        out.groups.push(Group {
            gid: id(g, "gid"),
            name,
            members,
        });
    }
    Ok(out)
}

/// Split a sysusers.d line into fields (double quotes group).
fn fields(line: &str) -> Vec<String> {
    crate::split_params(line)
}

/// Add the `u`, `g` and `m` lines of a sysusers.d file (sysusers.d(5)).
pub fn sysusers(out: &mut Users, text: &str) {
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let f = fields(l);
        let get = |i: usize| f.get(i).filter(|x| x.as_str() != "-").cloned();
        match f.first().map(String::as_str) {
            Some("u" | "u!") => {
                let Some(name) = get(1) else { continue };
                let (uid, gid) = match get(2) {
                    Some(x) => match x.split_once(':') {
                        Some((u, g)) => (u.parse().ok(), Some(g.to_string())),
                        None => (x.parse().ok(), None),
                    },
                    None => (None, None),
                };
                let group = gid
                    .filter(|g| g.parse::<u32>().is_err())
                    .unwrap_or_else(|| name.clone());
                out.users.push(User {
                    uid,
                    group,
                    description: get(3).unwrap_or_default(),
                    home: get(4).unwrap_or_else(|| "/".into()),
                    shell: get(5).unwrap_or_else(|| "/run/current-system/sw/bin/nologin".into()),
                    system: uid.is_none_or(|u| u < 1000),
                    password: Password::Locked,
                    name: name.clone(),
                });
                if !out.groups.iter().any(|g| g.name == name) {
                    out.groups.push(Group {
                        name,
                        gid: uid,
                        members: Vec::new(),
                    });
                }
            }
            Some("g") => {
                let Some(name) = get(1) else { continue };
                if let Some(g) = out.groups.iter_mut().find(|g| g.name == name) {
                    g.gid = get(2).and_then(|x| x.parse().ok()).or(g.gid);
                } else {
                    out.groups.push(Group {
                        gid: get(2).and_then(|x| x.parse().ok()),
                        name,
                        members: Vec::new(),
                    });
                }
            }
            Some("m") => {
                let (Some(user), Some(group)) = (get(1), get(2)) else {
                    continue;
                };
                match out.groups.iter_mut().find(|g| g.name == group) {
                    Some(g) => g.members.push(user),
                    None => out.groups.push(Group {
                        name: group,
                        gid: None,
                        members: vec![user],
                    }),
                }
            }
            _ => {}
        }
    }
}

/// Names with their ids, in declaration order.
pub type Ids = Vec<(String, u32)>;

impl Users {
    /// Uids and gids for users and groups that declare none, allocated as
    /// `update-users-groups.pl` does on a fresh host: system ids from 999 down, others from
    /// 1000 up, skipping ids in use.
    #[must_use]
    pub fn allocated(&self) -> (Ids, Ids) {
        let mut gids: Vec<(String, u32)> = Vec::new();
        let used_g: Vec<u32> = self.groups.iter().filter_map(|g| g.gid).collect();
        let mut next_sys_g = 999u32;
        for g in &self.groups {
            let gid = g.gid.unwrap_or_else(|| {
                while used_g.contains(&next_sys_g) || gids.iter().any(|(_, x)| *x == next_sys_g) {
                    next_sys_g = next_sys_g.saturating_sub(1);
                }
                next_sys_g
            });
            gids.push((g.name.clone(), gid));
        }
        let used_u: Vec<u32> = self.users.iter().filter_map(|u| u.uid).collect();
        let mut uids: Vec<(String, u32)> = Vec::new();
        let (mut next_sys, mut next_user) = (999u32, 1000u32);
        for u in &self.users {
            let uid = match u.uid {
                Some(x) => x,
                None if u.system => {
                    while used_u.contains(&next_sys) || uids.iter().any(|(_, x)| *x == next_sys) {
                        next_sys = next_sys.saturating_sub(1);
                    }
                    next_sys
                }
                None => {
                    while used_u.contains(&next_user) || uids.iter().any(|(_, x)| *x == next_user) {
                        next_user += 1;
                    }
                    next_user
                }
            };
            uids.push((u.name.clone(), uid));
        }
        (uids, gids)
    }

    /// `/etc/passwd` as activation writes it.
    #[must_use]
    pub fn passwd(&self) -> String {
        let (uids, gids) = self.allocated();
        let mut out = String::new();
        for (u, (_, uid)) in self.users.iter().zip(&uids) {
            let gid = gids
                .iter()
                .find(|(n, _)| *n == u.group)
                .map_or(65534, |(_, g)| *g);
            out.push_str(&format!(
                "{}:x:{uid}:{gid}:{}:{}:{}\n",
                u.name, u.description, u.home, u.shell
            ));
        }
        out
    }

    /// `/etc/group` as activation writes it.
    #[must_use]
    pub fn group(&self) -> String {
        let (_, gids) = self.allocated();
        let mut out = String::new();
        for (g, (_, gid)) in self.groups.iter().zip(&gids) {
            out.push_str(&format!("{}:x:{gid}:{}\n", g.name, g.members.join(",")));
        }
        out
    }

    /// `/etc/shadow` as activation writes it (a plaintext password is hashed then: it stands
    /// here as `$built$`, a usable hash; a password file is read then: unknown, `$file$`).
    #[must_use]
    pub fn shadow(&self) -> String {
        let mut out = String::new();
        for u in &self.users {
            let field = match &u.password {
                Password::Hash(h) => h.clone(),
                Password::Empty => String::new(),
                Password::Plain => "$built$from-a-plaintext-password".into(),
                Password::File(_) => "$file$set-at-activation".into(),
                Password::Locked => "!".into(),
            };
            out.push_str(&format!("{}:{field}:1::::::\n", u.name));
        }
        out
    }

    /// The uid of a user name, or the gid of a group name, after allocation.
    #[must_use]
    pub fn ids(
        &self,
    ) -> (
        std::collections::HashMap<String, u32>,
        std::collections::HashMap<String, u32>,
    ) {
        let (u, g) = self.allocated();
        (u.into_iter().collect(), g.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_groups_json_to_databases() {
        let json = r#"{"mutableUsers":false,"users":[
          {"name":"root","uid":0,"group":"root","description":"System administrator","home":"/root","shell":"/run/current-system/sw/bin/bash","isSystemUser":false,"hashedPassword":"!"},
          {"name":"alice","uid":null,"group":"users","description":"","home":"/home/alice","shell":"/run/current-system/sw/bin/bash","isSystemUser":false,"hashedPassword":null,"password":"hunter2"},
          {"name":"svc","uid":null,"group":"svc","description":"","home":"/var/empty","shell":"/run/current-system/sw/bin/nologin","isSystemUser":true,"hashedPassword":""}],
          "groups":[{"name":"root","gid":0,"members":[]},{"name":"users","gid":100,"members":[]},{"name":"wheel","gid":1,"members":["alice"]},{"name":"svc","gid":null,"members":[]}]}"#;
        let u = from_json("/nix/store/x-users-groups.json", json, false).expect("parse");
        assert_eq!(u.mutable, Some(false));
        assert_eq!(
            u.passwd(),
            "root:x:0:0:System administrator:/root:/run/current-system/sw/bin/bash\nalice:x:1000:100::/home/alice:/run/current-system/sw/bin/bash\nsvc:x:999:999::/var/empty:/run/current-system/sw/bin/nologin\n"
        );
        assert_eq!(
            u.group(),
            "root:x:0:\nusers:x:100:\nwheel:x:1:alice\nsvc:x:999:\n"
        );
        assert_eq!(
            u.shadow(),
            "root:!:1::::::\nalice:$built$from-a-plaintext-password:1::::::\nsvc::1::::::\n"
        );
        assert!(from_json("/p", "{}", false).is_err());
    }

    #[test]
    fn sysusers_lines() {
        let mut u = Users::default();
        sysusers(
            &mut u,
            "# Type Name ID GECOS Home Shell\nu alice 1000:users \"Alice\" /home/alice /run/current-system/sw/bin/bash\ng docker 131\nm alice docker\n",
        );
        assert_eq!(u.users[0].uid, Some(1000));
        assert_eq!(u.users[0].group, "users");
        assert_eq!(u.users[0].description, "Alice");
        let docker = u
            .groups
            .iter()
            .find(|g| g.name == "docker")
            .expect("docker");
        assert_eq!(
            (docker.gid, docker.members.clone()),
            (Some(131), vec!["alice".to_string()])
        );
    }
}
