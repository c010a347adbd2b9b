"""Reddit: sitewide post search and a subreddit's newest comments, through the OAuth API."""
