# syntax=docker/dockerfile:1
# Build: the Swift toolchain image, with libargon2's headers for CArgon2.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libargon2-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies first so that source edits do not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product keel \
 && mkdir /out \
 && cp "$(swift build -c release --show-bin-path)/keel" /out/keel \
 && cp -R "$(swift build -c release --show-bin-path)"/*.resources /out/

# Run: Debian slim with the Argon2 runtime library; no toolchain, no root.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libargon2-1 ca-certificates tzdata curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin keel
WORKDIR /app
# The binary and its resource bundles (openapi.yaml, the common-passwords list) side by side:
# Bundle.module looks for them next to the executable.
COPY --from=build /out/ /app/
COPY Templates ./Templates
COPY Public ./Public
COPY migrations ./migrations
USER keel
# Listen on all interfaces inside the container; no default accounts exist in the image.
ENV KEEL_HOST=0.0.0.0 KEEL_PORT=8080 KEEL_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
# DATABASE_URL (server role) and MIGRATION_DATABASE_URL (owner role) come from the operator.
ENTRYPOINT ["/app/keel"]
CMD ["serve"]
