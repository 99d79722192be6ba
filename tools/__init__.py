"""Repository tools (run as scripts; importable by the tests)."""
