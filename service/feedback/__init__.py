"""Outcomes of suggested firm–park pairs and the pipeline built from them."""
