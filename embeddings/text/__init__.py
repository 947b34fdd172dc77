"""Text analysis (Korean morphemes, shared with search), item text and the full-text index."""
