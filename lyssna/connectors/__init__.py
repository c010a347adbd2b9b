"""Connectors: fetch raw items from platforms and map them to Lyssna's import record format.

- base.py      the Connector interface, typed records, the error tree, secrets
- http.py      the shared HTTP client: timeouts, retries, rate limits, pagination, cursors
- registry.py  the kinds of connector
- runner.py    polling sources on their schedules: health, backoff, isolation, cursors
- manage.py    what the CLI (and later the API) does with sources: add, list, test, remove
- rss/ mastodon/ hackernews/ bluesky/ reddit/ youtube/ x/ facebook/ instagram/ linkedin/
               one package per platform: config, client, mapping (and sender where it sends);
               facebook/graph.py is the Graph API both Meta connectors share
"""
