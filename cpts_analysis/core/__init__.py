"""Core helpers every layer uses: errors that name the bad input, French formatting, paths."""
