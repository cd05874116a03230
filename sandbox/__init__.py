"""Sandbox: a social network built into Chorus for demos and tests. It stands outside
the tenants, as any real network does: its accounts belong to people, and Chorus's
advocacy app reaches it only over HTTP through `advocacy.providers.sandbox`."""
