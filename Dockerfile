# featureflag_exporter: multi-stage build. `docker build -t featureflag_exporter .`
# Build stage: Swift 6.3 on Debian 12 with the system libraries the package links (libcrypto, zlib, libcurl,
# hiredis).
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl-dev zlib1g-dev libcurl4-openssl-dev libhiredis-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Plugins ./Plugins
RUN swift build -c release --product featureflag_exporter --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/featureflag_exporter" /featureflag_exporter

# Run stage: the binary, the runtime libraries and the shipped config; no compiler, no shell tools beyond Debian's.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl3 zlib1g libcurl4 libhiredis0.14 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10100 --home-dir /var/lib/featureflag_exporter --create-home featureflag_exporter
COPY --from=build /featureflag_exporter /usr/local/bin/featureflag_exporter
COPY config /etc/featureflag_exporter
USER featureflag_exporter
WORKDIR /etc/featureflag_exporter
EXPOSE 10100
ENTRYPOINT ["/usr/local/bin/featureflag_exporter"]
CMD ["serve", "--config.file", "/etc/featureflag_exporter/feature_flags.yaml", \
     "--exporter.config-file", "/etc/featureflag_exporter/exporter.yaml"]
