//! The netlink wire format nftables speaks (`linux/netlink.h`, `linux/netfilter/nfnetlink.h`,
//! `linux/netfilter/nf_tables.h`): message headers, `nfgenmsg`, attributes, and the raw
//! objects of a ruleset dump (tables, chains, sets with their elements, rules with their
//! expressions) before any interpretation.

use std::collections::BTreeMap;

/// `NFNL_SUBSYS_NFTABLES`: the high byte of an nftables message type.
pub const SUBSYS_NFTABLES: u16 = 10;
/// `NLMSG_ERROR`.
pub const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`.
pub const NLMSG_DONE: u16 = 3;
/// `NLM_F_REQUEST`.
pub const NLM_F_REQUEST: u16 = 0x1;
/// `NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`).
pub const NLM_F_DUMP: u16 = 0x300;

/// `nf_tables_msg_types`.
pub mod msg {
    /// `NFT_MSG_NEWTABLE` (a table in a dump).
    pub const NEWTABLE: u16 = 0;
    /// `NFT_MSG_GETTABLE`.
    pub const GETTABLE: u16 = 1;
    /// `NFT_MSG_NEWCHAIN`.
    pub const NEWCHAIN: u16 = 3;
    /// `NFT_MSG_GETCHAIN`.
    pub const GETCHAIN: u16 = 4;
    /// `NFT_MSG_NEWRULE`.
    pub const NEWRULE: u16 = 6;
    /// `NFT_MSG_GETRULE`.
    pub const GETRULE: u16 = 7;
    /// `NFT_MSG_NEWSET`.
    pub const NEWSET: u16 = 9;
    /// `NFT_MSG_GETSET`.
    pub const GETSET: u16 = 10;
    /// `NFT_MSG_NEWSETELEM`.
    pub const NEWSETELEM: u16 = 12;
    /// `NFT_MSG_GETSETELEM`.
    pub const GETSETELEM: u16 = 13;
    /// `NFT_MSG_NEWGEN`.
    pub const NEWGEN: u16 = 15;
    /// `NFT_MSG_GETGEN`.
    pub const GETGEN: u16 = 16;
}

/// `NFT_SET_*` flags.
pub const SET_ANONYMOUS: u32 = 0x1;
/// `NFT_SET_INTERVAL`.
pub const SET_INTERVAL: u32 = 0x4;
/// `NFT_SET_ELEM_INTERVAL_END`.
pub const ELEM_INTERVAL_END: u32 = 0x1;
/// `NFT_SET_ELEM_CATCHALL`.
pub const ELEM_CATCHALL: u32 = 0x2;
/// `NFT_TABLE_F_DORMANT`.
pub const TABLE_DORMANT: u32 = 0x1;

/// One attribute: its type (flags masked off) and payload.
pub type Attr<'a> = (u16, &'a [u8]);

/// The attributes in `buf`, in order; a truncated attribute ends the list.
#[must_use]
pub fn attrs(mut buf: &[u8]) -> Vec<Attr<'_>> {
    let mut out = Vec::new();
    while buf.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([buf[0], buf[1]]));
        let ty = u16::from_ne_bytes([buf[2], buf[3]]) & 0x3fff;
        if len < 4 || len > buf.len() {
            break;
        }
        out.push((ty, &buf[4..len]));
        let next = (len + 3) & !3;
        buf = buf.get(next..).unwrap_or(&[]);
    }
    out
}

/// The payload of the first attribute of type `ty`.
#[must_use]
pub fn get<'a>(a: &[Attr<'a>], ty: u16) -> Option<&'a [u8]> {
    a.iter().find(|(t, _)| *t == ty).map(|(_, p)| *p)
}

/// A big-endian `u32` attribute (nftables sends numbers in network order).
#[must_use]
pub fn be32(a: &[Attr<'_>], ty: u16) -> Option<u32> {
    let p = get(a, ty)?;
    Some(u32::from_be_bytes(p.get(..4)?.try_into().ok()?))
}

/// A big-endian `u64` attribute.
#[must_use]
pub fn be64(a: &[Attr<'_>], ty: u16) -> Option<u64> {
    let p = get(a, ty)?;
    Some(u64::from_be_bytes(p.get(..8)?.try_into().ok()?))
}

/// A NUL-terminated string attribute.
#[must_use]
pub fn string(a: &[Attr<'_>], ty: u16) -> Option<String> {
    let p = get(a, ty)?;
    let end = p.iter().position(|b| *b == 0).unwrap_or(p.len());
    Some(String::from_utf8_lossy(&p[..end]).into_owned())
}

/// Append an attribute to `buf` (padded to 4 bytes).
pub fn put_attr(buf: &mut Vec<u8>, ty: u16, payload: &[u8]) {
    let len = u16::try_from(4 + payload.len()).unwrap_or(u16::MAX);
    buf.extend_from_slice(&len.to_ne_bytes());
    buf.extend_from_slice(&ty.to_ne_bytes());
    buf.extend_from_slice(payload);
    while !buf.len().is_multiple_of(4) {
        buf.push(0);
    }
}

/// A request: `nlmsghdr`, `nfgenmsg` (family, version 0, resource id 0) and `attrs`.
#[must_use]
pub fn request(msg_type: u16, flags: u16, seq: u32, family: u8, attrs: &[u8]) -> Vec<u8> {
    let len = u32::try_from(16 + 4 + attrs.len()).unwrap_or(u32::MAX);
    let mut b = Vec::with_capacity(20 + attrs.len());
    b.extend_from_slice(&len.to_ne_bytes());
    b.extend_from_slice(&((SUBSYS_NFTABLES << 8) | msg_type).to_ne_bytes());
    b.extend_from_slice(&flags.to_ne_bytes());
    b.extend_from_slice(&seq.to_ne_bytes());
    b.extend_from_slice(&0u32.to_ne_bytes());
    b.extend_from_slice(&[family, 0, 0, 0]);
    b.extend_from_slice(attrs);
    b
}

/// One netlink message of a reply.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// `nlmsg_type`.
    pub ty: u16,
    /// `nlmsg_seq`.
    pub seq: u32,
    /// Everything after the 16-byte header.
    pub body: &'a [u8],
}

/// Split a buffer of replies into messages; `Err` names a truncated header.
///
/// # Errors
/// A message whose length runs past the buffer.
pub fn messages(mut buf: &[u8]) -> Result<Vec<Message<'_>>, String> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        if buf.len() < 16 {
            return Err(format!("{} stray bytes after the last message", buf.len()));
        }
        let len = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        if len < 16 || len > buf.len() {
            return Err(format!(
                "a message of {len} bytes in {} remaining bytes",
                buf.len()
            ));
        }
        out.push(Message {
            ty: u16::from_ne_bytes([buf[4], buf[5]]),
            seq: u32::from_ne_bytes([buf[8], buf[9], buf[10], buf[11]]),
            body: &buf[16..len],
        });
        let next = (len + 3) & !3;
        buf = buf.get(next..).unwrap_or(&[]);
    }
    Ok(out)
}

/// The error code of an `NLMSG_ERROR` body (0 is an acknowledgement).
#[must_use]
pub fn error_code(body: &[u8]) -> Option<i32> {
    Some(i32::from_ne_bytes(body.get(..4)?.try_into().ok()?))
}

/// A verdict (`NFTA_DATA_VERDICT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `NF_ACCEPT`.
    Accept,
    /// `NF_DROP`.
    Drop,
    /// `NFT_JUMP`.
    Jump(String),
    /// `NFT_GOTO`.
    Goto(String),
    /// `NFT_RETURN`.
    Return,
    /// `NFT_CONTINUE`, `NFT_BREAK`, `NF_QUEUE` and anything else: no decision here.
    Other(i32),
}

