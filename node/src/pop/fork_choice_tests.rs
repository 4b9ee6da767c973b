//! The PoP fork choice: VeriBlock's own fork-resolution vectors at VeriBlock's parameters
//! (docs/protocol.md §8 names five; the rest of VeriBlock's suite follows them), then Hemi's
//! values: the payout-curve table, ties, the finality delay, forks without publications or
//! keystones, the one previous-keystone link, and symmetry on random forks.

use super::*;
use crate::rng::Stream;

/// VeriBlock's regtest values, at which its test vectors are written.
fn veriblock() -> ForkChoiceParams {
    ForkChoiceParams {
        keystone_interval_blocks: NonZeroU32::new(20).expect("20 is not zero"),
        finality_delay_blocks: 11,
        score_table: vec![100, 100, 95, 89, 80, 69, 56, 40, 21],
    }
}

/// `(keystone, first publication height)` pairs, as VeriBlock writes its vectors.
type Pairs = &'static [(u64, u32)];

/// A view of `(keystone, first publication height)` pairs.
fn view(pairs: &[(u64, u32)]) -> PublicationView {
    PublicationView::new(
        pairs.iter().map(|&(k, h)| KeystoneContext { l2_number: L2Number(k), endorsed_at: Some(BtcHeight(h)) }),
    )
}

/// Compares `a` with `b`, checks that swapping them reverses the result, and returns it.
fn compare(params: &ForkChoiceParams, a: &PublicationView, b: &PublicationView) -> ForkComparison {
    let result = compare_views(params, a, b);
    assert_eq!(compare_views(params, b, a), result.reversed(), "swapping the forks reverses the result");
    result
}

fn winner(params: &ForkChoiceParams, a: &PublicationView, b: &PublicationView) -> ForkWinner {
    compare(params, a, b).winner
}

const VERIBLOCK_A: [(u64, u32); 7] =
    [(10000, 1), (10020, 1), (10040, 2), (10060, 3), (10080, 3), (10100, 4), (10120, 5)];

/// `VERIBLOCK_A` with the last keystone published at `last` instead.
fn veriblock_a_with_last(last: u32) -> PublicationView {
    let mut pairs = VERIBLOCK_A;
    pairs[6].1 = last;
    view(&pairs)
}

#[test]
fn vector_equal_when_the_last_keystone_is_one_block_later() {
    let result = compare(&veriblock(), &view(&VERIBLOCK_A), &veriblock_a_with_last(6));
    assert_eq!(result.winner, ForkWinner::Tie, "table[0] = table[1] = 100: {result:?}");
    assert_eq!((result.score_a, result.score_b), (700, 700));
}

#[test]
fn vector_equal_when_b_is_one_block_later_on_every_keystone() {
    let later: Vec<(u64, u32)> = VERIBLOCK_A.iter().map(|&(k, h)| (k, h + 1)).collect();
    assert_eq!(winner(&veriblock(), &view(&VERIBLOCK_A), &view(&later)), ForkWinner::Tie);
}

#[test]
fn vector_a_wins_when_b_publishes_its_last_keystone_two_blocks_later() {
    let result = compare(&veriblock(), &view(&VERIBLOCK_A), &veriblock_a_with_last(7));
    assert_eq!(result.winner, ForkWinner::A);
    assert_eq!((result.score_a, result.score_b), (700, 695), "100 against 95 on the last keystone");
}

#[test]
fn vector_a_wins_when_b_lacks_its_last_publication() {
    // B is two blocks earlier on every keystone, but has no publication for the last one.
    let a: Vec<(u64, u32)> = (0..10).map(|i| (2000 + 20 * i, 3 + i as u32)).collect();
    let b: Vec<(u64, u32)> = (0..9).map(|i| (2000 + 20 * i, 1 + i as u32)).collect();
    // As VeriBlock writes it (B's last keystone absent from its view) ...
    assert_eq!(winner(&veriblock(), &view(&a), &view(&b)), ForkWinner::A);
    // ... and as a Hemi fork has it (the keystone exists, unpublished): 955 against 900 either way.
    let unpublished = PublicationView::new(
        b.iter()
            .map(|&(k, h)| KeystoneContext { l2_number: L2Number(k), endorsed_at: Some(BtcHeight(h)) })
            .chain([KeystoneContext { l2_number: L2Number(2180), endorsed_at: None }]),
    );
    let result = compare(&veriblock(), &view(&a), &unpublished);
    assert_eq!((result.winner, result.score_a, result.score_b), (ForkWinner::A, 955, 900));
}

