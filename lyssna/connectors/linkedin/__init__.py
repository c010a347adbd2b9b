"""LinkedIn organization pages: posts and comments through the Community Management API."""
