//! Hashing many NAR streams at once.
//!
//! Walker threads serialise store paths and send each NAR through a [`Hub`] as a sequence of
//! buffers ([`Msg::Data`] … [`Msg::End`]). The hub keeps the streams apart and compresses up to
//! [`LANES`] of them together (see [`crate::sha256x`] for why that is faster than one at a
//! time).
//!
//! There is no hashing thread: a walker that may not send (its stream already has
//! [`PER_STREAM`] buffers in flight, or all streams together [`MAX_HELD`]) hashes a round
//! itself instead of waiting: it takes the front buffers of up to [`LANES`] streams that no
//! other round is hashing (oldest streams first), hashes them outside the lock, and puts them
//! back. It waits only when every stream with data is already being hashed. So memory stays
//! bounded, one huge path cannot crowd the others out (it is hashed alongside them, a buffer at
//! a time), and no thread sleeps while there is hashing to do. [`Hub::finish`] hashes what is
//! left once the walkers are done. Spent buffers are kept for reuse.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::sha256x::{self, BLOCK, H0, LANES};

/// Size of the buffers walkers fill (a multiple of [`BLOCK`]).
pub const CHUNK: usize = 512 * 1024;

/// Buffers in flight (sent, not yet hashed) at most, all streams together, unless the hub is
/// made with another limit ([`Hub::with_limit`]).
pub const MAX_HELD: usize = 64;

/// Buffers in flight at most for one stream.
pub const PER_STREAM: usize = 12;

/// What walkers send to the hub. `id`s tell the streams apart; each stream is zero or more
/// `Data`, then one `End` (or an `Abort`).
#[derive(Debug)]
pub enum Msg {
    /// The next bytes of stream `id`.
    Data {
        /// The stream.
        id: usize,
        /// Its next bytes.
        buf: Vec<u8>,
    },
    /// The last bytes of stream `id`: its hash is then finished.
    End {
        /// The stream.
        id: usize,
        /// Its last bytes (possibly none).
        buf: Vec<u8>,
    },
    /// Stream `id` will not be finished (its walk failed): forget it.
    Abort {
        /// The stream.
        id: usize,
    },
}

/// A finished stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    /// The stream.
    pub id: usize,
    /// SHA-256 of all its bytes.
    pub hash: [u8; 32],
    /// How many bytes it had.
    pub size: u64,
}

/// Spent buffers, kept for the walkers to fill again (at most `keep`).
#[derive(Debug, Default)]
struct Pool {
    free: Mutex<Vec<Vec<u8>>>,
    keep: usize,
}

impl Pool {
    /// An empty buffer of capacity [`CHUNK`].
    #[must_use]
    fn get(&self) -> Vec<u8> {
        let reused = self.free.lock().ok().and_then(|mut f| f.pop());
        reused.unwrap_or_else(|| Vec::with_capacity(CHUNK))
    }

    /// Give a buffer back (kept while the pool is small).
    fn put(&self, mut buf: Vec<u8>) {
        if buf.capacity() != CHUNK {
            return;
        }
        buf.clear();
        if let Ok(mut f) = self.free.lock() {
            if f.len() < self.keep {
                f.push(buf);
            }
        }
    }
}

/// Why a message could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the hashing of the other streams failed")]
pub struct Stopped;

/// Where walkers send their streams, and where they are hashed (see the module documentation).
#[derive(Debug)]
pub struct Hub {
    /// Buffers in flight at most, all streams together.
    max_held: usize,
    state: Mutex<State>,
    /// Walkers out of credit wait here while others hash.
    walkers: Condvar,
    /// Spent buffers.
    pool: Pool,
}

#[derive(Debug, Default)]
struct State {
    /// The streams, in the order they began.
    streams: Vec<Stream>,
    /// Finished streams.
    done: Vec<Done>,
    /// Buffers sent and not yet hashed, per stream and in all.
    in_flight: HashMap<usize, usize>,
    total: usize,
    /// Walkers waiting.
    waiting: usize,
    /// A hashing round panicked: nothing more can be hashed.
    stopped: bool,
}

/// One stream being hashed.
#[derive(Debug)]
struct Stream {
    id: usize,
    state: [u32; 8],
    /// Bytes compressed into `state` (a multiple of [`BLOCK`]).
    absorbed: u64,
    /// Bytes received after the last whole block of a buffer that did not end on one.
    carry: Vec<u8>,
    /// Buffers not yet hashed, oldest first; the flag marks the stream's last.
    queue: VecDeque<(Vec<u8>, bool)>,
    /// How far into the front buffer hashing has got.
    at: usize,
    /// A round is hashing its front buffer (taken out of `queue`) right now.
    busy: bool,
    /// Aborted while busy: drop it when the round is back.
    aborted: bool,
}

