from django.apps import AppConfig


class AdvocacyConfig(AppConfig):
    name = "advocacy"

    def ready(self) -> None:
        # `rotate_token_keys` re-encrypts every column registered here.
        from accounts.services.secrets import register_encrypted_column

        register_encrypted_column("advocacy.SocialConnection", "access_token_encrypted")
        register_encrypted_column("advocacy.SocialConnection", "refresh_token_encrypted")
        register_encrypted_column("advocacy.ProviderApp", "client_secret_encrypted")
