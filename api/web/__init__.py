"""The web console for inspection staff (server-rendered, in Chinese)."""
