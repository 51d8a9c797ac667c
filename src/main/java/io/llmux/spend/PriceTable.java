package io.llmux.spend;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built-in prices of the providers' models (SPEC §5 Cost), read from {@code prices.tsv} on the class path, whose
 * header names the pages they were taken from and when. Its prices never change once loaded; lookups are by
 * upstream model name.
 */
public final class PriceTable {
    static final String RESOURCE = "/prices.tsv";
    private static final List<String> COLUMNS =
            List.of("model", "input", "output", "cached_input", "provider", "source", "checked");

    /**
     * Snapshot suffixes, tried in this order, that a model name loses when it is not listed as it is: a dated
     * snapshot costs what its family costs. One-digit suffixes are versions ({@code claude-opus-4-1}), never dropped.
     */
    private static final List<Pattern> SUFFIXES = List.of(
            Pattern.compile("-\\d{4}-\\d{2}-\\d{2}$"), // gpt-4o-2024-08-06
            Pattern.compile("-\\d{2}-\\d{2}$"), // gemini-2.5-flash-preview-05-20
            Pattern.compile("-\\d{2,8}$"), // claude-3-5-sonnet-20241022, gpt-4-0613, gemini-1.5-flash-002
            Pattern.compile("-(latest|preview|exp)$"));

    /** Names are the config's upstream models, so few; the bound only guards against a caller passing anything. */
    private static final int MAX_REMEMBERED = 4096;

    private final Map<String, Price> prices;
    // a dated name is resolved once, not with regular expressions on every answer
    private final Map<String, Optional<Price>> resolved = new ConcurrentHashMap<>();

    private PriceTable(Map<String, Price> prices) {
        this.prices = Map.copyOf(prices);
    }

    /** The table shipped with LLMux. */
    public static PriceTable builtIn() {
        try (InputStream in = PriceTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads the tab-separated format of {@code prices.tsv}: {@code #} comment lines, a header line naming the
     * columns, then one model per line.
     *
     * @throws IllegalArgumentException naming the line, for a malformed table (a bug in the shipped file)
     */
    static PriceTable parse(String text) {
        Map<String, Price> prices = new HashMap<>();
        boolean header = false;
        int lineNo = 0;
        for (String line : text.lines().toList()) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> cells = List.of(line.split("\t", -1));
            if (!header) {
                require(cells.equals(COLUMNS), lineNo, "the header must be " + String.join(" ", COLUMNS));
                header = true;
                continue;
            }
            require(cells.size() == COLUMNS.size(), lineNo, COLUMNS.size() + " tab-separated cells expected");
            String model = cells.get(0).strip().toLowerCase(Locale.ROOT);
            require(!model.isEmpty(), lineNo, "no model name");
            Price price;
            try {
                String cached = cells.get(3).strip();
                price = new Price(
                        Double.parseDouble(cells.get(1)),
                        Double.parseDouble(cells.get(2)),
                        cached.equals("-") ? null : Double.valueOf(cached));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(RESOURCE + " line " + lineNo + ": " + e.getMessage(), e);
            }
            require(prices.put(model, price) == null, lineNo, model + " is listed twice");
        }
        require(header, lineNo, "no header line");
        return new PriceTable(prices);
    }

    /**
     * The listed price of an upstream model: the name as it is (case-insensitive, without a leading
     * {@code models/}), else the name without its snapshot suffixes. Null when the table has no price for it.
     */
    public Price find(String model) {
        if (model == null) {
            return null;
        }
        Price exact = prices.get(model);
        if (exact != null) {
            return exact;
        }
        Optional<Price> known = resolved.get(model);
        if (known != null) {
            return known.orElse(null);
        }
        Price p = resolve(model);
        if (resolved.size() < MAX_REMEMBERED) {
            resolved.put(model, Optional.ofNullable(p));
        }
        return p;
    }

    private Price resolve(String model) {
        String name = model.strip().toLowerCase(Locale.ROOT);
        if (name.startsWith("models/")) {
            name = name.substring("models/".length());
        }
        while (true) {
            Price p = prices.get(name);
            if (p != null) {
                return p;
            }
            String shorter = withoutSuffix(name);
            if (shorter == null) {
                return null;
            }
            name = shorter;
        }
    }

    /** How many models the table lists. */
    public int size() {
        return prices.size();
    }

    private static String withoutSuffix(String name) {
        for (Pattern p : SUFFIXES) {
            Matcher m = p.matcher(name);
            if (m.find() && m.start() > 0) {
                return name.substring(0, m.start());
            }
        }
        return null;
    }

    private static void require(boolean ok, int lineNo, String problem) {
        if (!ok) {
            throw new IllegalArgumentException(RESOURCE + " line " + lineNo + ": " + problem);
        }
    }
}
