package io.llmux;

import io.llmux.config.ConfigException;
import io.llmux.config.ConfigLoader;
import io.llmux.config.ConfigPrinter;
import io.llmux.config.Env;
import io.llmux.config.LoadedConfig;
import io.llmux.os.OsSignals;
import io.llmux.telemetry.Redactor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Command line: {@code llmux [--config PATH] [--check-config] [--healthcheck] [--version]}. The config path defaults
 * to {@code $LLMUX_CONFIG}, then {@code config/config.yaml}. Exit codes: 0 ok, 2 bad config or arguments, 1 failed
 * start (for {@code --healthcheck}: not live).
 */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_CONFIG = 2;

    private Main() {}

    public static void main(String[] args) {
        // exit explicitly: after a drain no request may keep the JVM alive through a stray non-daemon thread
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String configArg = null;
        boolean check = false;
        boolean healthcheck = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--version", "-v" -> {
                    out.println("llmux " + Version.current());
                    return OK;
                }
                case "--help", "-h" -> {
                    out.println(usage());
                    return OK;
                }
                case "--check-config" -> check = true;
                case "--healthcheck" -> healthcheck = true;
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        err.println("--config needs a path\n" + usage());
                        return BAD_CONFIG;
                    }
                    configArg = args[++i];
                }
                default -> {
                    if (args[i].startsWith("--config=")) {
                        configArg = args[i].substring("--config=".length());
                    } else {
                        err.println("unknown argument: " + args[i] + "\n" + usage());
                        return BAD_CONFIG;
                    }
                }
            }
        }
        Path workingDir = Path.of("").toAbsolutePath();
        Env env = Env.load(workingDir, System.getenv());
        Path config =
                Path.of(configArg != null ? configArg : env.get("LLMUX_CONFIG").orElse("config/config.yaml"));
        if (healthcheck) {
            return Healthcheck.run(config, env, out, err);
        }
        if (!Files.isRegularFile(config)) {
            err.println(
                    "config file not found: " + config.toAbsolutePath() + " (pass --config PATH or set LLMUX_CONFIG)");
            return BAD_CONFIG;
        }
        return check ? checkConfig(config, env, out, err) : serve(config, err);
    }

    private static int checkConfig(Path config, Env env, PrintStream out, PrintStream err) {
        try {
            LoadedConfig loaded = new ConfigLoader().load(config, env);
            ConfigLoader.requireUsableProvider(loaded.config());
            ConfigPrinter.describe(loaded).forEach(out::println);
            return OK;
        } catch (ConfigException e) {
            err.println(Redactor.scrubPatterns(e.getMessage()));
            return BAD_CONFIG;
        }
    }

    private static int serve(Path config, PrintStream err) {
        Gateway gateway;
        try {
            gateway = Gateway.start(Gateway.Options.of(config));
        } catch (ConfigException e) {
            err.println(Redactor.scrubPatterns(e.getMessage()));
            return BAD_CONFIG;
        } catch (IOException e) {
            err.println("llmux could not start: " + Redactor.scrubPatterns(e.getMessage()));
            return FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        OsSignals.on("HUP", () -> {
            try {
                gateway.reload();
            } catch (ConfigException e) {
                // logged by reload; the running config stays
            }
        });
        AtomicBoolean draining = new AtomicBoolean();
        Runnable drain = () -> {
            // a second Ctrl-C or SIGTERM while draining must not start a second drain
            if (draining.compareAndSet(false, true)) {
                gateway.drain();
                stopped.countDown();
            }
        };
        OsSignals.on("TERM", drain);
        OsSignals.on("INT", drain);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }

    private static String usage() {
        return """
                usage: llmux [--config PATH] [--check-config] [--healthcheck] [--version]
                  --config PATH     config file (default: $LLMUX_CONFIG, else config/config.yaml)
                  --check-config    validate the config, print the model groups and exit (0 ok, 2 problems)
                  --healthcheck     ask the gateway on this config's server.port for /health/live (0 live, 1 not)
                  --version         print the version""";
    }
}
