FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY tracker tracker
COPY events events
COPY api api
COPY projections projections
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["tracker", "serve", "--host", "0.0.0.0", "--port", "8000"]
