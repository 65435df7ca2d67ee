"""Negotiation briefs (洽谈简报) for a firm–park pair, as Word, PDF and Markdown."""