impl Stream {
    fn new(id: usize) -> Stream {
        Stream {
            id,
            state: H0,
            absorbed: 0,
            carry: Vec::with_capacity(BLOCK),
            queue: VecDeque::new(),
            at: 0,
            busy: false,
            aborted: false,
        }
    }

    /// Whole blocks ready for a lane at the front.
    fn blocks(&self) -> usize {
        if self.busy || !self.carry.is_empty() {
            return 0;
        }
        self.queue
            .front()
            .map_or(0, |(b, _)| (b.len() - self.at.min(b.len())) / BLOCK)
    }
}

/// One lane of a round: a stream's front buffer, taken out while it is hashed.
struct Lane {
    id: usize,
    state: [u32; 8],
    buf: Vec<u8>,
    last: bool,
    at: usize,
}

impl State {
    fn stream(&mut self, id: usize) -> &mut Stream {
        let i = match self.streams.iter().position(|s| s.id == id) {
            Some(i) => i,
            None => {
                self.streams.push(Stream::new(id));
                self.streams.len() - 1
            }
        };
        &mut self.streams[i]
    }

    /// A buffer of stream `id` was hashed or dropped: its walker may send another.
    fn release(&mut self, id: usize, pool: &Pool, buf: Vec<u8>) {
        pool.put(buf);
        self.total = self.total.saturating_sub(1);
        if let Some(n) = self.in_flight.get_mut(&id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.in_flight.remove(&id);
            }
        }
    }

    /// Work that needs no lanes: complete carries from the next buffer, finish streams whose
    /// last buffer has less than a block left, drop empty buffers.
    fn settle(&mut self, pool: &Pool) {
        let mut i = 0;
        while i < self.streams.len() {
            let mut spent = Vec::new();
            let mut finished = None;
            let s = &mut self.streams[i];
            while !s.busy {
                let Some((front, last)) = s.queue.front() else {
                    break;
                };
                if !s.carry.is_empty() {
                    let want = (BLOCK - s.carry.len()).min(front.len() - s.at);
                    s.carry.extend_from_slice(&front[s.at..s.at + want]);
                    s.at += want;
                    if s.carry.len() == BLOCK {
                        sha256x::compress1(&mut s.state, &s.carry);
                        s.absorbed += BLOCK as u64;
                        s.carry.clear();
                    }
                }
                let left = front.len() - s.at;
                if s.carry.is_empty() && left >= BLOCK {
                    break; // whole blocks ready for a lane
                }
                // Less than a block left (or none, with the carry still short of one).
                if *last {
                    let mut rest = std::mem::take(&mut s.carry);
                    rest.extend_from_slice(&front[s.at..]);
                    finished = Some(Done {
                        id: s.id,
                        hash: sha256x::finish(s.state, s.absorbed, &rest),
                        size: s.absorbed + rest.len() as u64,
                    });
                    break;
                }
                s.carry.extend_from_slice(&front[s.at..]);
                if let Some((b, _)) = s.queue.pop_front() {
                    spent.push(b);
                }
                s.at = 0;
            }
            let id = s.id;
            for b in spent {
                self.release(id, pool, b);
            }
            if let Some(done) = finished {
                let s = self.streams.remove(i);
                for (b, _) in s.queue {
                    self.release(id, pool, b);
                }
                self.done.push(done);
                continue;
            }
            i += 1;
        }
    }

    /// Take the lanes of a round: the first streams (oldest first) with whole blocks ready,
    /// each with its front buffer, and how many blocks they all have.
    fn take_lanes(&mut self) -> (Vec<Lane>, usize) {
        let mut lanes = Vec::with_capacity(LANES);
        let mut blocks = usize::MAX;
        for s in &mut self.streams {
            let n = s.blocks();
            if n == 0 {
                continue;
            }
            let Some((buf, last)) = s.queue.pop_front() else {
                continue;
            };
            blocks = blocks.min(n);
            s.busy = true;
            lanes.push(Lane {
                id: s.id,
                state: s.state,
                buf,
                last,
                at: s.at,
            });
            if lanes.len() == LANES {
                break;
            }
        }
        let blocks = if lanes.is_empty() { 0 } else { blocks };
        (lanes, blocks)
    }

    /// Put the lanes of a round back, `bytes` further on.
    fn put_back(&mut self, lanes: Vec<Lane>, bytes: usize, pool: &Pool) {
        for lane in lanes {
            let Some(i) = self.streams.iter().position(|s| s.id == lane.id) else {
                pool.put(lane.buf);
                continue;
            };
            let s = &mut self.streams[i];
            s.busy = false;
            s.state = lane.state;
            s.absorbed += bytes as u64;
            let at = lane.at + bytes;
            if s.aborted {
                let s = self.streams.remove(i);
                self.release(lane.id, pool, lane.buf);
                for (b, _) in s.queue {
                    self.release(lane.id, pool, b);
                }
            } else if at == lane.buf.len() && !lane.last {
                s.at = 0;
                self.release(lane.id, pool, lane.buf);
            } else {
                s.at = at;
                s.queue.push_front((lane.buf, lane.last));
            }
        }
    }

    /// Whether a round could do anything now.
    fn hashable(&self) -> bool {
        self.streams.iter().any(|s| !s.busy && !s.queue.is_empty())
    }
}

