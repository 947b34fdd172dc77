"""Encoders at run time: which backend builds one, loading once, model identity, HTTP models."""
