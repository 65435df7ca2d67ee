"""One module per screen; each holds its own router, assembled by service.ui.router."""