/// Parse `NFTA_DATA_*` (nested) into a verdict, if it holds one.
#[must_use]
pub fn data_verdict(data: &[u8]) -> Option<Verdict> {
    let d = attrs(data);
    let v = attrs(get(&d, 2)?);
    let code = be32(&v, 1)? as i32;
    let chain = string(&v, 2).unwrap_or_default();
    Some(match code {
        1 => Verdict::Accept,
        0 => Verdict::Drop,
        -3 => Verdict::Jump(chain),
        -4 => Verdict::Goto(chain),
        -5 => Verdict::Return,
        c => Verdict::Other(c),
    })
}

/// The bytes of `NFTA_DATA_VALUE` inside a nested `NFTA_DATA_*`.
#[must_use]
pub fn data_value(data: &[u8]) -> Option<Vec<u8>> {
    get(&attrs(data), 1).map(<[u8]>::to_vec)
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTable {
    /// `NFPROTO_*`.
    pub family: u8,
    /// Name.
    pub name: String,
    /// `NFTA_TABLE_FLAGS`.
    pub flags: u32,
}

/// A chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawChain {
    /// `NFPROTO_*`.
    pub family: u8,
    /// Table.
    pub table: String,
    /// Name.
    pub name: String,
    /// Hook number and priority, for base chains.
    pub hook: Option<(u32, i32)>,
    /// `NF_DROP` (0) or `NF_ACCEPT` (1).
    pub policy: Option<u32>,
    /// `filter`, `nat`, `route`.
    pub kind: Option<String>,
}

