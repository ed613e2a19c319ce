# syntax=docker/dockerfile:1
# The base images are the public ones; `make image` (scripts/image.sh) builds this same file
# with buildah and local stand-ins for both, passed as these arguments (docs/operations.md).
ARG BUILD_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# Build: the Swift toolchain, with the headers of what Keel links: libargon2 (CArgon2), libpq
# (CLibPQ, the PostgreSQL driver) and pango/cairo (CPangoCairo, the invoice PDFs).
FROM ${BUILD_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libargon2-dev libpq-dev libcairo2-dev libpango1.0-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies first so that source edits do not refetch them (Vendor/ holds two of
# them, by path).
COPY Package.swift ./
COPY Vendor ./Vendor
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product keel \
 && mkdir /out \
 && cp "$(swift build -c release --show-bin-path)/keel" /out/keel \
 && cp -R "$(swift build -c release --show-bin-path)"/*.resources /out/
# The symbols go to /debug (in this stage only: `--target build` keeps them for symbolicating a
# crash report); the image gets the stripped binary, a third of the size.
RUN mkdir /debug \
 && objcopy --only-keep-debug /out/keel /debug/keel.debug \
 && strip /out/keel \
 && objcopy --add-gnu-debuglink=/debug/keel.debug /out/keel

# Run: Debian slim with the shared libraries Keel links (Argon2; libpq; pango and cairo with the DejaVu
# fonts the invoices ask for); no toolchain, no root, no curl (`keel healthcheck` asks /healthz).
FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends libargon2-1 libpq5 libpangocairo-1.0-0 fonts-dejavu-core \
      ca-certificates tzdata \
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
  CMD ["/app/keel", "healthcheck"]
# DATABASE_URL (server role) and MIGRATION_DATABASE_URL (owner role) come from the operator.
ENTRYPOINT ["/app/keel"]
CMD ["serve"]
