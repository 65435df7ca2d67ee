"""Tests for the embeddings library."""