/// One set element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawElem {
    /// Key bytes.
    pub key: Vec<u8>,
    /// End of the range (inclusive) for sets that store ranges whole.
    pub key_end: Option<Vec<u8>>,
    /// `NFT_SET_ELEM_*`.
    pub flags: u32,
    /// The verdict of a verdict map's element.
    pub verdict: Option<Verdict>,
}

/// A set or map with its elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSet {
    /// `NFPROTO_*`.
    pub family: u8,
    /// Table.
    pub table: String,
    /// Name (`__set0` for anonymous ones).
    pub name: String,
    /// `NFT_SET_*`.
    pub flags: u32,
    /// Key length in bytes.
    pub key_len: u32,
    /// Elements, in dump order.
    pub elems: Vec<RawElem>,
}

/// One expression of a rule: its name and its attributes, unparsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawExpr {
    /// `payload`, `cmp`, `immediate`, …
    pub name: String,
    /// `NFTA_EXPR_DATA`.
    pub data: Vec<u8>,
}

/// A rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRule {
    /// `NFPROTO_*`.
    pub family: u8,
    /// Table.
    pub table: String,
    /// Chain.
    pub chain: String,
    /// Handle.
    pub handle: u64,
    /// Expressions in order.
    pub exprs: Vec<RawExpr>,
}

/// Everything a dump returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dump {
    /// Tables.
    pub tables: Vec<RawTable>,
    /// Chains.
    pub chains: Vec<RawChain>,
    /// Sets by (family, table, name).
    pub sets: BTreeMap<(u8, String, String), RawSet>,
    /// Rules.
    pub rules: Vec<RawRule>,
}

