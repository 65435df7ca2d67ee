"""API keys, roles and the guard that checks them."""
