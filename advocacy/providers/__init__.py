"""Social-network adapters: plain Python and HTTP, no Django (configuration is passed in)."""
