"""Framework-free helpers of the content app: plain Python (and `requests`), no Django
imports, configuration passed in, so each can be tested and reused on its own."""
