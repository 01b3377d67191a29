# peerbot: one small image; SQLite by default, PostgreSQL with DATABASE_URL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 peerbot
WORKDIR /app

COPY pyproject.toml README.md ./
COPY src ./src
COPY migrations ./migrations
RUN pip install ".[postgres]"

# SQLite lives on a volume owned by the non-root user.
RUN mkdir /data && chown peerbot:peerbot /data
VOLUME /data
ENV DATABASE_URL=sqlite:////data/peerbot.db \
    PORT=3000

USER peerbot
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"
CMD ["peerbot", "run", "--http"]