#[test]
fn vector_b_wins_when_a_publication_gap_exceeds_the_delay() {
    // A's keystone 60 comes 12 blocks after its keystone 40 (> 11): A drops out there.
    let a = view(&[(20, 98), (40, 100), (60, 112)]);
    let b = view(&[(20, 98), (40, 102), (60, 112)]);
    let result = compare(&veriblock(), &a, &b);
    assert_eq!((result.winner, result.score_a, result.score_b), (ForkWinner::B, 200, 295));
}

/// Ten keystones, each published one Bitcoin block after the previous one.
const TEN_IN_STEP: [(u64, u32); 10] =
    [(2000, 1), (2020, 2), (2040, 3), (2060, 4), (2080, 5), (2100, 6), (2120, 7), (2140, 8), (2160, 9), (2180, 10)];

/// The rest of VeriBlock's suite (`fork_resolution_test.cpp`): gaps in the keystones, chops.
#[test]
fn veriblock_suite_equal_cases() {
    let cases: [(Pairs, Pairs); 5] = [
        (&[(10000, 100)], &[(10000, 100)]),
        (
            &[(10000, 1), (10020, 3), (10040, 2), (10060, 3), (10080, 3), (10100, 4), (10120, 5)],
            &[(10000, 1), (10020, 1), (10040, 4), (10060, 3), (10080, 3), (10100, 4), (10120, 5)],
        ),
        (
            &[(10000, 1), (10020, 2), (10040, 3), (10060, 3), (10080, 5), (10100, 7), (10120, 5)],
            &[(10000, 1), (10020, 2), (10040, 3), (10060, 6), (10080, 3), (10100, 4), (10120, 7)],
        ),
        (&TEN_IN_STEP, &TEN_IN_STEP),
        // Both have a gap at 60 and 80, which hides the delay violation across it.
        (&[(20, 98), (40, 100), (100, 120), (120, 122)], &[(20, 98), (40, 100), (100, 121), (120, 121)]),
    ];
    for (i, (a, b)) in cases.iter().enumerate() {
        assert_eq!(winner(&veriblock(), &view(a), &view(b)), ForkWinner::Tie, "case {i}");
    }
}

#[test]
fn veriblock_suite_a_wins_cases() {
    let cases: [(Pairs, Pairs); 9] = [
        (
            &[(10000, 1), (10020, 2), (10040, 3), (10060, 3), (10080, 5), (10100, 7), (10120, 5)],
            &[(10000, 1), (10020, 2), (10040, 3), (10060, 7), (10080, 3), (10100, 4), (10120, 7)],
        ),
        (
            &[(10000, 1), (10020, 2), (10040, 3), (10060, 3), (10080, 7), (10100, 8), (10120, 6)],
            &[(10000, 1), (10020, 4), (10040, 7), (10060, 3), (10080, 4), (10100, 5), (10120, 6)],
        ),
        (
            &[(20, 98), (40, 102), (60, 112), (80, 117), (100, 129)],
            &[(20, 98), (40, 100), (60, 112), (80, 117), (100, 129)],
        ),
        (&[(20, 98), (40, 100), (60, 103), (80, 111)], &[(20, 98), (40, 100), (60, 102), (80, 114)]),
        (&[(20, 98), (40, 100), (80, 110), (100, 111), (120, 112)], &[(20, 98), (40, 100), (100, 101), (120, 102)]),
        (&[(20, 98), (40, 100), (100, 111), (120, 112)], &[(20, 98), (40, 112), (100, 101), (120, 102)]),
        (
            &[(20, 98), (40, 100), (100, 111), (120, 117), (140, 120), (180, 124)],
            &[(20, 98), (40, 100), (100, 111), (120, 112), (180, 119)],
        ),
        (
            &[(20, 98), (40, 100), (100, 111), (120, 112), (180, 119)],
            &[(20, 107), (40, 110), (100, 116), (120, 120), (140, 122), (180, 124)],
        ),
        (
            &[(20, 107), (40, 110), (100, 116), (120, 120), (140, 122), (180, 124), (200, 129), (220, 129), (240, 130)],
            &[(20, 98), (40, 100), (100, 111), (120, 112), (180, 119), (200, 125), (220, 126), (240, 128)],
        ),
    ];
    for (i, (a, b)) in cases.iter().enumerate() {
        assert_eq!(winner(&veriblock(), &view(a), &view(b)), ForkWinner::A, "case {i}");
    }
}

