//! Prometheus registries: one per service instance (tests run several services in one process,
//! so nothing is registered globally), rendered in the text format at `/metrics`.

use prometheus::core::Collector;
use prometheus::{Encoder, Registry, TextEncoder};

/// The `Content-Type` of [`render`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// A registry whose metric names all start with `prefix_` (e.g. `edgerun_scheduler`).
pub fn registry(prefix: &str) -> Registry {
    // A prefix is a fixed identifier chosen in code; an invalid one is a programming error.
    Registry::new_custom(Some(prefix.to_string()), None).expect("a metric prefix is [a-zA-Z_:][a-zA-Z0-9_:]*")
}

/// Registers each collector once.
pub fn register(registry: &Registry, collectors: impl IntoIterator<Item = Box<dyn Collector>>) {
    for collector in collectors {
        // Registering the same metric twice is a programming error in the service's setup.
        registry.register(collector).expect("each metric is registered once");
    }
}

/// The registry's metrics in the Prometheus text format.
pub fn render(registry: &Registry) -> String {
    let mut buffer = Vec::new();
    if let Err(error) = TextEncoder::new().encode(&registry.gather(), &mut buffer) {
        tracing::error!(%error, "cannot render the metrics");
    }
    String::from_utf8(buffer).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use prometheus::{IntCounter, Opts};

    use super::*;

    #[test]
    fn rendered_with_the_prefix() {
        let registry = registry("edgerun_test");
        let counter = IntCounter::with_opts(Opts::new("things_total", "Things")).unwrap();
        register(&registry, [Box::new(counter.clone()) as Box<dyn Collector>]);
        counter.inc_by(3);
        assert!(render(&registry).contains("edgerun_test_things_total 3"));
    }
}
