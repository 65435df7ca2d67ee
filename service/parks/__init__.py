"""Liupanshui industrial parks and zones."""
