//! `hemisim verify <OUT_DIR> <DEPOSIT_TXID>`: re-check one minted deposit's chain of trust from
//! the run's provenance files and print it, one numbered line per link.
//!
//! Exit codes: 0 every link holds and the deposit's L2 block is superfinal; 1 a link is broken
//! (named); 2 bad input; 3 nothing is wrong but the chain is incomplete (no covering keystone on
//! Bitcoin yet, or not yet superfinal). 1 and 3 reuse the run's "safety" and "liveness" codes:
//! a broken link is a safety failure of the chain, an incomplete one a liveness shortfall. A
//! bundle that another run wrote (its stamp is not the run the folder's manifest names) is bad
//! input, 2, whatever its links.

use super::args::VerifyArgs;
use super::console::{errln, out, outln};
use super::Exit;
use crate::provenance::{self, Verdict};
use bitcoin::Txid;

pub fn run(args: VerifyArgs) -> Exit {
    let txid = match args.deposit_txid.trim().parse::<Txid>() {
        Ok(txid) => txid,
        Err(e) => {
            errln!("error: {:?} is not a txid ({e}); give 64 hex digits, as the `mint` rows of tunnel.csv show them", args.deposit_txid);
            return Exit::BadInput;
        }
    };
    let checked = provenance::load(&args.out_dir, &txid).and_then(|(headers, bundle)| {
        let run = provenance::origin::check(&args.out_dir, &provenance::files::bundle_path(&args.out_dir, &txid), &bundle)?;
        Ok((run, provenance::verify(&headers, &bundle, &txid)?))
    });
    let (run, report) = match checked {
        Ok(checked) => checked,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    outln!("hemisim verify: deposit {txid} in {}", args.out_dir.display());
    if let Some(run) = run {
        outln!("run: seed {}, trace hash {} (the folder's manifest.json; the bundle is this run's)", run.seed, run.trace_hash);
    }
    out!("{report}");
    match report.verdict {
        Verdict::Verified => Exit::Ok,
        Verdict::Incomplete(_) => Exit::Liveness,
        Verdict::Broken { link, reason } => {
            errln!("error: {link}: {reason}");
            Exit::Safety
        }
    }
}
