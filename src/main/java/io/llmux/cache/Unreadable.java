package io.llmux.cache;

/**
 * A chunk or a cached answer this package cannot read faithfully. Never seen outside the package: the assembler gives
 * up on it and the replay returns null, so the cache falls back to a miss instead of failing a request.
 */
final class Unreadable extends Exception {
    private static final long serialVersionUID = 1L;

    Unreadable(String why) {
        super(why, null, false, false); // no stack trace: it is an expected outcome, not a bug
    }
}
