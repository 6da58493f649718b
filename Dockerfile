# syntax=docker/dockerfile:1.7
# CDP images (docs/operations.md, "Images"): one Dockerfile, two targets.
#   docker build --target api    -t cdp-api .      the HTTP API and web app (`cdp api`, `cdp migrate`)
#   docker build --target worker -t cdp-worker .   the job worker (`cdp worker`): adds Python + pandas and
#                                                  bubblewrap for Python pipelines
# No Chromium in either: exports render with ECharts SVG, resvg and pdfkit, without a browser.

ARG NODE_IMAGE=node:20-bookworm-slim

# ── build: every dependency, the compiled server (apps/server/dist) and the web app (apps/web/dist)
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/server/package.json apps/server/package.json
COPY apps/web/package.json apps/web/package.json
COPY packages/analytics/package.json packages/analytics/package.json
COPY packages/connectors/package.json packages/connectors/package.json
COPY packages/contracts/package.json packages/contracts/package.json
COPY packages/db/package.json packages/db/package.json
COPY packages/formats/package.json packages/formats/package.json
COPY packages/pipelines/package.json packages/pipelines/package.json
COPY packages/reports/package.json packages/reports/package.json
COPY packages/sdk/package.json packages/sdk/package.json
COPY packages/widgets/package.json packages/widgets/package.json
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ── production dependencies only (no tsx-only or dev tools are needed by dist/main.js)
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/apps/server/package.json apps/server/package.json
COPY --from=build /app/apps/web/package.json apps/web/package.json
COPY --from=build /app/packages packages
RUN npm ci --omit=dev --no-audit --no-fund && rm -rf packages/*/src packages/*/test

# ── api: `node apps/server/dist/main.js api` as the unprivileged user `node`
FROM ${NODE_IMAGE} AS api
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=3000 \
    HOST=0.0.0.0 \
    METRICS_PORT=9464 \
    UV_THREADPOOL_SIZE=16
WORKDIR /app
COPY --from=deps /app /app
COPY --from=build /app/apps/server/bin apps/server/bin
COPY --from=build /app/apps/server/dist apps/server/dist
COPY --from=build /app/apps/web/dist apps/web/dist
# Exports (PDF, PPTX images, widget PNG/SVG) embed DejaVu: the API renders widget files, workers whole dashboards.
USER root
RUN apt-get update \
  && apt-get install -y --no-install-recommends fonts-dejavu-core \
  && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "apps/server/dist/main.js"]
CMD ["api"]

# ── worker: the same build, plus Debian's Python, pandas, bubblewrap (the Python sandbox) and prlimit
FROM api AS worker
USER root
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 python3-pandas bubblewrap util-linux \
  && rm -rf /var/lib/apt/lists/*
USER node
# A worker has no HTTP API: its health is the admin listener's.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.METRICS_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["worker"]
