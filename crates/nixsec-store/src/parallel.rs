//! The worker pool shared by the store and cache verifiers.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::verify::Progress;

/// Run `check` over `items` on `jobs` threads (0: all cores) and collect the results in the
/// order of `items`. The threads take items strictly in that order from a shared counter
/// (callers sort largest first, so the big items start first and the small ones fill the end;
/// a work-stealing split of the slice would leave the big ones to whichever thread happened to
/// own the front half, to finish last). `Err(jobs)` when a thread cannot start or panicked.
///
/// Plain scoped threads, not a rayon pool: the audit calls this from its own rayon workers,
/// and a worker blocked here must never run other rayon jobs while it waits.
pub(crate) fn run<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    progress: &dyn Progress,
    check: impl Fn(&T) -> R + Sync,
) -> Result<Vec<R>, usize> {
    let jobs = threads(jobs).min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            mine.push((i, check(item)));
            progress.path_done();
        }
        mine
    };
    let parts: Vec<Option<Vec<(usize, R)>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs)
            .map(|_| std::thread::Builder::new().spawn_scoped(s, work))
            .collect();
        handles
            .into_iter()
            .map(|h| h.ok().and_then(|h| h.join().ok()))
            .collect()
    });
    let mut all: Vec<(usize, R)> = Vec::with_capacity(items.len());
    for part in parts {
        all.extend(part.ok_or(jobs)?);
    }
    if all.len() != items.len() {
        return Err(jobs);
    }
    all.sort_unstable_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, r)| r).collect())
}

/// `jobs`, or all cores for 0.
pub(crate) fn threads(jobs: usize) -> usize {
    if jobs == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    } else {
        jobs
    }
}
