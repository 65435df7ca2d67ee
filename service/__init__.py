"""ParkMatch service: storage, domain packages, HTTP API, web UI and CLI."""
