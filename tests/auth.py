"""Signing test accounts in as the 等保 controls require (org/security.py, web/security.py).

The three administrators (三员) must present a second factor: a session that is only
``force_login``-ed stops at the authenticator pages. ``sign_in`` gives an administrator a
confirmed TOTP device and marks the test client's session verified with it, as the code
page would; everyone else is simply ``force_login``-ed. ``totp_code`` is what the person's
authenticator app would show now (for tests that type it into the pages)."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from org.models import Person


def give_totp(person: Person) -> TOTPDevice:
    """The person's confirmed authenticator, made if missing. Its last used step is
    forgotten, so that a test may type the current code again (a second login within the
    same 30 seconds)."""
    device = TOTPDevice.objects.filter(user_id=person.user_id, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user_id=person.user_id, name="身份验证器", confirmed=True)
    else:
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0,
                                                       throttling_failure_timestamp=None)
        device.refresh_from_db()
    return device


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def verified_session(client, person: Person) -> TOTPDevice:
    """Mark the client's (signed-in) session as verified with the person's authenticator."""
    device = give_totp(person)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def sign_in(client, person: Person):
    """``client.force_login`` as the person; an administrator also with a verified second
    factor. Returns the client."""
    client.force_login(person.user)
    if person.admin_role:
        verified_session(client, person)
    return client
