package io.llmux.provider;

import io.llmux.pipeline.EventStream;
import io.llmux.wire.Usage;

/** A successful attempt: a whole OpenAI-shaped JSON answer, or an open stream of chunks. */
public sealed interface Answer permits Answer.Whole, Answer.Streamed {

    /** @param body the OpenAI-shaped answer, ready to send as is */
    record Whole(byte[] body, Usage usage) implements Answer {}

    record Streamed(EventStream events) implements Answer {}
}