impl Dump {
    /// Add the objects of one reply buffer (any mix of table, chain, set, element and rule
    /// messages; `NLMSG_DONE` and acknowledgements are skipped).
    ///
    /// # Errors
    /// A truncated message, or an error the kernel sent back (its negative errno).
    pub fn add(&mut self, buf: &[u8]) -> Result<(), DumpError> {
        for m in messages(buf).map_err(DumpError::Malformed)? {
            if m.ty == NLMSG_ERROR {
                match error_code(m.body) {
                    Some(0) => continue,
                    Some(e) => return Err(DumpError::Kernel(-e)),
                    None => return Err(DumpError::Malformed("short error message".into())),
                }
            }
            if m.ty == NLMSG_DONE || m.ty >> 8 != SUBSYS_NFTABLES || m.body.len() < 4 {
                continue;
            }
            let family = m.body[0];
            let a = attrs(&m.body[4..]);
            match m.ty & 0xff {
                msg::NEWTABLE => self.tables.push(RawTable {
                    family,
                    name: string(&a, 1).unwrap_or_default(),
                    flags: be32(&a, 2).unwrap_or(0),
                }),
                msg::NEWCHAIN => {
                    let hook = get(&a, 4).and_then(|h| {
                        let h = attrs(h);
                        Some((be32(&h, 1)?, be32(&h, 2)? as i32))
                    });
                    self.chains.push(RawChain {
                        family,
                        table: string(&a, 1).unwrap_or_default(),
                        name: string(&a, 3).unwrap_or_default(),
                        hook,
                        policy: be32(&a, 5),
                        kind: string(&a, 7),
                    });
                }
                msg::NEWSET => {
                    let table = string(&a, 1).unwrap_or_default();
                    let name = string(&a, 2).unwrap_or_default();
                    let set = self
                        .sets
                        .entry((family, table.clone(), name.clone()))
                        .or_insert_with(|| RawSet {
                            family,
                            table,
                            name,
                            flags: 0,
                            key_len: 0,
                            elems: Vec::new(),
                        });
                    set.flags = be32(&a, 3).unwrap_or(0);
                    set.key_len = be32(&a, 5).unwrap_or(0);
                }
                msg::NEWSETELEM => {
                    let table = string(&a, 1).unwrap_or_default();
                    let name = string(&a, 2).unwrap_or_default();
                    let set = self
                        .sets
                        .entry((family, table.clone(), name.clone()))
                        .or_insert_with(|| RawSet {
                            family,
                            table,
                            name,
                            flags: 0,
                            key_len: 0,
                            elems: Vec::new(),
                        });
                    let Some(list) = get(&a, 3) else { continue };
                    for (_, e) in attrs(list) {
                        let e = attrs(e);
                        set.elems.push(RawElem {
                            key: get(&e, 1).and_then(data_value).unwrap_or_default(),
                            key_end: get(&e, 10).and_then(data_value),
                            flags: be32(&e, 3).unwrap_or(0),
                            verdict: get(&e, 2).and_then(data_verdict),
                        });
                    }
                }
                msg::NEWRULE => {
                    let exprs = get(&a, 4)
                        .map(|list| {
                            attrs(list)
                                .into_iter()
                                .map(|(_, e)| {
                                    let e = attrs(e);
                                    RawExpr {
                                        name: string(&e, 1).unwrap_or_default(),
                                        data: get(&e, 2).map(<[u8]>::to_vec).unwrap_or_default(),
                                    }
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    self.rules.push(RawRule {
                        family,
                        table: string(&a, 1).unwrap_or_default(),
                        chain: string(&a, 2).unwrap_or_default(),
                        handle: be64(&a, 3).unwrap_or(0),
                        exprs,
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A reply that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DumpError {
    /// The kernel answered with this errno.
    Kernel(i32),
    /// The bytes are not netlink messages.
    Malformed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_round_trip() {
        let mut b = Vec::new();
        put_attr(&mut b, 1, b"fw\0");
        put_attr(&mut b, 0x8000 | 4, &[1, 2, 3, 4, 5]);
        let a = attrs(&b);
        assert_eq!(a.len(), 2);
        assert_eq!(string(&a, 1).as_deref(), Some("fw"));
        assert_eq!(
            get(&a, 4),
            Some(&[1u8, 2, 3, 4, 5][..]),
            "nested flag masked"
        );
        // A truncated attribute ends the list instead of reading past the buffer.
        assert_eq!(attrs(&b[..b.len() - 4]).len(), 1);
    }

    #[test]
    fn truncated_messages_are_errors() {
        let r = request(msg::GETTABLE, NLM_F_REQUEST | NLM_F_DUMP, 7, 0, &[]);
        let m = messages(&r).expect("one message");
        assert_eq!((m.len(), m[0].seq, m[0].ty), (1, 7, (10 << 8) | 1));
        assert!(messages(&r[..10]).is_err());
        let mut long = r.clone();
        long[0] = 200;
        assert!(messages(&long).is_err());
    }

    #[test]
    fn kernel_errors_are_reported() {
        let mut e = Vec::new();
        e.extend_from_slice(&36u32.to_ne_bytes());
        e.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        e.extend_from_slice(&[0; 10]);
        e.extend_from_slice(&(-1i32).to_ne_bytes());
        e.extend_from_slice(&[0; 16]);
        assert_eq!(Dump::default().add(&e), Err(DumpError::Kernel(1)));
    }
}
