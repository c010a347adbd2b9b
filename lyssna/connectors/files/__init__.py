"""Files as a source: exports from other tools (JSON Lines, CSV) read as they grow."""
