//! The intrusive timer queue against a reference model, plus scale and zeroed-node
//! tests. Also run under Miri:
//! `cargo +nightly miri test -p mote --features std,time --test time_queue`.
#![cfg(feature = "time")]

use std::collections::BTreeMap;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use mote::time::timer_queue::{TimerNode, TimerQueue};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Schedule(usize, u64),
    Remove(usize),
    Pop(u64),
}

const NODES: usize = 12;

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..NODES, 0u64..40).prop_map(|(n, at)| Op::Schedule(n, at)),
        1 => (0..NODES).prop_map(Op::Remove),
        2 => (0u64..45).prop_map(Op::Pop),
    ]
}

/// Runs `ops` on a real queue and on a `BTreeMap<node, deadline>` model and checks
/// that they agree after every step.
fn check_against_model(ops: &[Op]) -> Result<(), TestCaseError> {
    let nodes: Vec<TimerNode> = (0..NODES).map(|_| TimerNode::new()).collect();
    let index_of = |p: *const TimerNode| nodes.iter().position(|n| std::ptr::eq(n, p));
    let q = TimerQueue::new();
    let mut model: BTreeMap<usize, u64> = BTreeMap::new();
    for op in ops {
        match *op {
            Op::Schedule(i, at) => {
                // What `schedule` must answer: `true` only if the deadline moved and no
                // other node is earlier; `true` if it moved and every other node is later
                // (equal deadlines: either, by the heap's tie order).
                let moved = model.get(&i).is_none_or(|&old| at < old);
                let others = model
                    .iter()
                    .filter(|&(&j, _)| j != i)
                    .map(|(_, &d)| d)
                    .min();
                // SAFETY: single thread; `nodes` outlives `q`'s use and is not moved.
                let root = unsafe { q.schedule(NonNull::from(&nodes[i]), at) };
                if root {
                    prop_assert!(moved && others.is_none_or(|o| at <= o));
                }
                if moved && others.is_none_or(|o| at < o) {
                    prop_assert!(root);
                }
                let e = model.entry(i).or_insert(at);
                *e = (*e).min(at);
            }
            Op::Remove(i) => {
                // SAFETY: as above.
                unsafe { q.remove(NonNull::from(&nodes[i])) };
                model.remove(&i);
            }
            Op::Pop(now) => {
                // SAFETY: as above.
                let got = unsafe { q.pop_due(now) };
                let min = model.values().copied().min();
                match (got, min) {
                    (None, None) => {}
                    (None, Some(m)) => prop_assert!(m > now, "nothing popped but {m} <= {now}"),
                    (Some(p), Some(m)) => {
                        prop_assert!(m <= now);
                        let i = index_of(p.as_ptr()).expect("popped a node we own");
                        prop_assert_eq!(
                            model.get(&i).copied(),
                            Some(m),
                            "popped a non-minimal node"
                        );
                        // SAFETY: as above.
                        prop_assert_eq!(unsafe { nodes[i].deadline() }, m);
                        model.remove(&i);
                    }
                    (Some(_), None) => prop_assert!(false, "popped from an empty queue"),
                }
            }
        }
        // SAFETY: as above.
        let next = unsafe { q.next_deadline() };
        prop_assert_eq!(next, model.values().copied().min());
        for (i, n) in nodes.iter().enumerate() {
            // SAFETY: as above.
            let queued = unsafe { q.is_queued(NonNull::from(n)) };
            prop_assert_eq!(queued, model.contains_key(&i));
        }
    }
    // Drain: everything comes out in deadline order.
    let mut last = 0;
    // SAFETY: as above.
    while let Some(p) = unsafe { q.pop_due(u64::MAX) } {
        // SAFETY: as above; `p` is one of `nodes`.
        let d = unsafe { p.as_ref().deadline() };
        prop_assert!(d >= last);
        last = d;
        model.remove(&index_of(p.as_ptr()).unwrap());
    }
    prop_assert!(model.is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 6 } else { 512 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn matches_reference_model(ops in prop::collection::vec(op(), 0..if cfg!(miri) { 40 } else { 200 })) {
        check_against_model(&ops)?;
    }
}

/// A tiny deterministic generator (no dependency, Miri-friendly).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn ten_thousand_nodes_pop_in_order() {
    let n = if cfg!(miri) { 300 } else { 10_000 };
    let nodes: Vec<TimerNode> = (0..n).map(|_| TimerNode::new()).collect();
    let q = TimerQueue::new();
    let mut rng = Lcg(7);
    let mut expected: Vec<Option<u64>> = vec![None; n];
    for (i, node) in nodes.iter().enumerate() {
        let at = rng.next() % 1_000_000;
        // SAFETY: single thread; `nodes` is neither moved nor dropped while queued.
        unsafe { q.schedule(NonNull::from(node), at) };
        expected[i] = Some(at);
    }
    // Decrease-key every third node, remove every seventh.
    for (i, node) in nodes.iter().enumerate() {
        if i % 3 == 0 {
            let at = expected[i].unwrap() / 2;
            // SAFETY: as above.
            unsafe { q.schedule(NonNull::from(node), at) };
            expected[i] = Some(at);
        }
        if i % 7 == 0 {
            // SAFETY: as above.
            unsafe { q.remove(NonNull::from(node)) };
            expected[i] = None;
        }
    }
    let mut want: Vec<u64> = expected.iter().flatten().copied().collect();
    want.sort_unstable();
    let mut got = Vec::with_capacity(want.len());
    // Pop in several "now" steps, as an executor would.
    for now in (0..=1_000_000u64).step_by(50_000) {
        // SAFETY: as above.
        while let Some(p) = unsafe { q.pop_due(now) } {
            // SAFETY: `p` is one of `nodes`, just popped.
            let d = unsafe { p.as_ref().deadline() };
            assert!(d <= now, "popped {d} before its time {now}");
            got.push(d);
        }
    }
    assert_eq!(got, want);
    // SAFETY: as above.
    assert_eq!(unsafe { q.next_deadline() }, None);
}

