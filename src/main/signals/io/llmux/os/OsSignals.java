package io.llmux.os;

import sun.misc.Signal;

/**
 * Runs an action when the process gets a POSIX signal (HUP: reload, TERM and INT: drain). The JDK offers no
 * supported API for SIGHUP, so this is the one use of {@code sun.misc.Signal} (module jdk.unsupported). javac warns
 * about it on every compile and the warning cannot be suppressed, so this source root is compiled apart from the
 * rest, which is built with {@code -Werror}.
 */
public final class OsSignals {
    private OsSignals() {}

    /**
     * Calls {@code action} on a new virtual thread each time the signal arrives (signal handlers must return fast).
     *
     * @param name the signal without its SIG prefix: HUP, TERM, INT
     */
    public static void on(String name, Runnable action) {
        Signal.handle(new Signal(name), signal -> Thread.ofVirtual().name("llmux-sig" + name).start(action));
    }
}
