"""Search evaluation: judged query sets, metrics, a BM25 reference line, runs and reports."""
