# Studio's image: the web (uvicorn), worker and beat processes all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    STUDIO_DATA_DIR=/data \
    STUDIO_STATIC_ROOT=/app/staticfiles \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system studio && useradd --system --gid studio --home /app studio
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic runs under the production settings (hashed, compressed files) with throwaway build secrets.
RUN mkdir -p /data && chown studio:studio /data \
    && STUDIO_ENV=production ALLOWED_HOSTS=build STUDIO_ENCRYPTION_KEY=build \
       SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
       python manage.py collectstatic --noinput
USER studio
EXPOSE 8000
CMD ["python", "-m", "uvicorn", "studio.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--lifespan", "off"]
