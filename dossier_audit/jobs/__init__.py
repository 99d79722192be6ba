"""Jobs: what a command does, composed from the platform's parts (files, the warehouse, the main job)."""
