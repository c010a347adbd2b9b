"""Hacker News, through the Algolia search API: stories and comments that mention you."""
