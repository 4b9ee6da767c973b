//! `hemisim verify <OUT_DIR> <DEPOSIT_TXID>`: re-check one minted deposit's chain of trust from
//! the run's provenance files and print it, one numbered line per link.
//!
//! Exit codes: 0 every link holds and the deposit's L2 block is superfinal; 1 a link is broken
//! (named); 2 bad input; 3 nothing is wrong but the chain is incomplete (no covering keystone on
//! Bitcoin yet, or not yet superfinal). 1 and 3 reuse the run's "safety" and "liveness" codes:
//! a broken link is a safety failure of the chain, an incomplete one a liveness shortfall.

use super::args::VerifyArgs;
use super::Exit;
use crate::provenance::{self, Verdict};
use bitcoin::Txid;

pub fn run(args: VerifyArgs) -> Exit {
    let txid = match args.deposit_txid.trim().parse::<Txid>() {
        Ok(txid) => txid,
        Err(e) => {
            eprintln!("error: {:?} is not a txid ({e}); give 64 hex digits, as the `mint` rows of tunnel.csv show them", args.deposit_txid);
            return Exit::BadInput;
        }
    };
    let report = provenance::load(&args.out_dir, &txid).and_then(|(headers, bundle)| provenance::verify(&headers, &bundle, &txid));
    let report = match report {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::BadInput;
        }
    };
    println!("hemisim verify: deposit {txid} in {}", args.out_dir.display());
    print!("{report}");
    match report.verdict {
        Verdict::Verified => Exit::Ok,
        Verdict::Incomplete(_) => Exit::Liveness,
        Verdict::Broken { link, reason } => {
            eprintln!("error: {link}: {reason}");
            Exit::Safety
        }
    }
}
