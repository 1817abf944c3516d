# The classifier service. Same install commands as `scripts/setup classifier`: uv, the pinned
# requirements, then the editable packages; runs as a non-root user.
# Build from the repository root: docker build -f deploy/classifier.Dockerfile .
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
COPY services/classifier/requirements.txt services/classifier/requirements.txt
RUN uv pip install --system --no-cache -r services/classifier/requirements.txt
COPY services/common services/common
COPY services/classifier services/classifier
RUN uv pip install --system --no-cache -e services/common -e services/classifier
RUN useradd --system --uid 10001 har && mkdir -p /data && chown har /data
USER har
VOLUME /data
EXPOSE 8001
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8001/readyz', timeout=2)" || exit 1
CMD ["python", "-m", "uvicorn", "har_classifier.main:app", "--host", "0.0.0.0", "--port", "8001", "--no-access-log"]
