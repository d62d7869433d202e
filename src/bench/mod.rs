//! Benchmarks that measure labelflow against a baseline in the same run,
//! on the same database, alternating the two sides in rounds so that a
//! noisy machine slows both alike. Each prints `ratio R` last.

pub mod dataset;
pub mod http;
pub mod mail;
pub mod scratch;
pub mod timers;
pub mod transitions;

use std::time::Duration;

/// Latency percentiles and throughput of one side of a benchmark.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
}

impl Sample {
    pub fn merge(&mut self, other: Sample) {
        self.latencies.extend(other.latencies);
        self.elapsed += other.elapsed;
    }

    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
        sorted[rank.min(sorted.len() - 1)]
    }

    pub fn line(&self, name: &str) -> String {
        format!(
            "{name:<10} {:>7} in {:>6.2} s = {:>9.1}/s  p50 {:>7.2} ms  p99 {:>7.2} ms",
            self.latencies.len(),
            self.elapsed.as_secs_f64(),
            self.per_second(),
            self.percentile(50.0).as_secs_f64() * 1e3,
            self.percentile(99.0).as_secs_f64() * 1e3
        )
    }
}
