# The production image: gunicorn serving the portal, the same image runs Celery.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=portal.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends gettext postgresql-client \
    && rm -rf /var/lib/apt/lists/* && useradd --create-home --uid 1000 portail
WORKDIR /app
# The exact versions and hashes of the lockfile (bin/lock refreshes it), as bin/run and CI.
COPY requirements/base.lock requirements/
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements/base.lock
COPY . .
# collectstatic needs settings that import; these build-time values are never used at run time.
RUN SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.db ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput && python manage.py compilemessages -l fr
# Uploaded documents: the compose file mounts a volume here; a new volume takes this owner.
RUN mkdir -p /srv/private && chown portail:portail /srv/private
USER portail
EXPOSE 8000
# Bind address, workers, request-line limits, no Server header: portal/gunicorn.conf.py.
CMD ["gunicorn", "portal.wsgi:application", "--config", "portal/gunicorn.conf.py"]
