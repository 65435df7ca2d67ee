"""Explanations: graph-path evidence and the factor table, helps/drags and reason text of a pair."""
