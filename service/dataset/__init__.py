"""The starter dataset in data/: reading, checking, synthetic firms and loading into the database."""
