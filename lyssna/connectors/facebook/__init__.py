"""Facebook Pages: a Page's posts, their comments and posts tagging it, through the Graph API."""
