package io.llmux;

/** Entry point (being wired). */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("llmux " + Version.current());
    }
}
