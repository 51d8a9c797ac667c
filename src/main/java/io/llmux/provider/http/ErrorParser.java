package io.llmux.provider.http;

/** Reads one provider's error body (an answer or a stream event) into {@link ErrorFields}; never throws. */
@FunctionalInterface
public interface ErrorParser {
    ErrorFields parse(byte[] body);
}
