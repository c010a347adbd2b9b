"""YouTube: video search and comment threads through the YouTube Data API v3."""
