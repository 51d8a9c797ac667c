package io.llmux.provider.translate;

/** One tool call of an answer, in OpenAI's terms: an id the client answers with, a function name, JSON arguments. */
public record ToolCall(String id, String name, String arguments) {}
