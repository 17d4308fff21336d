//! Adaptive W-TinyLFU: an LRU admission window in front of a segmented-LRU
//! main space, guarded by a frequency sketch, with a window size that adapts to
//! the workload.
//!
//! W-TinyLFU is from Einziger, Friedman and Manes, "TinyLFU: A Highly Efficient
//! Cache Admission Policy" (ACM ToS 2017). New entries enter the window; when the
//! cache is full the window's least recent entry (the candidate) competes with
//! the main space's next victim and the candidate stays only if its key has
//! been seen more often recently (counts come from a frequency sketch,
//! [`Sketch`], see below): by more than one count while the window is near its
//! floor, where loops and scans put it, by any count once recency has grown
//! it ([`Tuning::margin_while`]). Ties keep the victim, so a scan cannot flush
//! the main space; a candidate seen at least
//! [`ADMIT_JITTER_FROM`] times still wins a tie now and then at random, so an
//! attacker who knows the hash cannot pin a hot victim by flooding its counters.
//!
//! Resident entries keep their own count (one byte per slot): the sketch's
//! estimate when the key arrived plus its hits since, halved whenever the sketch
//! ages, and written back into the sketch ([`Sketch::raise`]) when the entry
//! leaves. Admission compares these counts, exact where the sketch would blur,
//! and a hit costs a byte increment instead of a sketch update.
//!
//! The main space is segmented: entries hit while on probation move to the
//! protected segment (about 80% of the main space), whose overflow is demoted
//! back to probation, so one hit does not buy long residence. Its victim is
//! the least counted of probation's oldest few entries ([`Tuning::victim_pool`],
//! the oldest on ties), not simply the oldest: among entries that all went
//! unused for about as long, the one seen least often is the least likely to
//! return, and a candidate facing it is refused only by a victim that earned
//! its place. Over the reference traces this raised the average hit ratio by
//! 0.003 (0.5738 to 0.5767) and lifted lirs-multi2@500 from 0.490 to 0.506.
//! Only a contest picks so: while the window is below its target (the ghosts
//! found recency paying) the main space gives up its least recent entry, which
//! helped recency-heavy rows (lirs-sprite +0.002 to +0.004) more than it cost
//! frequency-heavy ones (lirs-cpp@100 −0.002); average 0.5770.
//!
//! The window size adapts online, per miss, from two small ghost lists
//! ([`Ghost`]) of recently evicted key hashes, the way ARC balances its two
//! lists (Megiddo and Modha, FAST 2003): one remembers candidates the window
//! pushed out and the admission refused, the other victims the main space
//! evicted. A miss on a key in the first would have been a hit with a larger
//! window, so the window grows by the key's cost; a miss in the second shrinks
//! it (a second hit in a row in the same ghost moves twice as far, which
//! follows a drifting workload faster: lirs-sprite at capacity 1000 went from
//! 0.893 to 0.897, LRU being 0.906). The ghosts are short (5% of the capacity)
//! on purpose: they then measure the *marginal* value of a little more window
//! or main space. ARC-length ghosts (the whole capacity) count a loop's
//! returning keys as window wins and grow the window towards LRU, which loses
//! on loops (lirs-loop at 512 fell from 0.50 to 0.06 in the replay harness).
//! Recency-heavy workloads grow the window towards plain LRU, frequency-heavy
//! ones shrink it towards pure TinyLFU. The ghosts cost only on misses; hits do
//! no extra work.
//!
//! The ghosts only see the margin, so a workload where only a much larger
//! window pays (a working set that changes, each bigger than the ghosts'
//! reach and smaller than the cache) leaves them silent while plain LRU does
//! better. A guard ([`LruGuard`]) watches for that directly: a miniature LRU
//! over a fixed sample of the keys (SHARDS-style spatial sampling, about 64
//! entries) is scored request by request against the cache, and when LRU has
//! hit clearly more often over a period (a sign test, 3 standard deviations)
//! the window grows by 5% of the capacity. It lifted orm-busy@1000 from
//! 0.7864 to 0.7903–0.7910 over seven seeds (LRU 0.7878), the row a
//! fixed-window W-TinyLFU loses by 22 points; of the other reference rows
//! only lirs-multi3@100 fell (−0.0009). Of the rows without reference values
//! it lifted orm-night@1000 (+0.003) and left none lower.
//!
//! Hits do not tell the guard one by one: a hit marks its slot (one store
//! beside the count it updates anyway), and the guard hears which sampled
//! slots were hit only when its miniature's order is about to matter (before
//! a sampled miss, when a sampled slot leaves) and at the end of each period.
//! Telling it of each sampled hit from the replay loop cost about 1.5 ns per
//! hit at 1,000 entries (`replaybench`, 6.9 against 5.2–5.5 ns without a
//! guard); the mark costs about 0.5 ns (5.7). The reference table stayed
//! within 0.001 (orm-busy@1000 0.7900 → 0.7910), and lirs-sprite@300 went
//! from 0.6046 to 0.6155, above the unguarded 0.6149.
//!
//! Hill climbing on the sampled hit ratio (Caffeine's adaptive window:
//! Einziger, Eytan, Friedman, Manes, "Adaptive Software Cache Management",
//! Middleware 2018) is kept as an option ([`Tuning::step`], off by default):
//! sampling every 20 × capacity requests, it moved too slowly on short traces
//! (sprite at capacity 1000 stayed 4 points below LRU) and, on top of the
//! ghosts, only added noise.
//!
//! Sizes are in *cost*: an entry's weight when the cache has a `maxSize`,
//! otherwise 1. An entry heavier than the whole window still enters it and is
//! judged as a candidate like any other (it may be refused at once); once
//! admitted, or grown in place, it is not itself taken by the evictions that
//! make room for it. With a `max` as well, the window and protected segment
//! also have targets in entries, the same shares of `max`, so whichever limit
//! fills the cache, the window stays small and admission decides.
//!
//! Iteration order ([`Policy::for_each`]): the window, then the protected
//! segment, then probation, each most recent first; `reverse` is the exact
//! reverse, so it starts where the main space picks its victims. Unlike LRU, that is
//! only a likely eviction order: which of the window's candidate and the main
//! space's victim goes is decided by their frequencies at eviction time.

use super::ghost::Ghost;
use super::guard::{LruGuard, SAMPLED_ENTRIES};
use super::list::{Links, LinksMut, List, NIL};
use super::policy::Policy;
use super::rng::Rng;
use super::sketch::Sketch;
use super::store::Limits;

/// Candidates seen this often may win a frequency tie (rarely, at random).
pub const ADMIT_JITTER_FROM: u32 = 6;

/// Slots past which replay prefetches: below it, the tables stay cached anyway.
const PREFETCH_FROM: usize = 1 << 14;

/// What a ghost remembers of a key: 32 bits of its sketch position.
fn ghost_print(key: u64) -> u32 {
    (key >> 32) as u32
}

const NONE: u8 = 0;
const WINDOW: u8 = 1;
const PROBATION: u8 = 2;
const PROTECTED: u8 = 3;

