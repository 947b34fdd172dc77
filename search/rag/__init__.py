"""Retrieval-augmented generation: passages of the hybrid search's top items, a cited
prompt, and answers from an OpenAI-compatible chat endpoint (docs/rag.md)."""
