"""Every API token gets an expiry and the stamp of its holder's password.

Tokens issued before this migration expire ``API_TOKEN_DAYS`` after they were issued (a
token older than that stops at once and is issued again from the page), and carry the
stamp of the password their holder has now."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.utils.crypto import salted_hmac


def backfill(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    lifetime = timedelta(days=min(settings.API_TOKEN_DAYS, settings.API_TOKEN_MAX_DAYS))
    for token in ApiToken.objects.select_related("person__user").iterator():
        token.expires_at = token.created_at + lifetime
        # The same HMAC as api.services.password_stamp (historical models have no methods).
        token.password_stamp = salted_hmac("gongwen.api.ApiToken.password_stamp", token.person.user.password,
                                           algorithm="sha256").hexdigest()
        token.save(update_fields=["expires_at", "password_stamp"])


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0001_initial"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="到期时间"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="password_stamp",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="口令印记",
                                   help_text="签发时账号口令摘要的 HMAC：密码一经修改或重置，此前签发的令牌即失效。"),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="到期时间"),
        ),
    ]
