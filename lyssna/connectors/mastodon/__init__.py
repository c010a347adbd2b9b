"""Mastodon (and other Mastodon-API servers): public hashtag timelines and status search."""
