"""Second factors' secrets encrypted at rest (TOTP secret, recovery codes' seed and old codes)."""

from django.db import migrations


def _convert(apps, function):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]):
        data = dict(authenticator.data or {})
        for key in ("secret", "seed"):
            if isinstance(data.get(key), str):
                data[key] = function(data[key])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [function(code) for code in data["migrated_codes"]]
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def encrypt(apps, schema_editor):
    from accounts.adapters import encrypt_secret, mfa_fernet

    fernet = mfa_fernet()
    _convert(apps, lambda text: encrypt_secret(text, fernet))


def decrypt(apps, schema_editor):
    from accounts.adapters import decrypt_secret, mfa_fernet

    fernet = mfa_fernet()
    _convert(apps, lambda text: decrypt_secret(text, fernet))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_invitation"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt, decrypt)]
