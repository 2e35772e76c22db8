# featureflag_exporter: multi-stage build. `docker build -t featureflag_exporter .`
# RUNTIME_BASE names the run stage's base; `make image-test` builds the run stage on a debootstrap'd Debian 12 with the
# binary built on the host (scripts/image-test.sh), where no registry is reachable.
ARG RUNTIME_BASE=debian:bookworm-slim

# Build stage: Swift 6.3 on Debian 12 with the system libraries the package links (libcrypto, zlib, libcurl,
# hiredis).
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl-dev zlib1g-dev libcurl4-openssl-dev libhiredis-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Package.resolved pins every dependency when the context has one (`swift build` writes it; git does not keep it).
COPY Package.swift Package.resolved* ./
COPY Sources ./Sources
COPY Plugins ./Plugins
RUN swift build -c release --product featureflag_exporter --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/featureflag_exporter" /featureflag_exporter

# Run stage: the binary, the runtime libraries and the shipped config; no compiler, no shell tools beyond Debian's.
FROM ${RUNTIME_BASE} AS runtime
# docker build --build-arg REVISION=$(git rev-parse HEAD) names the source in the image's labels.
ARG REVISION=unknown
LABEL org.opencontainers.image.title="featureflag_exporter" \
      org.opencontainers.image.description="Feature-flag rollouts as Prometheus metrics: synthetic, canary and mirrored evaluations, config freshness" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.documentation="docs/deploying.md"
# curl is for the health check only (libcurl is there anyway).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl3 zlib1g libcurl4 libhiredis0.14 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10100 --home-dir /var/lib/featureflag_exporter --create-home featureflag_exporter
COPY --from=build /featureflag_exporter /usr/local/bin/featureflag_exporter
COPY config /etc/featureflag_exporter
USER featureflag_exporter
WORKDIR /etc/featureflag_exporter
EXPOSE 10100
# Alive, not ready: a store that is down must not get the container killed (the cache keeps serving).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:10100/-/healthy"]
ENTRYPOINT ["/usr/local/bin/featureflag_exporter"]
CMD ["serve", "--config.file", "/etc/featureflag_exporter/feature_flags.yaml", \
     "--exporter.config-file", "/etc/featureflag_exporter/exporter.yaml"]
