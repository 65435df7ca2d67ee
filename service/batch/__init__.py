"""Batch scoring of every firm × destination pair (in process, or on Ray), and the precomputed top lists it stores."""