impl Default for Hub {
    fn default() -> Hub {
        Hub::new()
    }
}

impl Hub {
    /// An empty hub.
    #[must_use]
    pub fn new() -> Hub {
        Hub::with_limit(MAX_HELD)
    }

    /// An empty hub holding at most `max_held` buffers in flight (at least one), for callers
    /// that share a memory budget between several hubs.
    #[must_use]
    pub fn with_limit(max_held: usize) -> Hub {
        let max_held = max_held.max(1);
        Hub {
            max_held,
            state: Mutex::default(),
            walkers: Condvar::new(),
            // Enough spare buffers that walkers rarely wait for fresh (zeroed) pages, few
            // enough that the pool never doubles the memory in flight.
            pool: Pool {
                free: Mutex::default(),
                keep: max_held.div_ceil(2),
            },
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// An empty buffer of capacity [`CHUNK`] to fill and send.
    #[must_use]
    pub fn buffer(&self) -> Vec<u8> {
        self.pool.get()
    }

    /// Give back a buffer that will not be sent.
    pub fn recycle(&self, buf: Vec<u8>) {
        self.pool.put(buf);
    }

    /// Send a message. Out of credit (see the module documentation), hash a round, or wait
    /// while other walkers do.
    ///
    /// # Errors
    /// A hashing round panicked on another thread.
    pub fn send(&self, msg: Msg) -> Result<(), Stopped> {
        let mut st = self.lock();
        let (id, buf, last) = match msg {
            Msg::Data { id, buf } => (id, buf, false),
            Msg::End { id, buf } => (id, buf, true),
            Msg::Abort { id } => {
                if let Some(i) = st.streams.iter().position(|s| s.id == id) {
                    let queue = std::mem::take(&mut st.streams[i].queue);
                    if st.streams[i].busy {
                        st.streams[i].aborted = true; // dropped when its round is back
                    } else {
                        st.streams.remove(i);
                    }
                    for (b, _) in queue {
                        st.release(id, &self.pool, b);
                    }
                    if st.waiting > 0 {
                        self.walkers.notify_all();
                    }
                }
                return Ok(());
            }
        };
        loop {
            if st.stopped {
                self.pool.put(buf);
                return Err(Stopped);
            }
            let mine = st.in_flight.get(&id).copied().unwrap_or(0);
            if mine < PER_STREAM && st.total < self.max_held {
                break;
            }
            if st.hashable() {
                st = self.round(st);
                continue;
            }
            st.waiting += 1;
            st = self
                .walkers
                .wait(st)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            st.waiting -= 1;
        }
        *st.in_flight.entry(id).or_insert(0) += 1;
        st.total += 1;
        st.stream(id).queue.push_back((buf, last));
        Ok(())
    }

    /// Hash one round; `st` is held on entry and on return.
    fn round<'a>(&'a self, mut st: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        st.settle(&self.pool);
        let (mut lanes, blocks) = st.take_lanes();
        if lanes.is_empty() {
            return st;
        }
        drop(st);
        let bytes = blocks * BLOCK;
        {
            struct StopOnPanic<'a>(&'a Hub);
            impl Drop for StopOnPanic<'_> {
                fn drop(&mut self) {
                    if std::thread::panicking() {
                        self.0.lock().stopped = true;
                        self.0.walkers.notify_all();
                    }
                }
            }
            let _guard = StopOnPanic(self);
            let mut states: Vec<[u32; 8]> = lanes.iter().map(|l| l.state).collect();
            let slices: Vec<&[u8]> = lanes
                .iter()
                .map(|l| l.buf.get(l.at..l.at + bytes).unwrap_or_default())
                .collect();
            sha256x::compress(&mut states, &slices);
            for (lane, state) in lanes.iter_mut().zip(states) {
                lane.state = state;
            }
        }
        let mut st = self.lock();
        st.put_back(lanes, bytes, &self.pool);
        if st.waiting > 0 {
            self.walkers.notify_all();
        }
        st
    }

    /// Once every walker is done: hash everything still held and return every finished stream
    /// (in the order they finished). Aborted streams, and streams that never got their `End`,
    /// are left out.
    pub fn finish(&self) -> Vec<Done> {
        let mut st = self.lock();
        while !st.stopped && st.hashable() {
            st = self.round(st);
        }
        std::mem::take(&mut st.done)
    }
}

