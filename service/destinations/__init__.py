"""Places a firm can move to or cooperate with: industrial parks first, then workshops, agricultural bases and more."""
