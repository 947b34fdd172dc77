"""Encoders: one module per backend, all behind the `Encoder` interface in `base`."""
