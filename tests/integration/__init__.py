"""Real processes: extranet, Mailpit, browsers, Prometheus, Dovecot..."""