#[test]
fn hemis_values_are_the_payout_curve_keystone_interval_and_superfinality_depth() {
    let params = ForkChoiceParams::hemi();
    assert_eq!(params.score_table, [100000, 100000, 25000, 11111, 6250, 4000, 2778, 2041, 1563]);
    assert_eq!(params.score(Some(9)), 0, "nothing from 9 blocks on");
    assert_eq!(params.keystone_interval_blocks.get(), 25);
    assert_eq!(params.finality_delay_blocks, 10);
}

fn published(k: u64, height: u32) -> KeystoneRecord {
    KeystoneRecord { l2_number: L2Number(k), first_publication: Some(BtcHeight(height)) }
}

fn unpublished(k: u64) -> KeystoneRecord {
    KeystoneRecord { l2_number: L2Number(k), first_publication: None }
}

fn fork(tip: u64, keystones: &[KeystoneRecord]) -> ForkRecord {
    ForkRecord { tip: L2Number(tip), keystones: keystones.to_vec() }
}

/// Compares Hemi forks from fork point 10 (keystones 25, 50, ...), checking the reversal.
fn hemi_compare(params: &ForkChoiceParams, a: &ForkRecord, b: &ForkRecord) -> ForkComparison {
    let result = compare_forks(params, L2Number(10), a, b);
    assert_eq!(compare_forks(params, L2Number(10), b, a), result.reversed());
    result
}

#[test]
fn hemi_one_block_later_ties_and_two_blocks_later_loses() {
    let hemi = ForkChoiceParams::hemi();
    let a = fork(60, &[published(25, 100), published(50, 102)]);
    let same = hemi_compare(&hemi, &a, &a.clone());
    assert_eq!((same.winner, same.decided_by), (ForkWinner::Tie, DecidedBy::PopScore));
    let one_later = fork(60, &[published(25, 101), published(50, 103)]);
    assert_eq!(hemi_compare(&hemi, &a, &one_later).winner, ForkWinner::Tie, "the first two blocks score alike");
    let two_later = fork(60, &[published(25, 100), published(50, 104)]);
    let result = hemi_compare(&hemi, &a, &two_later);
    assert_eq!((result.winner, result.score_a, result.score_b), (ForkWinner::A, 200_000, 125_000));
}

#[test]
fn a_gap_beyond_the_finality_delay_drops_a_fork_out() {
    // A's keystone 50 is endorsed 11 blocks after its keystone 25 (> 10), B's 10 after (= 10).
    let a = fork(60, &[published(25, 100), published(50, 111)]);
    let b = fork(60, &[published(25, 100), published(50, 110)]);
    let hemi = ForkChoiceParams::hemi();
    let result = hemi_compare(&hemi, &a, &b);
    assert_eq!((result.winner, result.score_a, result.score_b), (ForkWinner::B, 100_000, 200_000));
    // With the whitepaper's 9 both drop out at keystone 50: a tie; with 11 neither does, and
    // one block apart scores alike: a tie too.
    for delay in [9, 11] {
        let params = ForkChoiceParams { finality_delay_blocks: delay, ..ForkChoiceParams::hemi() };
        assert_eq!(hemi_compare(&params, &a, &b).winner, ForkWinner::Tie, "delay {delay}");
    }
}

#[test]
fn a_fork_published_beyond_the_delay_after_the_other_drops_out() {
    // B's keystone 25 lands 11 blocks after A's: it scores 0 and B is outside from then on.
    let a = fork(60, &[published(25, 100), published(50, 109)]);
    let b = fork(60, &[published(25, 111), published(50, 113)]);
    let result = hemi_compare(&ForkChoiceParams::hemi(), &a, &b);
    assert_eq!((result.winner, result.score_a, result.score_b), (ForkWinner::A, 200_000, 0));
    // Exactly the delay after: B stays in, scores 0 on keystone 25, then the top of the table
    // on keystone 50 (one block after A's).
    let b = fork(60, &[published(25, 110), published(50, 110)]);
    let result = hemi_compare(&ForkChoiceParams::hemi(), &a, &b);
    assert_eq!((result.winner, result.score_a, result.score_b), (ForkWinner::A, 200_000, 100_000));
}

