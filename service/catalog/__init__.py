"""Reference catalog: industries, resources, counties, towns, pairings and place costs."""
