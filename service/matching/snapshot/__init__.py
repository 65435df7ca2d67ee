"""The read-only snapshot ranking works on: firms and destinations as profiles and aligned arrays."""