/// Tuning knobs, public so the replay harness can explore them.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Initial window share of the capacity.
    pub window: f64,
    /// Protected share of the main space.
    pub protected: f64,
    /// Sketch counters per expected entry.
    pub counters_per_entry: u32,
    /// Sketch ages after this many requests per expected entry. 16 rather
    /// than 8: the longer memory gained on small caches of every kind
    /// (average 0.5770 to 0.5778 over the reference rows, 0.6537 to 0.6547 over
    /// untabled ones; the only loss over 0.001 was lirs-sprite@200, −0.002).
    /// 20 began to lose more.
    pub sample_factor: u32,
    pub doorkeeper: bool,
    /// Requests per climbing sample, per expected entry (and at least `min_period`).
    pub period_factor: f64,
    pub min_period: u32,
    /// First hill-climbing step as a share of the capacity; 0 (the default)
    /// leaves the window to the ghosts alone.
    pub step: f64,
    /// Each step is this times the previous one.
    pub decay: f64,
    /// A hit-ratio change this large restarts the steps.
    pub restart: f64,
    /// While the window is small (see [`Tuning::margin_while`]), a candidate
    /// must be seen more than this many times more often than the victim.
    /// 1 rather than 0: right after an aging, a just-seen candidate is one
    /// count ahead of victims not yet seen since, which on loops churned the
    /// main space for nothing.
    pub admit_margin: u32,
    /// The margin applies while the window's target is at most this share of
    /// the capacity (or its floor of one unit); above it, a lead of one count
    /// admits. The ghosts hold the window at its floor on loops and scans,
    /// where the margin pays, and grow it where recency pays, where a
    /// candidate's one-count lead is worth acting on. 0.03 measured best on
    /// the reference rows (average 0.5780 to 0.5789; lirs-cpp@100 went from
    /// 0.7617 to 0.7672, lirs-2_pools@1000 from 0.5438 to 0.5442, LRU's) and
    /// gained on 22 untabled ones (+0.0009 on average, none lower by more
    /// than 0.0011). 0.025 to 0.035 did about as well; 0.02 let lirs-cs@200
    /// fall by 0.026, and 0.04 or more missed both rows again. Below about
    /// 100 entries the window wanders a few units above its floor on noise
    /// alone: lirs-cs, a loop, fell from 0.026 and 0.033 to 0.018 at 40 and
    /// 60 entries (LRU 0.018), while 36 such small rows gained 0.0002 on
    /// average. 1 keeps the margin at every window size.
    pub margin_while: f64,
    /// Evicted hashes each ghost remembers, per expected entry; 0 disables
    /// the ghost-driven adaptation.
    pub ghost: f64,
    /// How far one ghost hit moves the window, in multiples of the returning
    /// entry's cost.
    pub ghost_step: f64,
    /// Consecutive hits in the same ghost grow the step up to this many
    /// times, so a long drift (a workload changing phase) is followed fast
    /// while alternating hits (noise) keep single steps.
    pub ghost_accel: f64,
    /// The main space's victim is the least counted of this many of
    /// probation's oldest entries (1: always the oldest). 12 measured best:
    /// 4 gained little, 8 to 64 about the same.
    pub victim_pool: u32,
    /// Entries of the sampled LRU that checks whether plain LRU would do
    /// better ([`LruGuard`]); 0 disables it.
    pub guard: u32,
    /// How far the window grows, as a share of the capacity, each time the
    /// guard finds LRU clearly ahead. 0.1 measured about the same (average
    /// 0.5778 against 0.5780); a jump to the whole capacity cost 0.0016 of
    /// the average (0.5764, and a fourth row missing): traces with a
    /// recency-heavy phase then pay for a window too large in the next one.
    pub guard_step: f64,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            window: 0.01,
            protected: 0.8,
            counters_per_entry: 32,
            sample_factor: 16,
            doorkeeper: false,
            period_factor: 20.0,
            min_period: 0,
            step: 0.0,
            decay: 0.98,
            restart: 0.05,
            admit_margin: 1,
            margin_while: 0.03,
            ghost: 0.05,
            ghost_step: 1.0,
            ghost_accel: 2.0,
            victim_pool: 12,
            guard: SAMPLED_ENTRIES,
            guard_step: 0.05,
        }
    }
}

/// Hill climbing over the window size.
#[derive(Debug, Clone)]
struct Climber {
    period: u32,
    hits: u32,
    requests: u32,
    prev_ratio: f64,
    /// Signed step in cost units; positive grows the window.
    step: f64,
    first_step: f64,
    decay: f64,
    restart: f64,
}

impl Climber {
    /// Counts one request; at the end of a sample returns how far to move the window.
    #[inline]
    fn record(&mut self, hit: bool) -> Option<f64> {
        self.hits += hit as u32;
        self.requests += 1;
        if self.requests < self.period {
            return None;
        }
        Some(self.step_after_sample())
    }

    #[cold]
    fn step_after_sample(&mut self) -> f64 {
        let ratio = self.hits as f64 / self.requests as f64;
        let change = ratio - self.prev_ratio;
        let amount = if change >= 0.0 { self.step } else { -self.step };
        self.step = if change.abs() >= self.restart {
            self.first_step.copysign(amount)
        } else {
            amount * self.decay
        };
        self.prev_ratio = ratio;
        self.hits = 0;
        self.requests = 0;
        amount
    }
}

/// What a hit needs of a slot besides its links, kept beside them.
#[derive(Debug, Clone, Copy)]
struct Meta {
    /// WINDOW, PROBATION, PROTECTED, or NONE when not resident.
    segment: u8,
    /// The resident key's recent count: the sketch's estimate when it arrived,
    /// plus its hits since, aged with the sketch. Exact where the sketch would
    /// blur, and a hit costs one byte instead of a sketch update; it flows back
    /// into the sketch when the entry leaves.
    freq: u8,
    /// Whether the guard samples its key, and whether the slot was hit since
    /// the guard was last told (both fit in the links' padding).
    sampled: bool,
    touched: bool,
}

impl Default for Meta {
    fn default() -> Self {
        Meta {
            segment: NONE,
            freq: 0,
            sampled: false,
            touched: false,
        }
    }
}

#[derive(Debug)]
pub struct TinyLfu {
    /// Per slot, its links and its [`Meta`].
    links: Links<Meta>,
    window: List,
    /// The main space as one list, protected entries ahead of probation's.
    /// `split` is the last protected slot ([`NIL`] while protected is empty),
    /// so the protected tail steps down to probation's head by moving the
    /// split alone, without relinking.
    main: List,
    split: u32,
    /// Per slot, its key's sketch position ([`Sketch::key`]), computed once.
    key: Vec<u64>,
    cost: Vec<u64>,
    weighted: bool,
    /// Total cost the store allows; 0 when unbounded.
    capacity: u64,
    window_cost: u64,
    probation_cost: u64,
    protected_cost: u64,
    /// Window target as a real number, so small steps accumulate.
    window_target: f64,
    window_max: u64,
    protected_max: u64,
    protected_share: f64,
    /// Under a weight limit and an entry limit both, whichever binds fills the
    /// cache, so the window and protected have a target in entries too, the
    /// same share of `max_entries` as their cost targets are of the capacity.
    /// `u64::MAX` (no bound) for a single limit, where costs say it all.
    max_entries: u64,
    window_max_n: u64,
    protected_max_n: u64,
    protected_len: u64,
    sketch: Sketch,
    /// Hill climbing, when enabled ([`Tuning::step`] > 0 and a bounded cache).
    climber: Option<Climber>,
    rng: Rng,
    /// See [`Tuning::admit_margin`], and [`Tuning::margin_while`] in cost
    /// units.
    margin: u32,
    margin_while: f64,
    /// Prints ([`ghost_print`]) of candidates the window evicted, and of victims
    /// the main space evicted: a miss found in one says that space was too small.
    window_ghost: Ghost,
    main_ghost: Ghost,
    ghost_step: f64,
    ghost_accel: f64,
    /// See [`Tuning::victim_pool`].
    victim_pool: u32,
    /// Consecutive ghost hits in the same direction, signed (+ grows the window).
    streak: f64,
    /// The slot `victim` last named and the segment it leaves, remembered in
    /// a ghost once it is really removed (a caller may only peek).
    pending: (u32, u8),
    /// The entry the evictions under way make room for ([`NIL`] when none):
    /// the candidate the last contest admitted, or an entry just reweighed.
    /// It won its place, so the evictions that go on take the entries before
    /// it. Forgotten at the next insert or logged run of hits.
    keep: u32,
    /// Compares the cache with a sampled LRU; a clear LRU lead grows the window.
    guard: Option<LruGuard>,
    /// See [`Tuning::guard_step`], in cost units.
    guard_step: f64,
    /// The guard found LRU ahead: the window grows at the next insert (so a
    /// run of hits and the same hits one by one end in the same state).
    guard_due: bool,
    /// Resident slots whose keys the guard samples, and per slot its place
    /// there: the slots to look at when telling the guard of hits.
    sampled_slots: Vec<u32>,
    sampled_at: Vec<u32>,
    /// Requests until the guard's period ends (`u32::MAX` without a guard),
    /// and what that count was when the guard was last told of the hits.
    sync_left: u32,
    sync_from: u32,
}

