# labelflow in a container: one binary, the shipped workflows built in, its
# data (SQLite file, attachments, e-mails written as files) in one volume.
#   docker build -t labelflow .
#   docker run -p 8080:8080 -v labelflow:/var/lib/labelflow labelflow
# docs/OPERATIONS.md says how to point it at PostgreSQL and an SMTP server.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin labelflow

FROM debian:bookworm-slim
# ca-certificates for SMTP over TLS; pg_dump and pg_restore for
# `labelflow backup` and `restore` against PostgreSQL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/labelflow --create-home labelflow
COPY --from=build /src/target/release/labelflow /usr/local/bin/labelflow
USER 10001
WORKDIR /var/lib/labelflow
ENV LABELFLOW_BIND=0.0.0.0:8080 \
    LABELFLOW_DATABASE_URL=sqlite:///var/lib/labelflow/labelflow.db \
    LABELFLOW_DATA_DIR=/var/lib/labelflow/data \
    LABELFLOW_MAIL_DIR=/var/lib/labelflow/mail \
    LABELFLOW_WORKFLOWS=/etc/labelflow/workflows
VOLUME ["/var/lib/labelflow"]
EXPOSE 8080
ENTRYPOINT ["labelflow"]
CMD ["serve"]
