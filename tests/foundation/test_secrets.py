"""Credentials are encrypted at rest and never rendered back."""

from studio import crypto
from studio.resources.models import Resource


def test_api_key_is_stored_encrypted(db):
    resource = Resource(name="Contoso", endpoint="https://contoso.openai.azure.com")
    resource.set_api_key("sk-very-secret-key-123")
    resource.save()
    stored = Resource.objects.values_list("api_key_encrypted", flat=True).get()
    assert "sk-very-secret-key-123" not in stored
    assert Resource.objects.get().get_api_key() == "sk-very-secret-key-123"


def test_a_changed_encryption_key_gives_a_clear_error(db, settings):
    token = crypto.encrypt("secret")
    settings.STUDIO_ENCRYPTION_KEY = "another key"
    try:
        crypto.decrypt(token)
    except crypto.SecretUnreadable as error:
        assert "STUDIO_ENCRYPTION_KEY changed" in str(error)
    else:
        raise AssertionError("decrypting with the wrong key must fail")


def test_the_deployments_page_never_shows_the_key(client_as, admin_user):
    resource = Resource(name="Contoso", endpoint="https://contoso.openai.azure.com")
    resource.set_api_key("sk-very-secret-key-123")
    resource.save()
    body = client_as(admin_user).get("/deployments/").content.decode()
    assert "Contoso" in body and "API key ending in …-123" in body
    assert "sk-very-secret-key-123" not in body and resource.api_key_encrypted not in body