impl TinyLfu {
    pub fn new(limits: Limits, seed: u64) -> Self {
        Self::with_tuning(limits, seed, Tuning::default())
    }

    pub fn with_tuning(limits: Limits, seed: u64, t: Tuning) -> Self {
        let weighted = limits.max_weight != 0;
        let capacity = if weighted {
            limits.max_weight
        } else {
            limits.max_entries as u64
        };
        // The sketch and the sample period scale with the number of entries;
        // under a weight limit alone that number is unknown, so assume a modest one.
        let entries = match limits.max_entries {
            0 => capacity.clamp(16, 1 << 16) as u32,
            n => n,
        };
        let period = ((entries as f64 * t.period_factor) as u32)
            .max(t.min_period)
            .max(1);
        let first_step = t.step * capacity as f64;
        // Rounded up, so a small cache still adapts.
        let ghost_len = (entries as f64 * t.ghost).ceil() as u32;
        let guard = LruGuard::new(capacity, entries, t.guard);
        let sync_left = guard.as_ref().map_or(u32::MAX, |g| g.left());
        let mut p = TinyLfu {
            links: Links::default(),
            window: List::default(),
            main: List::default(),
            split: NIL,
            key: Vec::new(),
            cost: Vec::new(),
            weighted,
            capacity,
            window_cost: 0,
            probation_cost: 0,
            protected_cost: 0,
            window_target: t.window * capacity as f64,
            window_max: 0,
            protected_max: 0,
            protected_share: t.protected,
            max_entries: if weighted && limits.max_entries != 0 {
                limits.max_entries as u64
            } else {
                u64::MAX
            },
            window_max_n: u64::MAX,
            protected_max_n: u64::MAX,
            protected_len: 0,
            sketch: Sketch::new(entries, t.counters_per_entry, t.sample_factor, t.doorkeeper),
            climber: (first_step > 0.0).then_some(Climber {
                period,
                hits: 0,
                requests: 0,
                prev_ratio: 0.0,
                step: first_step,
                first_step,
                decay: t.decay,
                restart: t.restart,
            }),
            rng: Rng(seed | 1),
            margin: t.admit_margin,
            // At least the window's floor, so small caches keep the margin there.
            margin_while: (t.margin_while * capacity as f64).max(1.0),
            window_ghost: Ghost::new(ghost_len),
            main_ghost: Ghost::new(ghost_len),
            ghost_step: t.ghost_step,
            ghost_accel: t.ghost_accel.max(1.0),
            victim_pool: t.victim_pool.max(1),
            streak: 0.0,
            pending: (u32::MAX, NONE),
            keep: NIL,
            guard,
            guard_step: t.guard_step * capacity as f64,
            guard_due: false,
            sampled_slots: Vec::new(),
            sampled_at: Vec::new(),
            sync_left,
            sync_from: sync_left,
        };
        p.set_targets();
        p
    }

    /// The window's current target size, in cost units.
    pub fn window_max(&self) -> u64 {
        self.window_max
    }

    fn set_targets(&mut self) {
        let cap = self.capacity as f64;
        // At least one unit of window, so a new entry is never its own rival.
        let floor = 1f64.min(cap);
        self.window_target = self.window_target.clamp(floor, cap);
        self.window_max = self.window_target.round() as u64;
        let main = self.capacity - self.window_max;
        self.protected_max = (main as f64 * self.protected_share) as u64;
        if self.max_entries != u64::MAX {
            let n = self.max_entries;
            let share = self.window_target / cap;
            self.window_max_n = ((share * n as f64).round() as u64).clamp(1, n);
            self.protected_max_n = ((n - self.window_max_n) as f64 * self.protected_share) as u64;
        }
    }

    /// Whether the window holds more than its target, in cost or in entries.
    fn window_over(&self) -> bool {
        self.window_cost > self.window_max || u64::from(self.window.len()) > self.window_max_n
    }

    /// Whether protected holds more than its target, in cost or in entries.
    fn protected_over(&self) -> bool {
        self.protected_cost > self.protected_max || self.protected_len > self.protected_max_n
    }

    /// Whether the cache is within both of the store's limits.
    fn has_room(&self) -> bool {
        (self.capacity == 0 || self.total_cost() <= self.capacity)
            && u64::from(self.window.len() + self.main.len()) <= self.max_entries
    }

    /// How far a ghost hit on an entry of `cost` moves the window: its cost or,
    /// when entries are bounded too, the cost of one entry's share of the
    /// capacity if that is more (the bound that fills the cache is the one
    /// whose share the entry takes).
    fn step_cost(&self, cost: u64) -> f64 {
        if self.max_entries == u64::MAX {
            cost as f64
        } else {
            (cost as f64).max(self.capacity as f64 / self.max_entries as f64)
        }
    }

    fn seg_cost(&mut self, seg: u8) -> &mut u64 {
        match seg {
            WINDOW => &mut self.window_cost,
            PROBATION => &mut self.probation_cost,
            _ => &mut self.protected_cost,
        }
    }

    /// An entry's cost; count-bounded caches skip the array (every cost is 1).
    fn cost_of(&self, slot: u32) -> u64 {
        if self.weighted {
            self.cost[slot as usize]
        } else {
            1
        }
    }

    fn unlink(&mut self, slot: u32) {
        let seg = self.links[slot].segment;
        if seg == WINDOW {
            self.window.unlink(&mut self.links, slot);
        } else {
            self.unlink_main(slot);
        }
        let cost = self.cost_of(slot);
        *self.seg_cost(seg) -= cost;
        self.protected_len -= u64::from(seg == PROTECTED);
        self.links[slot].segment = NONE;
    }

    /// Takes `slot` off the main list, keeping the split on a protected slot.
    #[inline(always)]
    fn unlink_main(&mut self, slot: u32) {
        self.leave_split(slot);
        self.main.unlink(&mut self.links, slot);
    }

    /// Before `slot` leaves its place on the main list: if it is the split,
    /// the split steps to the protected slot before it (or none).
    #[inline(always)]
    fn leave_split(&mut self, slot: u32) {
        if slot == self.split {
            self.split = self.links.prev(slot);
        }
    }

    /// Puts `slot` at the head of `seg`.
    fn push(&mut self, slot: u32, seg: u8) {
        match seg {
            WINDOW => self.window.push_front(&mut self.links, slot),
            PROTECTED => {
                self.main.push_front(&mut self.links, slot);
                if self.split == NIL {
                    self.split = slot;
                }
            }
            _ if self.split == NIL => self.main.push_front(&mut self.links, slot),
            _ => self.main.insert_after(&mut self.links, self.split, slot),
        }
        let cost = self.cost_of(slot);
        *self.seg_cost(seg) += cost;
        self.protected_len += u64::from(seg == PROTECTED);
        self.links[slot].segment = seg;
    }

    fn move_to(&mut self, slot: u32, seg: u8) {
        self.unlink(slot);
        self.push(slot, seg);
    }

    fn total_cost(&self) -> u64 {
        self.window_cost + self.probation_cost + self.protected_cost
    }

    /// Demotes the protected segment's overflow to probation.
    fn fit_protected(&mut self) {
        while self.protected_over() && self.split != NIL {
            let t = self.split;
            self.split = self.links.prev(t);
            let cost = self.cost_of(t);
            self.protected_cost -= cost;
            self.probation_cost += cost;
            self.protected_len -= 1;
            self.links[t].segment = PROBATION;
        }
    }

