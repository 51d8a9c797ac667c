package io.llmux.pipeline;

/** What the pipeline answers: a whole JSON body, or a stream of SSE events the server forwards as they come. */
public sealed interface Reply permits Reply.Json, Reply.Stream {

    /** A complete JSON answer, already serialised, with the HTTP status to send it with. */
    record Json(int status, byte[] body) implements Reply {}

    /** An open event stream; the server owns it from here and must close it. */
    record Stream(EventStream events) implements Reply {}
}
