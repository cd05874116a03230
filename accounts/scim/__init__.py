"""SCIM 2.0 service provider (RFC 7643 and RFC 7644) at /scim/v2/: an organisation's
identity provider creates, updates and deactivates members and their groups.

The package is the protocol: bearer-token authentication (`auth`), the filter
language (`filters`), PATCH operations (`patch`), the JSON representations
(`serializers`), discovery documents (`schemas`) and thin views. Every change goes
through `accounts.services.scim`. See docs/scim.md.
"""
