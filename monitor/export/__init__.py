"""What the monitor exports: the metric catalogue, /metrics, the Pushgateway."""
