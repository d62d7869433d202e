//! Prometheus metrics. What the process counts as it works (requests,
//! transitions, timers fired) lives in one process-wide registry, as a
//! metrics facade would keep it: the web layer, the engine's callers and
//! the timer worker count without being handed anything. What the database
//! holds (timers due, e-mails waiting or dead) is read when `/metrics` is
//! scraped and passed to [`render`].

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::OnceLock;

pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's template (`/api/v1/dossiers/{id}`), never the path
    /// itself: one series per route, whatever the ids.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransitionLabels {
    workflow: String,
    machine: String,
    event: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Clone)]
struct Buckets(fn() -> std::vec::IntoIter<f64>);

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new((self.0)())
    }
}

/// 1 ms to about 16 s.
fn latency_buckets() -> std::vec::IntoIter<f64> {
    exponential_buckets(0.001, 2.0, 15).collect::<Vec<_>>().into_iter()
}

/// 10 ms to about 3 days: a timer fires late by the worker's poll at
/// worst while the server runs, by the downtime when it was stopped.
fn lag_buckets() -> std::vec::IntoIter<f64> {
    exponential_buckets(0.01, 4.0, 14).collect::<Vec<_>>().into_iter()
}

struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, Buckets>,
    transitions: Family<TransitionLabels, Counter>,
    timers_fired: Family<OutcomeLabels, Counter>,
    timer_lag: Histogram,
    timers_pending: Gauge,
    timers_due: Gauge,
    outbox: Family<StateLabels, Gauge>,
    webhook_attempts: Family<OutcomeLabels, Counter>,
    retention: Family<OutcomeLabels, Counter>,
    webhook_latency: Histogram,
    webhook_deliveries: Family<StateLabels, Gauge>,
    connections: Family<StateLabels, Gauge>,
    connections_max: Gauge,
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let mut registry = Registry::with_prefix("labelflow");
        let mut m = Metrics {
            registry: Registry::default(),
            requests: Family::default(),
            latency: Family::new_with_constructor(Buckets(latency_buckets)),
            transitions: Family::default(),
            timers_fired: Family::default(),
            timer_lag: Histogram::new(lag_buckets()),
            timers_pending: Gauge::default(),
            timers_due: Gauge::default(),
            outbox: Family::default(),
            webhook_attempts: Family::default(),
            retention: Family::default(),
            webhook_latency: Histogram::new(latency_buckets()),
            webhook_deliveries: Family::default(),
            connections: Family::default(),
            connections_max: Gauge::default(),
        };
        registry.register("http_requests", "HTTP requests answered, by route and status", m.requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer, by route",
            m.latency.clone(),
        );
        registry.register(
            "transitions",
            "Transitions committed, by workflow, machine and event",
            m.transitions.clone(),
        );
        registry.register(
            "timers_fired",
            "Due timers handled: fired, or refused by an instance that had moved on",
            m.timers_fired.clone(),
        );
        registry.register("timer_lag_seconds", "Time from a timer's due instant to its firing", m.timer_lag.clone());
        registry.register("timers_pending", "Timers waiting for their instant", m.timers_pending.clone());
        registry.register("timers_due", "Pending timers whose instant has passed", m.timers_due.clone());
        registry.register(
            "outbox_messages",
            "E-mails by state: pending (to send), held (in a digest), dead (gave up)",
            m.outbox.clone(),
        );
        registry.register(
            "retention",
            "Instances past their workflow's retention: warned (owners told) or erased (personal data)",
            m.retention.clone(),
        );
        registry.register(
            "webhook_attempts",
            "Webhook posts: delivered (2xx), failed (to retry) or dead (gave up)",
            m.webhook_attempts.clone(),
        );
        registry.register(
            "webhook_duration_seconds",
            "Time a receiver took to answer a webhook post",
            m.webhook_latency.clone(),
        );
        registry.register(
            "webhook_deliveries",
            "Webhook deliveries by state: pending (to post or retry), dead (gave up)",
            m.webhook_deliveries.clone(),
        );
        registry.register("db_connections", "Database pool connections, in use or idle", m.connections.clone());
        registry.register("db_connections_max", "The database pool's size limit", m.connections_max.clone());
        m.registry = registry;
        m
    })
}

/// Counts an answered request and its time.
pub fn request(method: &str, route: &str, status: u16, seconds: f64) {
    let m = metrics();
    m.requests.get_or_create(&RequestLabels { method: method.into(), route: route.into(), status }).inc();
    m.latency.get_or_create(&RouteLabels { method: method.into(), route: route.into() }).observe(seconds);
}

/// Counts a committed transition.
pub fn transition(workflow: &str, machine: &str, event: &str) {
    metrics()
        .transitions
        .get_or_create(&TransitionLabels { workflow: workflow.into(), machine: machine.into(), event: event.into() })
        .inc();
}

/// Counts a handled timer (`fired` or `refused`) and how late it was.
pub fn timer(outcome: &str, lag_seconds: f64) {
    let m = metrics();
    m.timers_fired.get_or_create(&OutcomeLabels { outcome: outcome.into() }).inc();
    m.timer_lag.observe(lag_seconds.max(0.0));
}

/// Counts an instance warned of, or gone through, its erasure.
pub fn retention(outcome: &str) {
    metrics().retention.get_or_create(&OutcomeLabels { outcome: outcome.into() }).inc();
}

/// Counts a webhook post (`delivered`, `failed` or `dead`) and how long
/// its receiver took.
pub fn webhook(outcome: &str, seconds: f64) {
    let m = metrics();
    m.webhook_attempts.get_or_create(&OutcomeLabels { outcome: outcome.into() }).inc();
    m.webhook_latency.observe(seconds);
}

/// What the database and its pool hold when scraped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub timers_pending: i64,
    pub timers_due: i64,
    /// E-mails by outbox state (pending, held, dead).
    pub outbox: Vec<(String, i64)>,
    /// Webhook deliveries by state (pending, dead).
    pub webhook_deliveries: Vec<(String, i64)>,
    pub connections_in_use: i64,
    pub connections_idle: i64,
    pub connections_max: i64,
}

/// Every metric in Prometheus' text format.
pub fn render(snapshot: &Snapshot) -> String {
    let m = metrics();
    m.timers_pending.set(snapshot.timers_pending);
    m.timers_due.set(snapshot.timers_due);
    for (state, n) in &snapshot.outbox {
        m.outbox.get_or_create(&StateLabels { state: state.clone() }).set(*n);
    }
    for (state, n) in &snapshot.webhook_deliveries {
        m.webhook_deliveries.get_or_create(&StateLabels { state: state.clone() }).set(*n);
    }
    m.connections.get_or_create(&StateLabels { state: "in_use".into() }).set(snapshot.connections_in_use);
    m.connections.get_or_create(&StateLabels { state: "idle".into() }).set(snapshot.connections_idle);
    m.connections_max.set(snapshot.connections_max);
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &m.registry);
    text
}
