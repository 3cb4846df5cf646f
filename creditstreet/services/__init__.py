"""Use cases: flush, never commit; the acting user is passed in explicitly (STYLE)."""
