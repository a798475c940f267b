import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongwen.settings")
application = get_wsgi_application()

# WSGI servers run no system checks: refuse here, as `manage.py check` does (org.E001), to
# serve while an account still has the published demo password (unless GONGWEN_DEMO=1).
from org.checks import refuse_demo_passwords  # noqa: E402

refuse_demo_passwords()
