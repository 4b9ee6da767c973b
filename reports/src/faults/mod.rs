//! Faults of peers and links (partitions, crashes, lossy and slow links, skewed clocks): the
//! record of what was injected and how the network converged after it ([`record`]), the
//! `faults` summary object, `faults.csv` and the `faults_timeline` figure.

pub mod csv;
pub mod plots;
pub mod record;
pub mod summary;