#[test]
fn forks_without_publications_tie_and_any_publication_beats_none() {
    let hemi = ForkChoiceParams::hemi();
    let bare = fork(60, &[unpublished(25), unpublished(50)]);
    let result = hemi_compare(&hemi, &bare, &bare.clone());
    assert_eq!((result.winner, result.decided_by), (ForkWinner::Tie, DecidedBy::PopScore));
    // A single publication, even late, beats none: the unpublished fork drops out.
    let late = fork(60, &[unpublished(25), published(50, 500)]);
    assert_eq!(hemi_compare(&hemi, &late, &bare).winner, ForkWinner::A);
}

#[test]
fn forks_without_keystones_tie_and_a_fork_with_keystones_beats_one_without() {
    let hemi = ForkChoiceParams::hemi();
    // From fork point 10 the first keystone is 25: tips 20 and 24 cross no keystone boundary.
    let short = fork(20, &[]);
    let result = hemi_compare(&hemi, &short, &fork(24, &[]));
    assert_eq!((result.winner, result.decided_by), (ForkWinner::Tie, DecidedBy::NoKeystones));
    // As in VeriBlock: having a keystone wins, even unpublished.
    let result = hemi_compare(&hemi, &short, &fork(30, &[unpublished(25)]));
    assert_eq!((result.winner, result.decided_by), (ForkWinner::B, DecidedBy::KeystonesOnOneSide));
}

#[test]
fn a_publication_also_endorses_the_keystone_just_below_it_and_no_further() {
    let hemi = ForkChoiceParams::hemi();
    let context = |k, endorsed_at: Option<u32>| KeystoneContext {
        l2_number: L2Number(k),
        endorsed_at: endorsed_at.map(BtcHeight),
    };
    // Keystone 50's publication (it carries keystone 25's hash) endorses 25 too; 75's does not
    // reach 25 (no second link), and the earlier of two publications counts.
    let a = fork(80, &[unpublished(25), published(50, 105), published(75, 103)]);
    assert_eq!(
        a.view(L2Number(10), &hemi),
        PublicationView::new([context(25, Some(105)), context(50, Some(103)), context(75, Some(103))])
    );
    let chained = fork(80, &[unpublished(25), unpublished(50), published(75, 103)]);
    assert_eq!(
        chained.view(L2Number(10), &hemi),
        PublicationView::new([context(25, None), context(50, Some(103)), context(75, Some(103))])
    );
    // A successor above the tip is not part of the fork.
    let below_tip = fork(49, &[unpublished(25), published(50, 105)]);
    assert_eq!(below_tip.view(L2Number(10), &hemi), PublicationView::new([context(25, None)]));
    // So a fork whose keystone 25 is only covered by keystone 50 holds against one that
    // published 25 a block earlier but 50 five blocks later.
    let b = fork(60, &[published(25, 104), published(50, 110)]);
    let a = fork(60, &[unpublished(25), published(50, 105)]);
    let result = hemi_compare(&hemi, &a, &b);
    assert_eq!((result.winner, result.score_a, result.score_b), (ForkWinner::A, 200_000, 100_000 + 4_000));
}

/// A random fork from fork point 10: up to 8 keystones, each published (near a drifting height)
/// or not, some left out of the record (gaps).
fn random_fork(rng: &mut Stream) -> ForkRecord {
    let count = rng.below_inclusive(8);
    let mut height = 100 + rng.below_inclusive(5) as u32;
    let mut keystones = Vec::new();
    for i in 1..=count {
        height += rng.below_inclusive(12) as u32;
        match rng.below_inclusive(9) {
            0 => {}
            1 | 2 => keystones.push(unpublished(25 * i)),
            _ => keystones.push(published(25 * i, height)),
        }
    }
    fork(10 + 25 * count + rng.below_inclusive(24), &keystones)
}

#[test]
fn swapping_random_forks_reverses_every_comparison() {
    let mut rng = Stream::derive(14, "fork-choice-symmetry");
    let hemi = ForkChoiceParams::hemi();
    let mut seen = [0u32; 3];
    for _ in 0..5_000 {
        let (a, b) = (random_fork(&mut rng), random_fork(&mut rng));
        let result = hemi_compare(&hemi, &a, &b);
        seen[result.winner as usize] += 1;
        assert_eq!(compare_forks(&hemi, L2Number(10), &a, &a).winner, ForkWinner::Tie, "a fork ties with itself");
    }
    assert!(seen.iter().all(|&n| n >= 100), "every outcome is exercised: {seen:?}");
}
