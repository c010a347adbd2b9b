"""Instagram business and creator accounts: media, comments, tags and hashtags (Graph API)."""
