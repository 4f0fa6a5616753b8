//! The mount table the encryption rules share, read once per audit by
//! [`nixsec_readers::blockdev`] (which also walks device-mapper stacks and reads LUKS headers).

use std::sync::Arc;

use nixsec_readers::blockdev::{read_mounts, Mounts, MountsError};

use crate::cx::HostCx;

/// This audit's mounts (`Ok(None)`: no `/proc/self/mountinfo` or `/proc/mounts` under the
/// root), read once.
#[must_use]
pub fn mounts(cx: &HostCx) -> Arc<Result<Option<Mounts>, MountsError>> {
    cx.fact(|f| &f.mounts, |cx| read_mounts(cx.root()))
}
