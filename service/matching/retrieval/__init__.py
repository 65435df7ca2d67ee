"""Retrieval: vectors, lexical channels and the faiss index; candidates for a destination; prospects."""
