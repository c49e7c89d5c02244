"""The ACI rules: dated parameter files and their loader, rules in force, tiers, missions,
funding and payment schedule."""
