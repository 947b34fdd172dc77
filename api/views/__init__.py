"""API views: thin; the work is in services and selectors of items, embeddings, search."""
