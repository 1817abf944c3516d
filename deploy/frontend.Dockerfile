# Static export built by the same script as `scripts/setup frontend`, served by nginx with the API proxy.
FROM node:20-bookworm-slim AS build
WORKDIR /src/frontend
COPY frontend/ ./
RUN rm -rf node_modules out .next && scripts/setup.sh

FROM nginx:1.27-alpine
COPY deploy/nginx.conf /etc/nginx/templates/default.conf.template
# rendered to /etc/nginx/conf.d/har-proxy.inc (not *.conf, so only the API locations include it)
COPY deploy/har-proxy.conf /etc/nginx/templates/har-proxy.inc.template
COPY --from=build /src/frontend/out /usr/share/nginx/html
HEALTHCHECK --interval=15s --timeout=3s --retries=3 CMD wget -qO- http://127.0.0.1/ >/dev/null || exit 1
EXPOSE 80
