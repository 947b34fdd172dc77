"""Bilingual demo content: specs, image renderers and the loader behind `load_demo`."""