#[test]
fn zeroed_node_is_valid_and_unqueued() {
    // SAFETY: the module documents all-zero bytes as a valid `TimerNode` (null links).
    let a: TimerNode = unsafe { MaybeUninit::zeroed().assume_init() };
    // SAFETY: as above.
    let b: TimerNode = unsafe { MaybeUninit::zeroed().assume_init() };
    let q = TimerQueue::new();
    // SAFETY: single thread; `a`, `b` outlive the queue's use of them.
    unsafe {
        assert!(!q.is_queued(NonNull::from(&a)));
        q.remove(NonNull::from(&a)); // no-op on an unqueued node
        assert_eq!(q.next_deadline(), None);
        q.schedule(NonNull::from(&a), 5);
        q.schedule(NonNull::from(&b), 3);
        assert!(q.is_queued(NonNull::from(&a)) && q.is_queued(NonNull::from(&b)));
        assert_eq!(
            q.pop_due(10).map(|p| p.as_ptr() as *const _),
            Some(&b as *const _)
        );
        assert_eq!(
            q.pop_due(10).map(|p| p.as_ptr() as *const _),
            Some(&a as *const _)
        );
        assert!(!q.is_queued(NonNull::from(&a)) && !q.is_queued(NonNull::from(&b)));
    }
}

#[test]
fn schedule_only_moves_earlier_and_node_is_reusable() {
    let a = TimerNode::new();
    let q = TimerQueue::new();
    // SAFETY: single thread; `a` outlives the queue's use of it.
    unsafe {
        q.schedule(NonNull::from(&a), 100);
        q.schedule(NonNull::from(&a), 200); // later: ignored
        assert_eq!(q.next_deadline(), Some(100));
        q.schedule(NonNull::from(&a), 50); // earlier: decrease-key
        assert_eq!(q.next_deadline(), Some(50));
        assert_eq!(q.pop_due(49), None);
        assert!(q.pop_due(50).is_some());
        // After popping, the node can be scheduled again, for a later time too.
        q.schedule(NonNull::from(&a), 300);
        assert_eq!(q.next_deadline(), Some(300));
        q.remove(NonNull::from(&a));
        assert_eq!(q.next_deadline(), None);
        assert!(!q.is_queued(NonNull::from(&a)));
    }
}

#[test]
fn large_deadlines_keep_all_64_bits() {
    let (a, b) = (TimerNode::new(), TimerNode::new());
    let q = TimerQueue::new();
    // SAFETY: single thread; nodes outlive the queue's use of them.
    unsafe {
        q.schedule(NonNull::from(&a), (1 << 40) + 1);
        q.schedule(NonNull::from(&b), 1 << 40);
        assert_eq!(q.next_deadline(), Some(1 << 40));
        assert_eq!(
            q.pop_due(1 << 40).map(|p| p.as_ref().deadline()),
            Some(1 << 40)
        );
        assert_eq!(q.next_deadline(), Some((1 << 40) + 1));
        q.remove(NonNull::from(&a));
    }
}

/// A task header embeds its node: the popped pointer must lead back to the enclosing
/// struct (container-of) with valid provenance. Miri checks the provenance part.
#[test]
fn popped_node_leads_back_to_its_container() {
    #[repr(C)]
    struct Header {
        id: u32,
        timer: TimerNode,
    }
    let headers: Box<[Header]> = (0..8u32)
        .map(|id| Header {
            id,
            timer: TimerNode::new(),
        })
        .collect();
    let base = headers.as_ptr();
    let q = TimerQueue::new();
    for i in 0..8 {
        // SAFETY: `i` is in bounds; the pointer keeps the whole slice's provenance;
        // `headers` outlives the queue's use of it and is not moved.
        unsafe {
            let node = NonNull::new_unchecked((&raw const (*base.add(i)).timer).cast_mut());
            q.schedule(node, 100 - i as u64);
        }
    }
    let offset = std::mem::offset_of!(Header, timer);
    let mut ids = Vec::new();
    // SAFETY: as above; the popped pointers are the ones scheduled.
    while let Some(p) = unsafe { q.pop_due(u64::MAX) } {
        // SAFETY: `p` points to the `timer` field of a `Header` in `headers`.
        let header = unsafe { &*p.as_ptr().byte_sub(offset).cast::<Header>() };
        ids.push(header.id);
    }
    assert_eq!(ids, vec![7, 6, 5, 4, 3, 2, 1, 0]);
}
