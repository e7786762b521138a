"""The tamper-evident audit log: every change, login and reveal, hash-chained."""