    /// Replays `hits` in order until `limit` of them have landed on resident
    /// slots or the hits run out. Returns how many hits it took and how many
    /// of those landed.
    ///
    /// A hit moves its slot to the front of its segment, promoting it from
    /// probation, and counts into the slot's own count (the sketch hears of
    /// it on eviction), setting `touched` for the guard: one store beside the
    /// count, cheaper than a branch on `sampled`. Protected and probation hits
    /// look alike: on the one main list both go to the front, and a promotion
    /// differs only in the costs it moves. Which segment a hit lands in is a
    /// coin toss the CPU cannot predict, so both take the same branches.
    ///
    /// Protected's overflow is left for the caller to demote once
    /// ([`Self::fit_protected`]) after the run. The run ends in the state
    /// demoting at every promotion would leave: demotion moves only the
    /// split, never the order, and a place on the list whose protected prefix
    /// once cost too much stays too costly, as hits only add cost ahead of it.
    ///
    /// Written for the replay loop's speed. The main list, the split and the
    /// promotions are locals, and the links a [`LinksMut`]: the compiler keeps
    /// them in registers, where fields reached through `self` would be read
    /// again after every store to the links (57 against 69 instructions per
    /// hit for the addon under cachegrind). `AHEAD` prefetches slots ahead,
    /// for tables that do not fit in cache: the segment, count and links of
    /// a slot 16 hits ahead, then the links of the neighbours of one 6 ahead.
    #[inline(always)]
    fn replay_some<const WEIGHTED: bool, const AHEAD: bool>(
        &mut self,
        hits: &[u32],
        limit: u32,
    ) -> (usize, u32) {
        let TinyLfu {
            links,
            window,
            main,
            split,
            cost,
            ..
        } = self;
        let mut links = links.view();
        let (mut main_l, mut split_l) = (*main, *split);
        let (mut promoted, mut promoted_n) = (0, 0);
        let mut left = limit;
        let mut rest = hits.iter();
        while left != 0 {
            let Some(&slot) = rest.next() else { break };
            if AHEAD {
                let ahead = rest.as_slice();
                if let Some(&s) = ahead.get(15) {
                    links.prefetch(s, false);
                }
                if let Some(&s) = ahead.get(5) {
                    links.prefetch(s, true);
                }
            }
            // Resident is what the slot's own segment says.
            let seg = links.get(slot).map_or(NONE, |m| m.segment);
            if seg == NONE {
                continue;
            }
            left -= 1;
            if seg == WINDOW {
                window_hit(window, &mut links, slot);
            } else {
                if slot == split_l {
                    split_l = links.prev(slot);
                }
                main_l.move_to_front(&mut links, slot);
                if split_l == NIL {
                    split_l = slot;
                }
                links[slot].segment = PROTECTED;
                promoted +=
                    (seg == PROBATION) as u64 * if WEIGHTED { cost[slot as usize] } else { 1 };
                if WEIGHTED {
                    promoted_n += (seg == PROBATION) as u64;
                }
            }
            let m = &mut links[slot];
            m.freq += (m.freq < 15) as u8;
            m.touched = true;
        }
        (*main, *split) = (main_l, split_l);
        self.probation_cost -= promoted;
        self.protected_cost += promoted;
        self.protected_len += if WEIGHTED { promoted_n } else { promoted };
        (hits.len() - rest.len(), limit - left)
    }

    /// Replays a run of hits on resident slots, skipping slots that left.
    fn replay(&mut self, hits: &[u32]) {
        let ahead = self.key.len() > PREFETCH_FROM;
        let mut rest = hits;
        while !rest.is_empty() {
            let limit = self.hits_to_batch();
            let (took, landed) = match (self.weighted, ahead) {
                (false, false) => self.replay_some::<false, false>(rest, limit),
                (false, true) => self.replay_some::<false, true>(rest, limit),
                (true, false) => self.replay_some::<true, false>(rest, limit),
                (true, true) => self.replay_some::<true, true>(rest, limit),
            };
            rest = &rest[took..];
            self.tick_hits(landed);
        }
        self.fit_protected();
    }

    /// Moves the window's target by `delta` cost units (within the capacity).
    /// A smaller window hands its overflow to the main space now; a larger
    /// one fills up as the main space gives up victims.
    fn move_window(&mut self, delta: f64) {
        self.window_target += delta;
        self.set_targets();
        self.drain_window();
        self.fit_protected();
    }

    /// Moves the window's overflow into probation (no eviction involved).
    fn drain_window(&mut self) {
        while self.window_over() {
            let Some(t) = self.window.tail() else { break };
            self.move_to(t, PROBATION);
        }
    }

    /// Counts a request towards the sketch's aging and the climber's sample.
    #[inline(always)]
    fn observe(&mut self, hit: bool) {
        if self.sketch.tick() {
            self.age_counts();
        }
        self.count_for_guard(1);
        let Some(climber) = &mut self.climber else {
            return;
        };
        if let Some(delta) = climber.record(hit).filter(|&d| d != 0.0) {
            self.move_window(delta);
        }
    }

    /// How many hits a run may count before handing them to [`Self::tick_hits`]:
    /// up to the sketch's next aging or the end of the guard's period,
    /// whichever is first, or one at a time for the climber, which
    /// samples request by request. (With the climber, a tuning experiment not
    /// reachable from JS, a run is not exactly hits one by one: a climbing step
    /// comes after the hit that completes its sample rather than before, and
    /// it drains the window to a split not yet moved past protected's overflow.)
    fn hits_to_batch(&self) -> u32 {
        if self.climber.is_some() {
            1
        } else {
            self.sketch.ticks_left().min(self.sync_left)
        }
    }

    /// Counts `n` hits (at most [`Self::hits_to_batch`]) towards the aging,
    /// the guard's period, and the climber's sample.
    #[cold]
    fn tick_hits(&mut self, n: u32) {
        if self.climber.is_some() {
            for _ in 0..n {
                self.observe(true);
            }
        } else if n > 0 {
            if self.sketch.tick_many(n) {
                self.age_counts();
            }
            self.count_for_guard(n);
        }
    }

    #[cold]
    fn age_counts(&mut self) {
        for m in self.links.tags_mut() {
            m.freq >>= 1;
        }
    }

    /// Whether the candidate should replace the victim in the main space.
    fn admit(&mut self, candidate: u32, victim: u32) -> bool {
        let fc = self.links[candidate].freq as u32;
        let fv = self.links[victim].freq as u32;
        let margin = if self.window_target <= self.margin_while {
            self.margin
        } else {
            0
        };
        if fc > fv + margin {
            return true;
        }
        fc >= ADMIT_JITTER_FROM && self.rng.next() & 127 == 0
    }

    fn choose_victim(&mut self) -> Option<u32> {
        if self.window_over() {
            let candidate = self.window.tail()?;
            let Some(victim) = self.main_victim() else {
                return Some(candidate);
            };
            if self.admit(candidate, victim) {
                self.move_to(candidate, PROBATION);
                self.keep = candidate;
                return Some(victim);
            }
            return Some(candidate);
        }
        // No contest: the window is below its target because the ghosts found
        // recency paying, so the main space gives up its least recent entry.
        // Or a heavy candidate was just admitted, or an entry grew, and needs
        // more room: it won its place, so the entries before it in the main
        // space go (probation's, then protected's), then the window's, rather
        // than it.
        match self.main.tail() {
            Some(tail) if tail == self.keep => {
                let before = self.links.prev(tail);
                Some(if before != NIL {
                    before
                } else {
                    self.window.tail().unwrap_or(tail)
                })
            }
            Some(tail) => Some(tail),
            None => self.window.tail(),
        }
    }

    /// On a miss: a key the window evicted recently would have hit in a larger
    /// window, one the main space evicted in a larger main space; move the
    /// window one step towards whichever would have hit (ARC's adaptation).
    fn follow_ghosts(&mut self, print: u32, cost: u64) {
        let dir = if self.window_ghost.take(print) {
            1.0
        } else if self.main_ghost.take(print) {
            -1.0
        } else {
            return;
        };
        self.streak = if self.streak * dir > 0.0 {
            (self.streak + dir).clamp(-self.ghost_accel, self.ghost_accel)
        } else {
            dir
        };
        self.move_window(self.streak * self.ghost_step * self.step_cost(cost));
    }

