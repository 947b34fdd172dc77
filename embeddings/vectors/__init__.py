"""Vectors: space lifecycle, per-space HNSW indexes, checks and nearest-neighbour queries."""
