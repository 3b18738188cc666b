"""Real servers started as plain processes for the integration tests (no Docker)."""
