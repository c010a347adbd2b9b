"""Bluesky: post search through the AT Protocol's app.bsky.feed.searchPosts."""
