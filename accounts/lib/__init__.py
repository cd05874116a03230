"""Framework-free helpers owned by accounts."""
