"""Integration tests share one real stack per test process (xdist worker)."""
