package io.llmux.telemetry;

/** Something to log, formatted by the log writer's thread rather than by the request that produced it. */
interface LogLine {
    void format(LineFormat format);
}
