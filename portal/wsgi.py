import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# Everything loaded so far lives as long as the process: keep it out of the collector's
# full passes, which otherwise rescan it while a large API page is being built.
gc.collect()
gc.freeze()
