package io.llmux.admin;

/**
 * One field of an update: left out (keep what is stored), sent as null (clear it), or sent with a value. LiteLLM's
 * update calls mean exactly these three things, so a plain nullable value would lose one of them.
 */
public sealed interface Patch<T> {
    record Absent<T>() implements Patch<T> {}

    record Clear<T>() implements Patch<T> {}

    record Set<T>(T value) implements Patch<T> {}

    static <T> Patch<T> absent() {
        return new Absent<>(); // no shared constant: a subclass in the interface's initializer can deadlock
    }

    /** The stored value after this patch: {@code current} when absent, null when cleared. */
    default T apply(T current) {
        return switch (this) {
            case Absent<T> a -> current;
            case Clear<T> c -> null;
            case Set<T> s -> s.value();
        };
    }

    /** Like {@link #apply}, but a clear gives {@code empty} (for lists and maps, which are never null). */
    default T applyOr(T current, T empty) {
        return this instanceof Clear<T> ? empty : apply(current);
    }

    default boolean present() {
        return !(this instanceof Absent<T>);
    }
}
