//! The worker pool shared by the store and cache verifiers.

use rayon::prelude::*;

use crate::problem::Problem;
use crate::verify::Progress;

/// Run `check` over `items` on `jobs` threads (0: all cores), one item per task in the given
/// order (callers sort largest first), and collect every problem. `Err(jobs)` when the pool
/// cannot start.
///
/// Called from a worker of another rayon pool (the audit runs its rules in parallel), a
/// blocking `install` would let that worker steal other jobs while it waits, and a rule
/// waiting on this result in a `OnceLock` could then run on the same thread: a deadlock. So
/// the wait happens on a plain scoped thread, which never steals.
pub(crate) fn run<T: Sync>(
    items: &[T],
    jobs: usize,
    progress: &dyn Progress,
    check: impl Fn(&T) -> Vec<Problem> + Sync,
) -> Result<Vec<Problem>, usize> {
    let jobs = if jobs == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    } else {
        jobs
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|_| jobs)?;
    let work = || {
        pool.install(|| {
            items
                .par_iter()
                .with_max_len(1)
                .flat_map_iter(|item| {
                    let p = check(item);
                    progress.path_done();
                    p
                })
                .collect::<Vec<Problem>>()
        })
    };
    if rayon::current_thread_index().is_some() {
        std::thread::scope(|s| s.spawn(work).join()).map_err(|_| jobs)
    } else {
        Ok(work())
    }
}