    /// Tells the guard which sampled slots were hit since it was last told,
    /// and how many requests came meanwhile; if they end a period in which
    /// plain LRU was clearly ahead, the window grows at the next insert.
    /// Called before a sampled miss and at the end of each period.
    #[cold]
    fn sync_guard(&mut self) {
        for i in 0..self.sampled_slots.len() {
            self.tell_hit(self.sampled_slots[i]);
        }
        let Some(guard) = &mut self.guard else {
            (self.sync_left, self.sync_from) = (u32::MAX, u32::MAX);
            return;
        };
        self.guard_due |= guard.count(self.sync_from - self.sync_left);
        self.sync_left = guard.left();
        self.sync_from = self.sync_left;
    }

    /// Counts `n` requests (at most `sync_left`) towards the end of the
    /// guard's period.
    #[inline(always)]
    fn count_for_guard(&mut self, n: u32) {
        self.sync_left -= n;
        if self.sync_left == 0 {
            self.sync_guard();
        }
    }

    /// A sampled slot leaves the cache: a hit it had since the guard was last
    /// told is told now, while the slot still holds the key, and the slot
    /// leaves the sampled list.
    fn leave_sample(&mut self, slot: u32) {
        let m = &mut self.links[slot];
        if !std::mem::take(&mut m.sampled) {
            return;
        }
        self.tell_hit(slot);
        let at = self.sampled_at[slot as usize] as usize;
        self.sampled_slots.swap_remove(at);
        if let Some(&moved) = self.sampled_slots.get(at) {
            self.sampled_at[moved as usize] = at as u32;
        }
    }

    /// Tells the guard of a hit on sampled `slot` since it was last told, if
    /// there was one.
    fn tell_hit(&mut self, slot: u32) {
        if std::mem::take(&mut self.links[slot].touched) {
            let (key, cost) = (self.key[slot as usize], self.cost_of(slot));
            if let Some(g) = &mut self.guard {
                g.record(slot, key, cost, true);
            }
        }
    }

    /// Grows the window a step towards LRU, if the guard asked for it.
    fn follow_guard(&mut self) {
        if std::mem::take(&mut self.guard_due) {
            self.move_window(self.guard_step);
        }
    }

    /// The victim a candidate competes with: the least counted of probation's
    /// oldest [`Tuning::victim_pool`] entries (the oldest on ties) or, with
    /// probation empty, protected's tail.
    /// A miss-path walk over the same few slots every time, so they stay cached.
    fn main_victim(&self) -> Option<u32> {
        let tail = self.main.tail()?;
        if tail == self.split {
            return Some(tail); // probation is empty
        }
        let (mut slot, mut best) = (tail, (self.links[tail].freq, tail));
        for _ in 1..self.victim_pool {
            slot = self.links.prev(slot);
            if slot == NIL || slot == self.split {
                break; // probation ends here
            }
            let freq = self.links[slot].freq;
            if freq < best.0 {
                best = (freq, slot);
            }
        }
        Some(best.1)
    }

    /// Checks the segment bookkeeping; `Err` names the first broken rule.
    pub fn check(&self) -> Result<(), String> {
        // Walked from the head: the window's list holds window slots only;
        // the main list runs protected slots, ending at the split, then
        // probation's.
        let mut walked = [(0u32, 0u64); 3];
        let mut bad = None;
        self.window.for_each(&self.links, |s| {
            walked[0].0 += 1;
            walked[0].1 += self.cost_of(s);
            if self.links[s].segment != WINDOW {
                bad = Some(format!("slot {s} on the window list is marked otherwise"));
            }
            bad.is_none()
        });
        let mut want = if self.split == NIL {
            PROBATION
        } else {
            PROTECTED
        };
        self.main.for_each(&self.links, |s| {
            let seg = self.links[s].segment;
            if seg != want {
                bad = Some(format!(
                    "slot {s} on the main list is marked {seg}, not {want}"
                ));
            }
            let i = if seg == PROTECTED { 2 } else { 1 };
            walked[i].0 += 1;
            walked[i].1 += self.cost_of(s);
            if s == self.split {
                want = PROBATION;
            }
            bad.is_none()
        });
        if let Some(b) = bad {
            return Err(b);
        }
        if self.split != NIL && self.links.get(self.split).map(|m| m.segment) != Some(PROTECTED) {
            return Err(format!("split {} is not a protected slot", self.split));
        }
        let main_len = walked[1].0 + walked[2].0;
        if self.window.len() != walked[0].0 || self.main.len() != main_len {
            return Err(format!(
                "lists record {} and {} slots, walks found {} and {main_len}",
                self.window.len(),
                self.main.len(),
                walked[0].0
            ));
        }
        for (name, (_, c), cost) in [
            ("window", walked[0], self.window_cost),
            ("probation", walked[1], self.probation_cost),
            ("protected", walked[2], self.protected_cost),
        ] {
            if c != cost {
                return Err(format!("{name}: cost {c} walked, {cost} recorded"));
            }
        }
        if u64::from(walked[2].0) != self.protected_len {
            return Err(format!(
                "protected: {} slots walked, {} recorded",
                walked[2].0, self.protected_len
            ));
        }
        if self.max_entries != u64::MAX
            && (self.window_max_n > self.max_entries
                || self.protected_max_n > self.max_entries - self.window_max_n
                || self.protected_len > self.protected_max_n)
        {
            return Err(format!(
                "entry targets window {} protected {} (holding {}) exceed max {}",
                self.window_max_n, self.protected_max_n, self.protected_len, self.max_entries
            ));
        }
        let seen = walked.iter().map(|w| w.0).sum::<u32>();
        let marked = self.links.tags().filter(|m| m.segment != NONE).count() as u32;
        if marked != seen {
            return Err(format!("{marked} slots marked resident, {seen} on lists"));
        }
        if self.capacity != 0 {
            if self.window_max > self.capacity
                || self.protected_max > self.capacity - self.window_max
            {
                return Err(format!(
                    "targets window {} protected {} exceed capacity {}",
                    self.window_max, self.protected_max, self.capacity
                ));
            }
            if self.protected_cost > self.protected_max {
                return Err(format!(
                    "protected cost {} over its target {}",
                    self.protected_cost, self.protected_max
                ));
            }
        }
        if let Some(g) = &self.guard {
            g.check()?;
        }
        for (i, &slot) in self.sampled_slots.iter().enumerate() {
            let m = self.links.get(slot);
            if !m.is_some_and(|m| m.sampled && m.segment != NONE)
                || self.sampled_at[slot as usize] as usize != i
            {
                return Err(format!(
                    "sampled list: slot {slot} at {i} is not sampled there"
                ));
            }
        }
        let sampled = self.links.tags().filter(|m| m.sampled).count();
        if sampled != self.sampled_slots.len() {
            return Err(format!(
                "{sampled} slots marked sampled, {} listed",
                self.sampled_slots.len()
            ));
        }
        for (name, g) in [("window", &self.window_ghost), ("main", &self.main_ghost)] {
            if g.len() > g.capacity() {
                return Err(format!(
                    "{name} ghost holds {} hashes, over its {}",
                    g.len(),
                    g.capacity()
                ));
            }
        }
        Ok(())
    }
}

/// A window hit's move, out of the replay loop: rare, and inlined it would
/// take registers from the main list's commoner moves.
#[inline(never)]
fn window_hit(window: &mut List, links: &mut LinksMut<'_, Meta>, slot: u32) {
    window.move_to_front(links, slot);
}

impl Policy for TinyLfu {
    fn ensure(&mut self, slots: usize) {
        self.links.ensure(slots);
        if self.key.len() < slots {
            self.key.resize(slots, 0);
            self.cost.resize(slots, 0);
        }
        if let Some(g) = &mut self.guard {
            g.ensure(slots);
        }
        if self.sampled_at.len() < slots {
            self.sampled_at.resize(slots, 0);
        }
    }

