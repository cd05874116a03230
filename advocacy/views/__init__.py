"""Web pages of advocacy: connections, the composer, my shares, the managers' pages."""
