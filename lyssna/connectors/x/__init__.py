"""X (formerly Twitter): recent search through the X API v2 with an app's bearer token."""
