"""Framework-free helpers of the advocacy app."""