    fn access(&mut self, slot: u32) {
        self.replay(std::slice::from_ref(&slot));
    }

    fn access_run(&mut self, hits: &[u32], resident: &[bool]) {
        self.keep = NIL;
        // Resident is what a slot's own segment says: no need to read the
        // store's array.
        debug_assert!(hits.iter().all(|&s| {
            let seg = self.links.get(s).map_or(NONE, |m| m.segment);
            (seg != NONE) == (resident.get(s as usize) == Some(&true))
        }));
        self.replay(hits);
    }

    fn insert(&mut self, slot: u32, weight: u64, hash: u32) {
        self.pending.1 = NONE;
        self.keep = NIL;
        let key = Sketch::key(hash);
        let cost = if self.weighted { weight } else { 1 };
        self.follow_guard();
        self.follow_ghosts(ghost_print(key), cost);
        // A newly resident slot: its last key left through `remove`.
        debug_assert!(!self.links[slot].sampled);
        if self.guard.as_ref().is_some_and(|g| g.samples(key)) {
            // The hits before this request come first.
            self.sync_guard();
            if let Some(g) = &mut self.guard {
                g.record(slot, key, cost, false);
            }
            self.sampled_at[slot as usize] = self.sampled_slots.len() as u32;
            self.sampled_slots.push(slot);
            self.links[slot].sampled = true;
        }
        self.key[slot as usize] = key;
        self.links[slot].freq = (self.sketch.estimate(key) + 1).min(15) as u8;
        self.links[slot].touched = false;
        self.observe(false);
        self.cost[slot as usize] = if self.weighted { weight } else { 1 };
        self.push(slot, WINDOW);
        // While the cache has room, the window's overflow joins the main space
        // unopposed; once full, `victim` makes it compete.
        if self.has_room() {
            self.drain_window();
        }
    }

    fn remove(&mut self, slot: u32) {
        if slot == self.keep {
            self.keep = NIL;
        }
        self.leave_sample(slot);
        if self.links[slot].segment != NONE {
            let s = slot as usize;
            self.sketch.raise(self.key[s], self.links[slot].freq as u32);
            self.unlink(slot);
        }
        if self.pending.0 == slot {
            let print = ghost_print(self.key[slot as usize]);
            match std::mem::replace(&mut self.pending.1, NONE) {
                WINDOW => self.window_ghost.add(print),
                NONE => {}
                _ => self.main_ghost.add(print),
            }
        }
    }

    fn reweigh(&mut self, slot: u32, old: u64, new: u64) {
        // The store evicts for it next (after counting it as a hit).
        self.keep = slot;
        if !self.weighted {
            return;
        }
        let seg = self.links[slot].segment;
        if seg == NONE {
            return;
        }
        debug_assert_eq!(self.cost[slot as usize], old);
        *self.seg_cost(seg) = *self.seg_cost(seg) - old + new;
        self.cost[slot as usize] = new;
        self.fit_protected();
    }

    fn victim(&mut self) -> Option<u32> {
        let slot = self.choose_victim()?;
        self.pending = (slot, self.links[slot].segment);
        Some(slot)
    }

    fn clear(&mut self) {
        self.links.clear();
        self.sampled_slots.clear();
        self.window.reset();
        self.main.reset();
        self.split = NIL;
        self.pending.1 = NONE;
        self.keep = NIL;
        self.window_cost = 0;
        self.probation_cost = 0;
        self.protected_cost = 0;
        self.protected_len = 0;
    }

    fn for_each(&self, reverse: bool, f: &mut dyn FnMut(u32) -> bool) {
        let go = std::cell::Cell::new(true);
        let mut visit = |s| {
            go.set(f(s));
            go.get()
        };
        if reverse {
            for list in [&self.main, &self.window] {
                list.for_each_rev(&self.links, &mut visit);
                if !go.get() {
                    return;
                }
            }
        } else {
            for list in [&self.window, &self.main] {
                list.for_each(&self.links, &mut visit);
                if !go.get() {
                    return;
                }
            }
        }
    }

    fn check(&self) -> Result<(), String> {
        TinyLfu::check(self)
    }

    fn describe(&self) -> String {
        self.window_max.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{hash_int, PolicyKind, Store};
    use std::collections::HashMap;

    fn limits(n: u32) -> Limits {
        Limits {
            max_entries: n,
            max_weight: 0,
        }
    }

    /// Replays integer keys through a store; returns (hit ratio, store).
    fn replay(keys: impl Iterator<Item = u32>, store: Store) -> (f64, Store) {
        let mut n = 0u32;
        let (hits, _, store) = replay_with(keys.inspect(|_| n += 1), store, false, |_| 1);
        (hits as f64 / n as f64, store)
    }

    /// Replays integer keys through a store, a miss inserting the key. Hits go
    /// to the store one by one or, `in_runs`, logged and handed over in runs
    /// before each insert (`Store::replay`), as the JS side does. A key weighs
    /// `weigh(key)`. Returns the hits, the evicted keys in order, and the store.
    fn replay_with(
        keys: impl Iterator<Item = u32>,
        mut store: Store,
        in_runs: bool,
        weigh: fn(u32) -> u64,
    ) -> (u32, Vec<u32>, Store) {
        let (mut slot_of, mut key_of) = (HashMap::new(), HashMap::new());
        let (mut hits, mut run, mut ev, mut evicted) = (0, Vec::new(), Vec::new(), Vec::new());
        for k in keys {
            if let Some(&s) = slot_of.get(&k) {
                hits += 1;
                if in_runs {
                    run.push(s);
                } else {
                    store.access(s).unwrap();
                }
                continue;
            }
            store.replay(&run);
            run.clear();
            ev.clear();
            let s = store.insert(weigh(k), hash_int(k), &mut ev).unwrap();
            slot_of.insert(k, s);
            key_of.insert(s, k);
            for e in &ev {
                evicted.push(key_of[e]);
                slot_of.remove(&key_of[e]);
            }
        }
        store.replay(&run);
        (hits, evicted, store)
    }

    fn tinylfu(cap: u32, window: f64) -> Store {
        tinylfu_in(limits(cap), window)
    }

    fn tinylfu_in(lim: Limits, window: f64) -> Store {
        let t = Tuning {
            window,
            ..Tuning::default()
        };
        Store::with_policy(Box::new(TinyLfu::with_tuning(lim, 7, t)), lim)
    }

    /// A working set of 80 keys sliding forward by one key every 8 requests:
    /// each key is hot for a while and then never seen again, so recency is
    /// everything and frequency history is stale by the time it builds up.
    fn sliding(n: u32, rng: &mut Rng) -> impl Iterator<Item = u32> + '_ {
        (0..n).map(move |i| i / 8 + rng.below(80) as u32)
    }

