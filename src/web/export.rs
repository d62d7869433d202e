//! Exports sent as they are produced, for the API and the pages alike.

use crate::app::export::Format;
use crate::app::App;
use crate::engine::Actor;
use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Chunks handed over by the task that reads the export.
struct Chunks(tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>);

impl futures_core::Stream for Chunks {
    type Item = Result<Vec<u8>, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// The labels the actor may see, streamed page by page; a failure midway
/// cuts the response, so a client never takes a partial file for whole.
pub fn labels(app: &App, actor: &Actor, format: Format) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let mut export = app.export_labels(actor, format);
    tokio::spawn(async move {
        loop {
            let chunk = match export.next_chunk().await {
                Ok(Some(chunk)) => Ok(chunk),
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %e, "label export failed");
                    Err(std::io::Error::other("export failed"))
                }
            };
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    let extension = match format {
        Format::Csv => "csv",
        Format::Json => "json",
    };
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"labels.{extension}\"")),
        ],
        Body::from_stream(Chunks(rx)),
    )
        .into_response()
}