/// Where a walker sends one stream: its id and the hub.
#[derive(Debug, Clone, Copy)]
pub struct Feed<'a> {
    /// The stream's id (unique among the streams sent to one hub).
    pub id: usize,
    /// The hub.
    pub hub: &'a Hub,
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest as _;

    fn data(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    /// Streams of many lengths, cut into buffers of many sizes (aligned and not), sent
    /// interleaved from several threads: every hash equals `sha2`'s of the whole stream.
    /// One stream for the tests: its id, its bytes, the size it is cut into, and whether its
    /// walker gives up halfway (an `Abort` after half its buffers).
    type Job = (usize, Vec<u8>, usize, bool);

    /// Send `jobs` from `threads` walker threads, each taking the next job from a shared
    /// counter (as the verifier does), and check every finished stream against `sha2`.
    fn run_streams(jobs: &[Job], threads: usize) {
        let hub = Hub::new();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let got = std::thread::scope(|s| {
            let walkers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((id, d, cut, abort)) = jobs.get(i) else {
                            break;
                        };
                        let pieces: Vec<&[u8]> = d.chunks(*cut).collect();
                        let sent = if *abort {
                            pieces.len() / 2
                        } else {
                            pieces.len()
                        };
                        for p in &pieces[..sent] {
                            hub.send(Msg::Data {
                                id: *id,
                                buf: p.to_vec(),
                            })
                            .expect("send");
                        }
                        let last = if *abort {
                            Msg::Abort { id: *id }
                        } else {
                            Msg::End {
                                id: *id,
                                buf: Vec::new(),
                            }
                        };
                        hub.send(last).expect("send");
                    })
                })
                .collect();
            for w in walkers {
                w.join().expect("walker");
            }
            hub.finish()
        });
        let aborted = jobs.iter().filter(|j| j.3).count();
        assert_eq!(got.len(), jobs.len() - aborted);
        for d in got {
            let (_, bytes, _, abort) = jobs.iter().find(|j| j.0 == d.id).expect("a known id");
            assert!(!abort, "aborted stream {} came back", d.id);
            assert_eq!(
                d.hash.as_slice(),
                sha2::Sha256::digest(bytes).as_slice(),
                "stream {}",
                d.id
            );
            assert_eq!(d.size, bytes.len() as u64);
        }
    }

    /// Streams of many lengths, cut into buffers of many sizes (aligned and not), sent
    /// interleaved from several threads, some aborted halfway: every hash equals `sha2`'s.
    #[test]
    fn interleaved_streams_hash_like_sha2() {
        let lens = [
            0usize,
            1,
            55,
            56,
            63,
            64,
            65,
            119,
            120,
            128,
            1000,
            4096,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            3 * CHUNK + 77,
            700_001,
        ];
        let cuts = [CHUNK, 64, 1000, 7, CHUNK - 64];
        let mut jobs = Vec::new();
        for (k, &len) in lens.iter().enumerate() {
            for &cut in &cuts {
                let id = jobs.len();
                jobs.push((id, data(id as u64 + 1, len), cut, k % 3 == 0 && cut == 7));
            }
        }
        run_streams(&jobs, 3);
    }

    /// Many walkers on many streams of many buffers each (far more than the credit allows),
    /// largest first as in the verifier, a tenth aborted halfway: the lanes, the credit waits
    /// and the aborts of streams being hashed all hold.
    #[test]
    fn many_walkers_on_long_streams() {
        let mut jobs: Vec<Job> = (0..120)
            .map(|id| {
                let len = (id * 7919 % 37) * 5000 + id * 131;
                (id, data(id as u64 + 1000, len), 4096, id % 10 == 3)
            })
            .collect();
        jobs.sort_by_key(|j| std::cmp::Reverse(j.1.len()));
        run_streams(&jobs, 8);
    }

    #[test]
    fn end_carries_data_too() {
        let d = data(9, 5000);
        let hub = Hub::new();
        hub.send(Msg::Data {
            id: 3,
            buf: d[..130].to_vec(),
        })
        .expect("send");
        hub.send(Msg::End {
            id: 3,
            buf: d[130..].to_vec(),
        })
        .expect("send");
        let got = hub.finish();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].hash.as_slice(), sha2::Sha256::digest(&d).as_slice());
        assert_eq!(got[0].size, 5000);
    }
}