    /// Half the requests go to 300 keys of fixed skewed popularity, the other
    /// half are one-off keys (a scan): frequency is everything, and window
    /// space spent on one-offs is wasted.
    fn skewed(n: u32, rng: &mut Rng) -> impl Iterator<Item = u32> + '_ {
        (0..n).map(move |i| {
            if rng.below(2) == 0 {
                1_000_000 + i
            } else {
                let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
                (300.0 * u * u) as u32
            }
        })
    }

    #[test]
    fn runs_of_hits_end_where_hits_one_by_one_do() {
        // A run counts its hits towards aging in one sum and demotes
        // protected's overflow once at its end; the state after each run, and
        // so every later decision, must match single hits exactly, in
        // count-bounded and in weighted caches.
        let weighted = |cap: u32| Limits {
            max_entries: 0,
            max_weight: 2 * cap as u64,
        };
        for (cap, seed) in [(16, 1), (100, 2), (500, 3)] {
            let keys: Vec<u32> = skewed(60_000, &mut Rng(seed))
                .zip(sliding(60_000, &mut Rng(seed + 9)))
                .map(|(a, b)| if a % 3 == 0 { b } else { a % 2_000 })
                .collect();
            let counted: (Limits, fn(u32) -> u64) = (limits(cap), |_| 1);
            let sized: (Limits, fn(u32) -> u64) = (weighted(cap), |k| 1 + (k % 7) as u64 / 2);
            for (lim, weigh) in [counted, sized] {
                let store = || tinylfu_in(lim, 0.01);
                let (_, evicted, runs) = replay_with(keys.iter().copied(), store(), true, weigh);
                let (_, single, one) = replay_with(keys.iter().copied(), store(), false, weigh);
                let what = format!("cap {cap}, {lim:?}");
                assert!(evicted.len() > 1_000, "{what}: a workload that evicts");
                assert_eq!(evicted, single, "{what}: evictions differ");
                let order = |st: &Store| {
                    let mut v = Vec::new();
                    st.for_each(false, |s| v.push(s));
                    v
                };
                assert_eq!(order(&runs), order(&one), "{what}");
                assert_eq!(runs.policy_state(), one.policy_state(), "{what}");
                runs.check_invariants().unwrap();
            }
        }
    }

    #[test]
    fn a_leaving_entry_hands_its_count_back_to_the_sketch() {
        let mut p = TinyLfu::new(limits(8), 1);
        p.ensure(16);
        p.insert(0, 1, 42);
        for _ in 0..5 {
            p.access(0);
        }
        assert_eq!(p.links[0].freq, 6, "one sighting on arrival, five hits");
        p.remove(0);
        p.insert(3, 1, 42);
        assert_eq!(p.links[3].freq, 7, "its history, plus this sighting");
        p.insert(4, 1, 43);
        assert_eq!(p.links[4].freq, 1, "a new key starts at one");
        p.check().unwrap();
    }

    /// A full cache of 10 with a one-entry window: slot 9 in the window,
    /// slots 8 down to 0 on probation, 0 the oldest; every count 1.
    fn probation_of_nine(pool: u32) -> TinyLfu {
        let t = Tuning {
            window: 0.1,
            victim_pool: pool,
            ..Tuning::default()
        };
        let mut p = TinyLfu::with_tuning(limits(10), 1, t);
        p.ensure(16);
        for s in 0..10 {
            p.insert(s, 1, 100 + s);
        }
        assert_eq!(p.main.tail(), Some(0));
        assert!((0..9).all(|s| p.links[s as u32].segment == PROBATION));
        p
    }

    #[test]
    fn the_main_victim_is_the_least_counted_of_probations_oldest() {
        let mut p = probation_of_nine(4);
        assert_eq!(p.main_victim(), Some(0), "all equal: the oldest");
        p.links[0].freq = 5;
        p.links[1].freq = 3;
        p.links[2].freq = 2;
        p.links[3].freq = 2;
        p.links[4].freq = 0; // fifth oldest: outside a pool of 4
        assert_eq!(
            p.main_victim(),
            Some(2),
            "the least counted, oldest on ties"
        );
        assert_eq!(p.victim(), Some(0), "no contest: the least recent");
        p.insert(10, 1, 110);
        assert_eq!(p.victim(), Some(9), "a count of 1 loses to 2");
        p.links[9].freq = 4;
        assert_eq!(p.victim(), Some(2), "a count of 4 wins against it");
        assert_eq!(p.links[9].segment, PROBATION);
        p.remove(2);
        p.check().unwrap();

        let mut p = probation_of_nine(1);
        p.links[0].freq = 5;
        assert_eq!(p.main_victim(), Some(0), "a pool of one: always the oldest");
    }

    #[test]
    fn a_one_count_lead_admits_only_once_the_window_has_grown() {
        // Whether a candidate counted `fc` beats a victim counted 1, in a full
        // cache of 10 whose window's target is `window` of it.
        let admits = |window: f64, fc: u8| {
            let t = Tuning {
                window,
                victim_pool: 1,
                ..Tuning::default()
            };
            let mut p = TinyLfu::with_tuning(limits(10), 1, t);
            p.ensure(16);
            for s in 0..11 {
                p.insert(s, 1, 100 + s);
            }
            let candidate = p.window.tail().unwrap();
            assert_eq!(p.main.tail(), Some(0));
            p.links[candidate].freq = fc;
            let admitted = p.victim() == Some(0);
            assert_ne!(admitted, p.links[candidate].segment == WINDOW);
            admitted
        };
        // At the floor (one entry of ten), where loops and scans hold it.
        assert!(!admits(0.1, 2), "a lead of one is not enough");
        assert!(admits(0.1, 3), "a lead of two is");
        // Grown to four entries, as where recency pays.
        assert!(admits(0.4, 2), "a lead of one is enough");
        assert!(!admits(0.4, 1), "a tie still keeps the victim");
    }

    #[test]
    fn the_victim_pool_never_reaches_into_protected() {
        let mut p = probation_of_nine(12);
        // Hits promote slots 2..9's probation entries; the cache's protected
        // target (80% of a main space of 9) keeps the oldest two on probation.
        for s in 2..9 {
            p.access(s);
        }
        assert_eq!(p.probation_cost, 2);
        p.links[1].freq = 9;
        p.links[0].freq = 9;
        assert_eq!(
            p.main_victim(),
            Some(0),
            "protected counts of 2 do not count"
        );
        // With probation empty, protected's oldest.
        p.remove(0);
        p.remove(1);
        assert_eq!(p.probation_cost, 0);
        assert_eq!(p.main_victim(), Some(2));
        p.check().unwrap();
    }

    #[test]
    fn resident_counts_age_with_the_sketch() {
        let t = Tuning {
            sample_factor: 1,
            ..Tuning::default()
        };
        let mut p = TinyLfu::with_tuning(limits(16), 1, t);
        p.ensure(16);
        assert_eq!(p.sketch.sample_size(), 16);
        p.insert(0, 1, 7);
        for _ in 0..9 {
            p.access(0);
        }
        assert_eq!(p.links[0].freq, 10);
        for s in 1..6 {
            p.insert(s, 1, 100 + s);
        }
        assert_eq!(p.links[0].freq, 10, "15 requests: not aged yet");
        p.insert(6, 1, 106);
        assert_eq!(p.links[0].freq, 5, "the 16th request halves every count");
    }

    #[test]
    fn window_grows_on_a_recency_heavy_workload() {
        let (tl, store) = replay(sliding(400_000, &mut Rng(3)), tinylfu(100, 0.01));
        let window: u64 = store.policy_state().parse().unwrap();
        let (lru, _) = replay(
            sliding(400_000, &mut Rng(3)),
            Store::with_seed(PolicyKind::Lru, limits(100), 1).unwrap(),
        );
        assert!(
            window >= 80,
            "window {window} of 100 after a recency-heavy run"
        );
        assert!(tl >= lru - 0.05, "tinylfu {tl:.4} vs lru {lru:.4}");
    }

    #[test]
    fn window_shrinks_on_a_frequency_heavy_workload() {
        let (tl, store) = replay(skewed(400_000, &mut Rng(5)), tinylfu(100, 0.5));
        let window: u64 = store.policy_state().parse().unwrap();
        let (lru, _) = replay(
            skewed(400_000, &mut Rng(5)),
            Store::with_seed(PolicyKind::Lru, limits(100), 1).unwrap(),
        );
        assert!(
            window <= 40,
            "window {window} of 100 (from 50) after a frequency-heavy run"
        );
        assert!(tl > lru + 0.05, "tinylfu {tl:.4} vs lru {lru:.4}");
    }

    /// Phases of 20 passes each over a fresh set of 450 keys, in order: each
    /// set fits a cache of 500 and is never seen again. LRU hits every pass
    /// after the first. TinyLFU's main space is full of the last phase's keys,
    /// seen 20 times, so the new ones are refused until aging wears those
    /// counts down; and its ghosts stay silent (a refused key returns 450
    /// requests later, long after a 25-hash ghost forgot it).
    fn phased_loops(n: u32) -> impl Iterator<Item = u32> {
        (0..n).map(|i| (i / (20 * 450)) * 1_000 + i % 450)
    }

    #[test]
    fn the_guard_grows_the_window_where_lru_wins_out_of_the_ghosts_sight() {
        let with = |guard| {
            let t = Tuning {
                guard,
                ..Tuning::default()
            };
            let policy = TinyLfu::with_tuning(limits(500), 7, t);
            let (ratio, store) = replay(
                phased_loops(400_000),
                Store::with_policy(Box::new(policy), limits(500)),
            );
            store.check_invariants().unwrap();
            let window: u64 = store.policy_state().parse().unwrap();
            (ratio, window)
        };
        let (lru, _) = replay(
            phased_loops(400_000),
            Store::with_seed(PolicyKind::Lru, limits(500), 1).unwrap(),
        );
        let (unguarded, small) = with(0);
        let (guarded, window) = with(SAMPLED_ENTRIES);
        assert!(
            unguarded < lru - 0.05,
            "the workload fools the ghosts: {unguarded:.4} vs lru {lru:.4}"
        );
        // It takes the guard a few periods per step to find the way to a
        // window that holds a whole set; over this run it closes most of
        // the gap (over 1.6M requests, to within 0.01 of LRU).
        assert!(
            guarded - unguarded > 0.6 * (lru - unguarded),
            "guarded {guarded:.4} vs lru {lru:.4} (unguarded {unguarded:.4})"
        );
        assert!(window > small, "window {window}, unguarded {small}");
    }

    /// Hits reach the guard late, but before anything they could reorder: a
    /// sampled miss, or the slot leaving.
    #[test]
    fn the_guard_hears_of_hits_before_a_sampled_miss_or_a_departure() {
        // A miniature of 4 entries over 1,000: five keys it samples.
        let sampled =
            |p: &TinyLfu, k: u32| p.guard.as_ref().unwrap().samples(Sketch::key(hash_int(k)));
        let play = |hit_then_remove: bool| {
            let t = Tuning {
                guard: 4,
                ..Tuning::default()
            };
            let mut p = TinyLfu::with_tuning(limits(1_000), 7, t);
            p.ensure(8);
            let keys: Vec<u32> = (0..).filter(|&k| sampled(&p, k)).take(5).collect();
            for (slot, &k) in keys[..4].iter().enumerate() {
                p.insert(slot as u32, 1, hash_int(k));
            }
            // The first key, least recent in the miniature, is hit: now the
            // second is.
            p.access(0);
            if hit_then_remove {
                p.remove(0);
            }
            // A fifth sampled key: the miniature must evict one.
            p.insert(4, 1, hash_int(keys[4]));
            p.check().unwrap();
            let g = p.guard.as_ref().unwrap();
            let holds = |i: usize| g.holds(Sketch::key(hash_int(keys[i])));
            (holds(0), holds(1), holds(4))
        };
        assert_eq!(play(false), (true, false, true), "told before the miss");
        assert_eq!(play(true), (true, false, true), "told as the slot left");
    }

    /// A store of 100 keys with a 10-key window and 10-hash ghosts, driven key
    /// by key; reports which keys each request evicted.
    struct Driver {
        store: Store,
        /// Every entry's weight (1 unless the store has a weight limit).
        weight: u64,
        slot_of: HashMap<u32, u32>,
        key_of: HashMap<u32, u32>,
    }

    impl Driver {
        fn new() -> Self {
            Driver::with_limits(limits(100), 1)
        }

        /// 100 entries of weight 10 under `maxSize` 1000.
        fn weighted() -> Self {
            let l = Limits {
                max_entries: 0,
                max_weight: 1000,
            };
            Driver::with_limits(l, 10)
        }

        fn with_limits(l: Limits, weight: u64) -> Self {
            let t = Tuning {
                window: 0.1,
                ghost: 0.1,
                step: 0.0,
                ..Tuning::default()
            };
            let policy = TinyLfu::with_tuning(l, 7, t);
            Driver {
                store: Store::with_policy(Box::new(policy), l),
                weight,
                slot_of: HashMap::new(),
                key_of: HashMap::new(),
            }
        }

        fn get(&mut self, k: u32) -> Vec<u32> {
            if let Some(&s) = self.slot_of.get(&k) {
                self.store.access(s).unwrap();
                return Vec::new();
            }
            let mut ev = Vec::new();
            let s = self
                .store
                .insert(self.weight, hash_int(k), &mut ev)
                .unwrap();
            self.slot_of.insert(k, s);
            self.key_of.insert(s, k);
            let gone: Vec<u32> = ev.iter().map(|e| self.key_of[e]).collect();
            for k in &gone {
                self.slot_of.remove(k);
            }
            self.store.check_invariants().unwrap();
            gone
        }

        fn window(&self) -> u64 {
            self.store.policy_state().parse().unwrap()
        }

        /// 100 keys seen 4 times each: a full cache of equally warm entries.
        fn warm() -> Self {
            Driver::new().warmed()
        }

        fn warmed(mut self) -> Self {
            let d = &mut self;
            for _ in 0..4 {
                for k in 0..100 {
                    assert!(d.get(k).is_empty());
                }
            }
            self
        }
    }

    #[test]
    fn a_miss_the_window_just_evicted_grows_it() {
        let mut d = Driver::warm();
        // One-off keys push the window's oldest out; warm as the main space's
        // victims, they are refused admission.
        let first = d.get(1000);
        assert_eq!(first.len(), 1);
        for k in 1001..1005 {
            d.get(k);
        }
        assert_eq!(d.window(), 10);
        assert!(d.get(first[0]).len() == 1, "a miss evicts one entry");
        assert_eq!(d.window(), 11);
    }

    #[test]
    fn under_a_weight_limit_the_window_moves_by_the_returning_entrys_weight() {
        let mut d = Driver::weighted().warmed();
        let first = d.get(1000);
        assert_eq!(first.len(), 1);
        assert_eq!(d.window(), 100);
        d.get(first[0]);
        assert_eq!(d.window(), 110);
    }

    #[test]
    fn a_miss_the_main_space_just_evicted_shrinks_the_window() {
        let mut d = Driver::warm();
        // A key hit often while in the window wins admission; a main-space
        // victim makes way.
        assert!(d.get(2000).len() == 1);
        for _ in 0..6 {
            d.get(2000);
        }
        let mut pushed = Vec::new();
        for k in 3000..3010 {
            pushed.extend(d.get(k));
        }
        // Keys 90..100 sat in the window after warming (refused when pushed
        // out); the others in the main space.
        let main_victim = *pushed
            .iter()
            .find(|&&k| k < 90)
            .expect("a warm main-space key evicted");
        assert!(d.slot_of.contains_key(&2000), "the hot key was admitted");
        let before = d.window();
        d.get(main_victim);
        assert_eq!(d.window(), before - 1);
    }

    #[test]
    fn ghosts_are_short_but_never_empty() {
        for (cap, len) in [(10, 1), (100, 5), (1000, 50)] {
            let p = TinyLfu::new(limits(cap), 1);
            assert_eq!(p.window_ghost.capacity(), len, "capacity {cap}");
            assert_eq!(p.main_ghost.capacity(), len, "capacity {cap}");
        }
    }

    #[test]
    fn a_deleted_entry_is_not_remembered() {
        let mut d = Driver::warm();
        let mut gone = Vec::new();
        for k in 1000..1011 {
            gone.extend(d.get(k));
        }
        // Deleting is no eviction: its key's return says nothing of the sizes.
        let k = 1010;
        let slot = d.slot_of.remove(&k).unwrap();
        d.store.remove(slot).unwrap();
        let before = d.window();
        d.get(k);
        assert_eq!(d.window(), before);
        // While an evicted key's return does.
        d.get(gone[gone.len() - 1]);
        assert_eq!(d.window(), before + 1);
    }
}
