"""Territories: INSEE communes, the CPTS registry, populations, coverage and deployment."""
