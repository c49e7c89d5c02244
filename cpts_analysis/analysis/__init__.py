"""What the reports compute: comparison of a territory, CPTS profile, scenarios."""
